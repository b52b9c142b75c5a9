"""Dutch and German decompounding against a lexicon of known words.

"gemeentehuis" is indexed as itself and, at the same position, as "gemeente"
and "huis", so a search for "gemeente" finds it; "Bürgerbeteiligung" likewise
yields "bürger" and "beteiligung". A split is accepted only when every part is
a known word (the lexicon files beside this module plus the thesaurus labels of
the language), allowing the linking morphemes of the language between parts
(stads|ontwikkeling, Verwaltung|s|leistungen). Parts are compared by their
Snowball stems so a lexicon needs one form of each word.

The filter adds parts when indexing only: a query or a phrase analysed with
parts would ask for words at positions they never have. Queries get their
compound parts from ``compound_parts`` instead.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from whoosh.analysis import Filter

from index.words import stemmer, stopwords

LINKS = {"nl": ("", "s", "e", "en", "n"), "de": ("", "s", "e", "en", "n", "es", "er")}
MIN_WORD = 7  # shorter words are rarely compounds, and short splits are mostly wrong
MIN_PART = 3
MAX_PARTS = 3
WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=None)
def lexicon(lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """(words, stems) known in ``lang``: the shipped list plus the thesaurus label words."""
    from kb.thesaurus import load_thesaurus

    text = resources.files("index").joinpath("lexicon", f"{lang}.txt").read_text(encoding="utf-8")
    words = {line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")}
    for label in load_thesaurus().labels_by_language().get(lang, {}):
        words.update(w.lower() for w in WORD.findall(label) if len(w) >= 4)
    words -= stopwords(lang)
    stem = _stem(lang)
    return frozenset(words), frozenset(stem(w) for w in words if len(w) >= 4)


def _stem(lang: str):
    return stemmer(lang)


def _known(part: str, lang: str) -> bool:
    words, stems = lexicon(lang)
    if part in words:
        return True
    return len(part) > MIN_PART and _stem(lang)(part) in stems


@lru_cache(maxsize=100_000)
def _parts(word: str, lang: str, budget: int) -> tuple[str, ...] | None:
    """``word`` itself when known, else its split into at most ``budget`` known parts."""
    if _known(word, lang):
        return (word,)
    return _best_split(word, lang, budget) if budget >= 2 else None


def _best_split(word: str, lang: str, budget: int) -> tuple[str, ...] | None:
    """The split into the fewest known parts (at least two), longest head first."""
    best = None
    for end in range(len(word) - MIN_PART, MIN_PART - 1, -1):
        head = word[:end]
        if not _known(head, lang):
            continue
        for link in LINKS[lang]:
            tail = word[end + len(link):]
            if not word.startswith(link, end) or len(tail) < MIN_PART:
                continue
            rest = _parts(tail, lang, budget - 1)
            if rest and (best is None or 1 + len(rest) < len(best)):
                best = (head, *rest)
        if best and len(best) == 2:
            break
    return best


@lru_cache(maxsize=200_000)
def split_compound(word: str, lang: str) -> tuple[str, ...]:
    """The parts of a lower-case compound, or () when it is not one we can split."""
    if lang not in LINKS or len(word) < MIN_WORD or not word.isalpha():
        return ()
    return _best_split(word, lang, MAX_PARTS) or ()


class DecompoundFilter(Filter):
    """Adds the parts of a compound at the compound's position, when indexing (picklable)."""

    def __init__(self, lang: str):
        self.lang = lang

    def __eq__(self, other):
        return isinstance(other, DecompoundFilter) and other.lang == self.lang

    def __call__(self, tokens):
        lang = self.lang
        for token in tokens:
            text = token.text
            yield token
            if token.mode != "index" or token.stopped:
                continue
            parts = split_compound(text, lang)
            for part in parts:
                token.text = part
                token.stopped = False
                yield token


def compound_parts(text: str, lang: str) -> list[tuple[str, ...]]:
    """The splits of the compounds among the words of a query, for query-side matching."""
    return [parts for word in WORD.findall(text.lower()) if (parts := split_compound(word, lang))]
