"""Writing systems: the script a text is written in, and the scripts each language is written in.

Language detection starts here: a text in Cyrillic is never given a language not written in Cyrillic,
whatever the page declares and whatever a detector's random walk lands on. A text's script is the one
most of its letters belong to (Unicode's character names: LATIN, CYRILLIC, GREEK...), with hiragana
and katakana counted as one script, kana, and the CJK ideographs as han. A language missing from
``SCRIPTS`` is taken to be written in Latin letters, as most languages of the web are.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

LATIN, CYRILLIC, GREEK, HAN, KANA, HANGUL = "latin", "cyrillic", "greek", "han", "kana", "hangul"

_WRITTEN_IN = {
    CYRILLIC: "be bg kk ky mk mn ru sr tg tt uk ba cv os ce",
    GREEK: "el",
    "arabic": "ar fa ur ps ug sd ckb",
    "hebrew": "he iw yi",
    "devanagari": "hi mr ne sa",
    "bengali": "bn as",
    "gurmukhi": "pa",
    "gujarati": "gu",
    "oriya": "or",
    "tamil": "ta",
    "telugu": "te",
    "kannada": "kn",
    "malayalam": "ml",
    "sinhala": "si",
    "thai": "th",
    "lao": "lo",
    "khmer": "km",
    "myanmar": "my",
    "tibetan": "bo dz",
    "georgian": "ka",
    "armenian": "hy",
    "ethiopic": "am ti",
    HAN: "zh ja",  # Korean is written in hangul today: a text in han alone is Chinese or Japanese
    KANA: "ja",
    HANGUL: "ko",
}
# Languages written in Latin letters as well as in the script above.
_ALSO_LATIN = {"sr", "kk", "tg", "tt", "ba", "ku", "uz", "az"}
SCRIPTS: dict[str, frozenset[str]] = {}
for _script, _languages in _WRITTEN_IN.items():
    for _lang in _languages.split():
        SCRIPTS[_lang] = SCRIPTS.get(_lang, frozenset()) | {_script} | ({LATIN} if _lang in _ALSO_LATIN else set())
_NAMED = {"CJK": HAN, "HIRAGANA": KANA, "KATAKANA": KANA, "COMBINING": None, "MODIFIER": None}
_WIDTHS = ("FULLWIDTH", "HALFWIDTH")  # "FULLWIDTH LATIN CAPITAL LETTER A": the script is the next word
SCRIPT_SHARE = 0.25
# Below U+0250 every letter is Latin (Basic Latin to Latin Extended-B): most European pages need no
# count at all.
BEYOND_LATIN = re.compile("[^\x00-\u024f]")
KANA_SHARE = 0.1  # Japanese mixes kana with han; a Chinese text holds none


class _ScriptOf(dict):
    """Character -> its script (None for what is not a letter), filled as characters are met."""

    def __missing__(self, char: str) -> str | None:
        found = None
        if unicodedata.category(char)[0] in "LM":  # with marks: an Indic vowel sign is one, not a letter
            words = unicodedata.name(char, "").split(" ", 2)
            first = words[1] if words[0] in _WIDTHS and len(words) > 1 else words[0]
            found = _NAMED.get(first, first.lower())
        self[char] = found
        return found


_SCRIPT_OF = _ScriptOf()


def letter_scripts(text: str) -> Counter:
    """How many letters (and marks) of ``text`` each script holds; han counted as kana in a Japanese text."""
    counts = Counter(map(_SCRIPT_OF.__getitem__, text))
    counts.pop(None, None)
    if counts[KANA] and counts[KANA] >= KANA_SHARE * (counts[KANA] + counts[HAN]):
        counts[KANA] += counts.pop(HAN, 0)
    return +counts


def text_script(text: str) -> str | None:
    """The script most letters of ``text`` are written in; None for a text without letters."""
    counts = letter_scripts(text)
    return counts.most_common(1)[0][0] if counts else None


def text_scripts(text: str) -> frozenset[str]:
    """The scripts ``text`` is written in: each holding at least SCRIPT_SHARE of its letters (a Russian
    article quoting a Latin brand name is in Cyrillic; a Bengali one mostly made of English terms is in
    both). Empty for a text without letters."""
    if not BEYOND_LATIN.search(text):
        return frozenset({LATIN}) if any(map(str.isalpha, text)) else frozenset()
    counts = letter_scripts(text)
    total = sum(counts.values())
    return frozenset(script for script, count in counts.items() if count >= SCRIPT_SHARE * total)


def language_scripts(lang: str) -> frozenset[str]:
    """The scripts ``lang`` (a primary subtag such as ``bg``) is written in."""
    return SCRIPTS.get(lang, frozenset({LATIN}))


def written_in(lang: str, scripts: frozenset[str]) -> bool:
    """True when ``lang`` is written in one of ``scripts`` (or none is known: nothing to contradict)."""
    return not scripts or not scripts.isdisjoint(language_scripts(lang))
