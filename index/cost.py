"""What a query costs before it runs: the words its wildcards and ranges expand to, and their postings.

Each wildcard of a query is asked of every text field (title, headings and body
in sixteen languages), and every word it matches is a posting list read, scored
and highlighted. A query of 100 two-letter prefixes ("ab* co* de* ...") matched
8,612 words and cost 7-9 s on 2,000 documents, holding a serving thread. A
query is affordable while its expansions stay within MAX_EXPANDED_TERMS words and
MAX_EXPANDED_POSTINGS postings; counting stops at the budget, so it costs at most
what the budget allows, and the verdict is remembered per index version.
Plain words are not counted: 500 characters of the commonest words cost 0.04 s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from whoosh import query as wq
from whoosh.searching import Searcher

from index.searchers import shared
from index.whoosh_internals import pattern_prefix, pattern_regex, pattern_words

# "co*" matched 927 words (5,039 postings) of 2,000 documents in 0.37 s; "digit*" 6 words. At
# 50,000 documents a two-letter prefix passes the budget, a word's stem does not.
MAX_EXPANDED_TERMS = 1000
MAX_EXPANDED_POSTINGS = 20_000
REMEMBERED = 10_000  # verdicts kept per index version


@dataclass(frozen=True)
class Cost:
    terms: int  # words the expanding parts match, counted in each field apart
    postings: int  # documents listed by those words' postings, in all
    over: bool  # counting stopped at the budget

    def __bool__(self) -> bool:
        return not self.over


def expansion_cost(reader, query, max_terms: int = MAX_EXPANDED_TERMS,
                   max_postings: int = MAX_EXPANDED_POSTINGS) -> Cost:
    """The words and postings the wildcards, prefixes and ranges of ``query`` expand to, up to the
    budget; a word is counted in each segment holding it, as each is read."""
    terms = postings = 0
    segments = [leaf_reader for leaf_reader, _ in reader.leaf_readers()]
    for leaf in query.leaves():
        if not isinstance(leaf, wq.MultiTerm) or leaf.fieldname not in reader.schema:
            continue
        for frequency in (f for segment in segments for f in _expansions(segment, leaf)):
            terms, postings = terms + 1, postings + frequency
            if terms > max_terms or postings > max_postings:
                return Cost(terms, postings, True)
    return Cost(terms, postings, False)


def _expansions(segment, leaf) -> Iterator[int]:
    """The document frequency of each word ``leaf`` expands to in one segment. A pattern's words and
    their frequencies are read in one pass over the term file (Whoosh reads each word twice)."""
    if leaf.fieldname not in segment.indexed_field_names():
        return
    if not isinstance(leaf, wq.PatternQuery):  # a fuzzy term, a range
        field = segment.schema[leaf.fieldname]
        for raw in pattern_words(leaf, segment):
            yield segment.doc_frequency(leaf.fieldname, field.from_bytes(raw))
        return
    is_prefix = isinstance(leaf, wq.Prefix)
    prefix = leaf.text if is_prefix else pattern_prefix(leaf)
    pattern = None if is_prefix else re.compile(pattern_regex(leaf))
    from_bytes = segment.schema[leaf.fieldname].from_bytes
    for raw, info in segment.iter_prefix(leaf.fieldname, prefix):
        if pattern is None or pattern.match(from_bytes(raw)):
            yield info.doc_frequency()


def affordable(searcher: Searcher, query, key) -> bool:
    """Whether ``query`` (parsed from ``key``) stays within the budget on the index ``searcher`` reads."""
    if not any(isinstance(leaf, wq.MultiTerm) for leaf in query.leaves()):
        return True
    verdicts = shared(searcher, "query_costs", lambda _: {})
    verdict = verdicts.get(key)
    if verdict is None:
        verdict = bool(expansion_cost(searcher.reader(), query))
        if len(verdicts) >= REMEMBERED:
            verdicts.clear()
        verdicts[key] = verdict
    return verdict
