"""Facet counts and filters.

Multi-select within a facet is OR, across facets AND, and the counts of one
facet reflect every other active filter but its own (as InstantSearch and
Blacklight do), so a user can widen a selection from the counts shown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from whoosh import query as wq

from index.schema import FACETS

FACET_LIMIT = 200
HIDDEN = {"", "_none"}  # index/records.NO_THEME: a placeholder, not a value to show


def filter_query(filters: dict[str, list[str]], skip: str | None = None):
    """The AND over facets of the OR within each facet; None when nothing is selected."""
    parts = []
    for name, values in filters.items():
        if name == skip or not values:
            continue
        parts.append(wq.Or([wq.Term(name, v) for v in values]) if len(values) > 1 else wq.Term(name, values[0]))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


@dataclass(frozen=True)
class FacetSets:
    """For one version of the index: every live document, and each facet value's documents.

    Built once per version (``index.searchers.shared``) so that a facet count is a
    few set intersections instead of a pass over column caches per query.
    """

    all_docs: frozenset[int]
    values: dict[str, dict[str, frozenset[int]]]
    _by_doc: dict[str, dict[int, tuple[str, ...]]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, searcher, names=FACETS) -> "FacetSets":
        reader = searcher.reader()
        all_docs = frozenset(reader.all_doc_ids())
        values: dict[str, dict[str, frozenset[int]]] = {}
        for name in names:
            if name not in searcher.schema:
                continue
            per_value = {}
            for term in reader.lexicon(name):
                value = term.decode("utf-8") if isinstance(term, bytes) else str(term)
                docs = frozenset(reader.postings(name, term).all_ids()) & all_docs
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
                for doc in docs:
                    per_doc[doc] = per_doc.get(doc, ()) + (value,)
            self._by_doc[name] = per_doc  # threads racing here build equal dicts; either wins
        return per_doc

    def selected(self, name: str, chosen: list[str]) -> frozenset[int]:
        """The documents having any of the chosen values of a facet."""
        per_value = self.values.get(name, {})
        return frozenset().union(*(per_value.get(v, frozenset()) for v in chosen))

    def count(self, name: str, docs: frozenset[int] | set[int]) -> dict[str, int]:
        per_value = self.values.get(name, {})
        if len(docs) * 4 < len(self.all_docs):  # few documents: look their values up one by one
            per_doc = self.by_doc(name)
            counter: Counter = Counter()
            for doc in docs:
                counter.update(per_doc.get(doc, ()))
            counts = dict(counter)
        else:
            counts = {value: len(members & docs) for value, members in per_value.items()}
        return {k: v for k, v in counts.items() if v}


def facet_sets(searcher) -> FacetSets:
    from index.searchers import shared

    return shared(searcher, "facet-sets", FacetSets.build)


def _term_docs(reader, field: str, text) -> frozenset[int]:
    if (field, text) not in reader:
        return frozenset()
    return frozenset(reader.postings(field, text).all_ids())


def matching_docs(searcher, query, sets: FacetSets) -> frozenset[int]:
    """The live documents matching ``query``, by set algebra over postings where the
    query is made of terms, ANDs, ORs and NOTs: Whoosh's matcher tree walks every
    document through a Python union of some sixteen field matchers, which took most
    of a search's time at 100,000 documents. Phrases and ranges ask Whoosh."""
    reader = searcher.reader()

    def docs(q) -> frozenset[int]:
        if isinstance(q, wq.Every):
            return sets.all_docs
        if isinstance(q, wq.Term):
            return _term_docs(reader, q.fieldname, q.text)
        if isinstance(q, (wq.Or, wq.DisjunctionMax)):
            return frozenset().union(*(docs(sub) for sub in q.subqueries))
        if isinstance(q, wq.And):
            parts = sorted((docs(sub) for sub in q.subqueries), key=len)
            return parts[0].intersection(*parts[1:]) if parts else frozenset()
        if isinstance(q, wq.AndNot):
            return docs(q.a) - docs(q.b)
        if isinstance(q, wq.AndMaybe):
            return docs(q.a)
        if isinstance(q, wq.Require):
            return docs(q.a) & docs(q.b)
        if isinstance(q, wq.Not):
            return sets.all_docs - docs(q.query)
        if isinstance(q, wq.NullQuery.__class__):
            return frozenset()
        return frozenset(searcher.docs_for_query(q))

    return docs(query) & sets.all_docs


def allowed_docs(sets: FacetSets, filters: dict[str, list[str]], restrict_docs=None, skip: str | None = None):
    """The documents every active filter (but ``skip``) allows; None when nothing filters."""
    allowed = restrict_docs
    for name, chosen in filters.items():
        if name == skip or not chosen:
            continue
        docs = sets.selected(name, chosen)
        allowed = docs if allowed is None else allowed & docs
    return allowed


def facet_counts(searcher, query, filters: dict[str, list[str]], names=FACETS,
                 restrict_docs: frozenset[int] | None = None,
                 matched: frozenset[int] | None = None) -> dict[str, dict[str, int]]:
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
