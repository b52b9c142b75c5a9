"""Language of a page's main text, with langdetect made deterministic.

langdetect is strong on sentences and weak on short strings, so short texts
fall back to the language the page declares (``<html lang>``) and are marked
low-confidence; longer texts trust the text, so an untranslated article inside
a French site gets the language it is written in.
"""

from __future__ import annotations

from dataclasses import dataclass

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

DetectorFactory.seed = 0
MIN_CHARS = 40
LOW_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Detected:
    lang: str | None
    confidence: float


def primary_subtag(tag: str | None) -> str | None:
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def detect_language(text: str, declared: str | None = None, languages=None) -> Detected:
    """The language of ``text``; ``declared`` (the page's own claim) breaks ties."""
    declared = primary_subtag(declared)
    sample = " ".join(text.split())[:5000]
    if len(sample) < MIN_CHARS:
        return Detected(declared, LOW_CONFIDENCE if declared else 0.0)
    try:
        guesses = detect_langs(sample)
    except LangDetectException:
        return Detected(declared, LOW_CONFIDENCE if declared else 0.0)
    best = guesses[0]
    best_lang = primary_subtag(best.lang)
    if declared and best_lang != declared:
        declared_prob = next((g.prob for g in guesses if primary_subtag(g.lang) == declared), 0.0)
        if declared_prob >= 0.2 or best.prob < 0.8:
            return Detected(declared, round(max(declared_prob, LOW_CONFIDENCE), 3))
    return Detected(best_lang, round(best.prob, 3))
