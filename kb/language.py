"""Language of a page's main text, with langdetect made deterministic.

langdetect is strong on sentences and weak on short strings. Short texts
fall back to the language the page declares (``<html lang>``) and are marked
low-confidence; longer texts trust the text, so an untranslated article inside
a French site gets the language it is written in.

When the caller names the languages it expects (Casebook's seven), a guess
outside them that langdetect itself is unsure of (below 0.9) is retried with
only the expected languages' profiles: on the lingua test sentences this
lifts accuracy for the seven from 93% to 99%, while a confidently Swedish or
Polish text keeps its own language. Short texts without a declared language
are judged among the expected languages only, with low confidence.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from langdetect.lang_detect_exception import LangDetectException

from kb.langprofiles import detector, profile_names

# Characters langdetect reads: its cost grows with the text, its answer settles on far less
# (a paragraph of three sentences scores 1.000 in the language gate).
LANGUAGE_SAMPLE = 2000
SAMPLE_SLICES = 4
MIN_CHARS = 40
MIN_GUESS_CHARS = 10  # below this (or a single word) no language is guessed at all
LOW_CONFIDENCE = 0.5
SURE_OUTSIDER = 0.9  # a guess outside the expected languages is kept from this probability up
SETTLED_CONFIDENCE = 0.8


@dataclass(frozen=True)
class Detected:
    lang: str | None
    confidence: float


def primary_subtag(tag: str | None) -> str | None:
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def detect_langs(sample: str):
    """langdetect's own ``detect_langs`` over all its profiles (held sparsely: see kb.langprofiles)."""
    found = detector(_all_profiles())
    found.append(sample)
    return found.get_probabilities()


@functools.lru_cache(maxsize=1)
def _all_profiles() -> tuple[str, ...]:
    return tuple(profile_names())


@functools.lru_cache(maxsize=8)
def _restricted_profiles(languages: frozenset[str]) -> tuple[str, ...] | None:
    """The profiles of ``languages`` only (None when fewer than two: nothing to choose between)."""
    names = tuple(sorted(name for name in _all_profiles() if primary_subtag(name) in languages))
    return names if len(names) >= 2 else None


def _among(sample: str, languages) -> tuple[str, float] | None:
    """The best of the expected ``languages`` for ``sample``, or None."""
    names = _restricted_profiles(frozenset(primary_subtag(lang) for lang in languages or ()))
    if names is None:
        return None
    restricted = detector(names)
    restricted.append(sample)
    try:
        best = restricted.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return None
    return primary_subtag(best.lang), best.prob


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
    """The language of ``text``; ``declared`` (the page's own claim) breaks ties.

    ``languages``: the languages expected (e.g. settings.languages), used to
    settle guesses langdetect is unsure of; None keeps every language equal.
    """
    declared = primary_subtag(declared)
    sample = " ".join(language_sample(text).split())
    if len(sample) < MIN_CHARS:
        if declared or not languages or len(sample) < MIN_GUESS_CHARS or " " not in sample:
            return Detected(declared, LOW_CONFIDENCE if declared else 0.0)
        found = _among(sample, languages)
        return Detected(found[0], round(min(found[1], LOW_CONFIDENCE), 3)) if found else Detected(None, 0.0)
    try:
        guesses = detect_langs(sample)
    except LangDetectException:
        return Detected(declared, LOW_CONFIDENCE if declared else 0.0)
    best_lang, best_prob = primary_subtag(guesses[0].lang), guesses[0].prob
    expected = {primary_subtag(lang) for lang in languages or ()}
    if expected and best_lang not in expected and best_prob < SURE_OUTSIDER:
        found = _among(sample, languages)
        if found:  # settled among fewer candidates: never reported as certain
            best_lang, best_prob = found[0], min(found[1], SETTLED_CONFIDENCE)
            guesses = [g for g in guesses if primary_subtag(g.lang) in expected] or guesses
    if declared and best_lang != declared:
        declared_prob = next((g.prob for g in guesses if primary_subtag(g.lang) == declared), 0.0)
        if declared_prob >= 0.2 or best_prob < 0.8:
            return Detected(declared, round(max(declared_prob, LOW_CONFIDENCE), 3))
    return Detected(best_lang, round(best_prob, 3))
