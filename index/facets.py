"""Facet counts and filters.

Multi-select within a facet is OR, across facets AND, and the counts of one
facet reflect every other active filter but its own (as InstantSearch and
Blacklight do), so a user can widen a selection from the counts shown.

Every set of documents here is a bitmap (``index.bitmaps``): the documents of
each facet value, built once per index version, and those of each query term,
kept per version within a memory budget, so that counting is a few C-level
``&`` and ``bit_count`` per value instead of a pass over the postings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import reduce

import numpy as np
from whoosh import query as wq

from index import bitmaps
from index.budget import BudgetCache
from index.postings import postings
from index.schema import FACETS
from index.whoosh_internals import pattern_words

FACET_LIMIT = 200
HIDDEN = {"", "_none"}  # index/records.NO_THEME: a placeholder, not a value to show
TERM_CACHE_BYTES = 16 * 1024 * 1024  # per process and index version; a term's bitmap is at most docs/8 bytes
SPARSE_VALUES = 64  # facets with more values count a small result set document by document


@dataclass(frozen=True)
class FacetSets:
    """For one version of the index: every live document, and each facet value's documents (bitmaps).

    Built once per version (``index.searchers.shared``) so that a facet count is a
    few bitmap intersections instead of a pass over column caches per query.
    """

    all_docs: int
    values: dict[str, dict[str, int]]
    _by_doc: dict[str, dict[int, tuple[str, ...]]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, searcher, names=FACETS) -> "FacetSets":
        reader = searcher.reader()
        all_docs = bitmaps.from_ids(reader.all_doc_ids())
        values: dict[str, dict[str, int]] = {}
        for name in names:
            if name not in searcher.schema:
                continue
            per_value = {}
            for term in reader.lexicon(name):
                value = term.decode("utf-8") if isinstance(term, bytes) else str(term)
                docs = bitmaps.from_ids(reader.postings(name, term).all_ids()) & all_docs
                if docs and value not in HIDDEN:
                    per_value[value] = docs
            values[name] = per_value
        return cls(all_docs, values)

    def by_doc(self, name: str) -> dict[int, tuple[str, ...]]:
        """Document -> its values of a facet; built the first time a small result set needs it."""
        per_doc = self._by_doc.get(name)
        if per_doc is None:
            per_doc = {}
            for value, docs in self.values.get(name, {}).items():
                for doc in bitmaps.to_ids(docs):
                    per_doc[doc] = per_doc.get(doc, ()) + (value,)
            self._by_doc[name] = per_doc  # threads racing here build equal dicts; either wins
        return per_doc

    def selected(self, name: str, chosen: list[str]) -> int:
        """The documents having any of the chosen values of a facet."""
        per_value = self.values.get(name, {})
        return reduce(lambda a, b: a | b, (per_value.get(v, bitmaps.EMPTY) for v in chosen), bitmaps.EMPTY)

    def count(self, name: str, docs: int) -> dict[str, int]:
        """Value -> how many of ``docs`` have it (values with none left out)."""
        per_value = self.values.get(name, {})
        if len(per_value) > SPARSE_VALUES and docs.bit_count() < len(per_value):
            per_doc = self.by_doc(name)
            counter: Counter = Counter()
            for doc in bitmaps.to_ids(docs):
                counter.update(per_doc.get(doc, ()))
            return dict(counter)
        counts = {value: (members & docs).bit_count() for value, members in per_value.items()}
        return {k: v for k, v in counts.items() if v}


def _bitmap_bytes(bits: int) -> int:
    return bits.bit_length() // 8


def term_docs_cache(budget: int = TERM_CACHE_BYTES) -> BudgetCache:
    """The documents of query terms and phrases for one index version (bitmaps), kept within
    a byte budget: the same words come back query after query, and reading their postings
    was most of the cost of counting facets."""
    return BudgetCache(budget, _bitmap_bytes)


def facet_sets(searcher) -> FacetSets:
    from index.searchers import shared

    return shared(searcher, "facet-sets", FacetSets.build)


def term_docs(searcher) -> BudgetCache:
    from index.searchers import shared

    return shared(searcher, "term-docs", lambda _: term_docs_cache())


def _postings(reader, field_name: str, text) -> int:
    """The bitmap of a term's documents, over every segment of ``reader``."""
    if (field_name, text) not in reader:
        return bitmaps.EMPTY
    try:
        text = reader.schema[field_name].to_bytes(text)
    except ValueError:
        return bitmaps.EMPTY
    parts = [ids + offset for leaf, offset in reader.leaf_readers()
             for ids in (postings(leaf, field_name, text)[0],) if len(ids)]
    return bitmaps.from_array(np.concatenate(parts)) if parts else bitmaps.EMPTY


def _leaf_key(q) -> tuple | None:
    """What identifies a leaf query's documents within one index version (None: not kept)."""
    if isinstance(q, wq.Term):
        return ("term", q.fieldname, q.text)
    if isinstance(q, wq.Phrase):
        return ("phrase", q.fieldname, tuple(q.words), q.slop)
    return None


def known_docs(searcher, query) -> int | None:
    """The documents of a term or phrase if a search of this index version has kept them."""
    key = _leaf_key(query)
    return None if key is None else term_docs(searcher).entries.get(key)


def matching_docs(searcher, query, sets: FacetSets) -> int:
    """The live documents matching ``query`` (a bitmap), by set algebra over postings where the
    query is made of terms, ANDs, ORs and NOTs: Whoosh's matcher tree walks every
    document through a Python union of some sixteen field matchers, which took most
    of a search's time at 100,000 documents. Phrases and ranges ask Whoosh."""
    reader = searcher.reader()
    cache = term_docs(searcher)

    def leaf(q) -> int:
        if isinstance(q, wq.Term):
            return _postings(reader, q.fieldname, q.text)
        return bitmaps.from_ids(searcher.docs_for_query(q))

    def docs(q) -> int:
        if isinstance(q, wq.Every) and q.fieldname in (None, "*"):
            return sets.all_docs  # a field's ``title:*`` matches only documents with terms there: a leaf
        if isinstance(q, (wq.Or, wq.DisjunctionMax)):
            return reduce(lambda a, b: a | b, (docs(sub) for sub in q.subqueries), bitmaps.EMPTY)
        if isinstance(q, wq.And):
            parts = [docs(sub) for sub in q.subqueries]
            return reduce(lambda a, b: a & b, parts) if parts else bitmaps.EMPTY
        if isinstance(q, wq.AndNot):
            return docs(q.a) & ~docs(q.b)
        if isinstance(q, wq.AndMaybe):
            return docs(q.a)
        if isinstance(q, wq.Require):
            return docs(q.a) & docs(q.b)
        if isinstance(q, wq.Not):
            return sets.all_docs & ~docs(q.query)
        if isinstance(q, wq.NullQuery.__class__):
            return bitmaps.EMPTY
        if isinstance(q, wq.MultiTerm):  # a prefix, wildcard or fuzzy term: the union of its words
            field = q.field()
            words = [reader.schema[field].from_bytes(word) for word in pattern_words(q, reader) if word]
            return reduce(lambda a, b: a | b, (cache.get(("term", field, word),
                                                         lambda w=word: _postings(reader, field, w))
                                               for word in words), bitmaps.EMPTY)
        key = _leaf_key(q)
        return leaf(q) if key is None else cache.get(key, lambda: leaf(q))

    return docs(query) & sets.all_docs


def allowed_docs(sets: FacetSets, filters: dict[str, list[str]], restrict_docs: int | None = None,
                 skip: str | None = None) -> int | None:
    """The documents every active filter (but ``skip``) allows; None when nothing filters."""
    allowed = restrict_docs
    for name, chosen in filters.items():
        if name == skip or not chosen:
            continue
        docs = sets.selected(name, chosen)
        allowed = docs if allowed is None else allowed & docs
    return allowed


def facet_counts(searcher, query, filters: dict[str, list[str]], names=FACETS,
                 restrict_docs: int | None = None, matched: int | None = None) -> dict[str, dict[str, int]]:
    """Counts per facet value for ``query``, each facet ignoring its own selection.

    ``restrict_docs`` (the documents in the date range) applies to every facet;
    ``matched``, the documents matching ``query`` when the caller has them already."""
    sets = facet_sets(searcher)
    if matched is None:
        matched = matching_docs(searcher, query, sets)
    out = {}
    for name in names:
        allowed = allowed_docs(sets, filters, restrict_docs, skip=name)
        docs = matched if allowed is None else matched & allowed
        counts = sets.count(name, docs)
        out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_LIMIT])
    return out
