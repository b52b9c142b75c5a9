"""Did you mean: the closest words of the index's vocabulary to a query that found nothing.

Word by word, from the unstemmed words of every title and the neutral body (index.schema's
spelling fields), within one edit and sharing the first letter, as Whoosh's corrector answers
but faster; each word's answer is remembered for the index version it was read from.
"""

from __future__ import annotations

import heapq

from whoosh.searching import Searcher
from whoosh.support.levenshtein import distance as edit_distance

from index.problems import plain_words
from index.schema import spelling_fields
from index.searchers import shared

MAX_SUGGESTED_WORDS = 8
MIN_CORRECTED = 3  # letters a word needs before a "did you mean" replaces it
MAX_REMEMBERED_CORRECTIONS = 50_000  # per index version: the "did you mean" of a word


def _corrections(reader, field_name: str, word: str) -> list[str]:
    """What Whoosh's ``corrector(field).suggest(word, limit=2, maxdist=1, prefix=1)`` answers:
    the two most frequent words within one edit sharing the first letter. Words whose
    length alone puts them further away are skipped before the (Python) edit distance,
    which was most of the cost of a "did you mean"."""
    spelling = reader.schema[field_name].spelling_fieldname(field_name)
    field_object = reader.schema[spelling]
    found = []
    for raw in reader.expand_prefix(spelling, word[:1]):
        candidate = field_object.from_bytes(raw)
        if abs(len(candidate) - len(word)) <= 1 and edit_distance(candidate, word, limit=1) <= 1 \
                and _live(reader, spelling, candidate):
            found.append((-(1 + 0.5 / (reader.frequency(field_name, candidate) or 1)), candidate))
    return [candidate for _, candidate in sorted(heapq.nlargest(2, found), key=lambda item: (-item[0], item[1]))]


def _live(reader, field_name: str, word: str) -> bool:
    """Whether ``word`` is in a live entry: Whoosh keeps a deleted entry's words (a page gone, a
    profile erased) in the vocabulary until its segment is merged, and they must not be offered."""
    if (field_name, word) not in reader:
        return False
    return not reader.has_deletions() or reader.postings(field_name, word).is_active()


def _correction(searcher: Searcher, word: str) -> str | None:
    """The closest index word to ``word`` (lowercased), remembered for this index version."""
    memo = shared(searcher, "corrections", lambda _: {})
    if word in memo:
        return memo[word]
    reader = searcher.reader()
    names = [name for name in spelling_fields() if name in searcher.schema]
    if any(_live(reader, searcher.schema[name].spelling_fieldname(name), word) for name in names):
        correction = word  # a word of the index is its own closest word (distance 0): no scan
    else:
        # prefix=1 and one edit: misspellings rarely touch the first letter, and a
        # distance-2 automaton over the whole vocabulary cost up to 0.8 s per word
        # every option is one edit away: the word most used in the index is the likeliest meant
        options = {option for name in names for option in _corrections(reader, name, word)}
        correction = max(options, key=lambda o: (sum(reader.frequency(n, o) for n in names), o)) if options else None
    if len(memo) >= MAX_REMEMBERED_CORRECTIONS:
        memo.clear()
    memo[word] = correction
    return correction


def suggest(searcher: Searcher, text: str) -> str | None:
    """A "did you mean" from the index vocabulary (unstemmed words), word by word."""
    words = plain_words(text).split()[:MAX_SUGGESTED_WORDS]
    # a word of one or two letters is one edit from dozens of others ("lo" -> "la"): kept as typed
    fixed = [word if len(word) < MIN_CORRECTED else _correction(searcher, word.lower()) or word for word in words]
    suggestion = " ".join(fixed)
    return suggestion if words and suggestion.lower() != " ".join(words).lower() else None
