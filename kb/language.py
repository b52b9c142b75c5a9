"""Language of a page's main text: script first, then langdetect (made deterministic), then the declaration.

1. Script first. A text is written in the scripts holding a good share of its letters (kb.scripts);
   it is never given a language not written in one of them, neither by the detector (its
   probabilities outside those scripts are dropped) nor by the page's ``<html lang>``: a Bulgarian
   page declaring ``nl`` is not Dutch.
2. A judgeable text (MIN_LETTERS letters and more) gets the detector's answer, whatever the page
   declares, with two measured exceptions: the declared language stays when the detector gives it
   a share of its own (DECLARED_SHARE: a tie broken by the page; +0.3 points on EU sentences),
   and a declared language the detector has no profile for (Irish, Basque, Icelandic, Serbian...)
   stays, low-confidence, unless the detector is sure (SURE) of another one (+1.3 points on EU
   sentences, +7 on all 75 languages: the detector cannot be right on those).
3. A text too short to judge falls back to the declaration, marked low-confidence; without one it
   gets the detector's guess within its script, low-confidence, ties going to the caller's
   preferred ``languages``. No list of languages ever overrides a judgeable text.

Measured on lingua's test sentences (75 languages, half declaring a wrong language):
tests/kb/test_language_gate.py.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass

from langdetect.lang_detect_exception import LangDetectException

from kb.langprofiles import detector, profile_names
from kb.scripts import text_scripts, written_in

# Characters langdetect reads: its cost grows with the text, its answer settles on far less
# (paragraphs of three sentences: .97 to 1.00 for each EU language it knows, in the gate).
LANGUAGE_SAMPLE = 2000
SAMPLE_SLICES = 4
# Letters from which the detector outweighs the declaration. On lingua's sentences in the languages
# it knows, langdetect is right on 89% of texts of 10-19 letters, 96% of 20-29, 98% of 30-39; from
# 20 letters on it is trusted over a page's declaration (300 sentences of each EU language, half
# declaring a wrong one: .951 right with 20, .928 with 40, as more short texts kept a wrong claim).
MIN_LETTERS = 20
# A han, kana or hangul character says about as much as a word: it counts as WIDE_LETTERS letters
# (a Chinese sentence of 15 characters is judged, and langdetect is right on it).
WIDE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
WIDE_LETTERS = 3
LETTER_HEAD = 200
MIN_GUESS_LETTERS = 8  # below this (or a single word) nothing is guessed, only declared
LOW_CONFIDENCE = 0.5
DECLARED_SHARE = 0.2  # the detector's share for the declared language that keeps it
SURE = 0.9  # the detector's share for its best language that overrides a declaration it cannot judge
MIN_SCRIPT_SHARE = 0.1  # the detector's share for the text's scripts below which it knows none of them
# Tags a page may declare for a language the detector names otherwise (Bokmål and Nynorsk are
# langdetect's and Snowball's "no"; old ISO codes of Hebrew, Indonesian, Yiddish).
ALIASES = {"nb": "no", "nn": "no", "iw": "he", "in": "id", "ji": "yi"}


@dataclass(frozen=True)
class Detected:
    lang: str | None
    confidence: float


def primary_subtag(tag: str | None) -> str | None:
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def canonical_language(tag: str | None) -> str | None:
    """The language code Casebook stores for a tag: its primary subtag, ``nb``/``nn`` as ``no``."""
    primary = primary_subtag(tag)
    return ALIASES.get(primary, primary)


@functools.lru_cache(maxsize=1)
def _all_profiles() -> tuple[str, ...]:
    return tuple(profile_names())


@functools.lru_cache(maxsize=1)
def known_languages() -> frozenset[str]:
    """The languages the detector has a profile for (``zh-cn`` and ``zh-tw`` as ``zh``)."""
    return frozenset(map(canonical_language, _all_profiles()))


@functools.lru_cache(maxsize=4)
def _probabilities(sample: str) -> tuple[tuple[str, float], ...]:
    """langdetect's probability of each of its languages for ``sample`` (empty when it finds nothing);
    cached for the last few samples, so its own answer and ours read one walk."""
    found = detector(_all_profiles())
    found.append(sample)
    try:
        found.get_probabilities()
    except LangDetectException:
        return ()
    return tuple(zip(found.langlist, found.langprob))


def langdetect_language(sample: str) -> str | None:
    """langdetect's own answer (its ``detect``) for ``sample``, every language, with no script or declaration."""
    probabilities = _probabilities(sample)
    return canonical_language(max(probabilities, key=lambda pair: pair[1])[0]) if probabilities else None


def script_guesses(sample: str, scripts: frozenset[str]) -> list[tuple[str, float]]:
    """langdetect's probabilities for ``sample``, every language, kept for those written in ``scripts``
    and summed to 1 (best first); empty when the detector finds nothing or gives those scripts'
    languages less than MIN_SCRIPT_SHARE (it has no profile of the text's language: Armenian, Georgian)."""
    shares: dict[str, float] = defaultdict(float)
    for name, prob in _probabilities(sample):
        lang = canonical_language(name)
        if written_in(lang, scripts):
            shares[lang] += prob
    total = sum(shares.values())
    if total < MIN_SCRIPT_SHARE:
        return []
    return sorted(((lang, prob / total) for lang, prob in shares.items()), key=lambda pair: -pair[1])


def language_sample(text: str) -> str:
    """At most LANGUAGE_SAMPLE characters of ``text``, in SAMPLE_SLICES slices spread evenly over it.

    Spread, so a page's languages keep their shares: a long French article under a Dutch lead
    stays French (the first characters alone would say Dutch). Slices are cut at spaces.
    """
    if len(text) <= LANGUAGE_SAMPLE:
        return text
    size = LANGUAGE_SAMPLE // SAMPLE_SLICES
    slices = []
    for n in range(SAMPLE_SLICES):
        start = n * len(text) // SAMPLE_SLICES
        piece = text[start:start + size]
        slices.append(piece[piece.find(" ") + 1 if start else 0:piece.rfind(" ")])
    return "\n".join(slices)


def detect_language(text: str, declared: str | None = None, languages=None) -> Detected:
    """The language of ``text``; ``declared`` (the page's own claim) serves texts too short to judge.

    ``languages``: the languages the caller prefers, used only to break the detector's ties on a
    short text that declares none; a judgeable text always gets the language it is written in.
    """
    sample = " ".join(language_sample(text).split())
    scripts = text_scripts(sample)
    declared = canonical_language(declared)
    if declared and not written_in(declared, scripts):
        declared = None  # a claim the text's own letters deny
    letters = _letters(sample)
    if letters < MIN_LETTERS:
        return _short_text(sample, scripts, declared, letters, languages)
    guesses = script_guesses(sample, scripts)
    if not guesses:
        return Detected(declared, LOW_CONFIDENCE if declared else 0.0)
    best_lang, best_prob = guesses[0]
    if declared and declared != best_lang:
        declared_prob = dict(guesses).get(declared, 0.0)
        if declared_prob >= DECLARED_SHARE:
            return Detected(declared, round(declared_prob, 3))
        if declared not in known_languages() and best_prob < SURE:
            return Detected(declared, LOW_CONFIDENCE)
    return Detected(best_lang, round(best_prob, 3))


def _letters(sample: str) -> int:
    """The letters of ``sample`` (wide ones counting WIDE_LETTERS), exactly up to MIN_LETTERS: counted in
    its head first, which settles most texts at a tenth of the cost of counting them all."""
    for part in (sample[:LETTER_HEAD], sample):
        letters = sum(map(str.isalpha, part)) + (WIDE_LETTERS - 1) * len(WIDE.findall(part))
        if letters >= MIN_LETTERS or len(part) == len(sample):
            return letters
    return letters


def _short_text(sample: str, scripts: frozenset[str], declared: str | None, letters: int, languages) -> Detected:
    """A text too short to judge: its declaration, else a guess within its script; low-confidence."""
    if declared:
        return Detected(declared, LOW_CONFIDENCE)
    if letters < MIN_GUESS_LETTERS or " " not in sample:
        return Detected(None, 0.0)
    guesses = script_guesses(sample, scripts)
    if not guesses:
        return Detected(None, 0.0)
    preferred = {canonical_language(lang) for lang in languages or ()}
    lang, prob = next(((lang, prob) for lang, prob in guesses if lang in preferred and prob >= DECLARED_SHARE),
                      guesses[0])
    return Detected(lang, round(min(prob, LOW_CONFIDENCE), 3))
