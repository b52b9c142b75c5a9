"""Facet counts and filters.

Multi-select within a facet is OR, across facets AND, and the counts of one
facet reflect every other active filter but its own (as InstantSearch and
Blacklight do), so a user can widen a selection from the counts shown.
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh import sorting

from index.schema import FACETS, MULTI_VALUED

FACET_LIMIT = 200


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


def _facet(name: str):
    return sorting.FieldFacet(name, allow_overlap=name in MULTI_VALUED, maptype=sorting.Count)


def _counts(searcher, query, names, filt) -> dict[str, dict[str, int]]:
    groupedby = {name: _facet(name) for name in names}
    results = searcher.search(query, filter=filt, groupedby=groupedby, limit=1)
    out = {}
    for name in names:
        groups = results.groups(name)
        counts = {str(k): int(v) for k, v in groups.items() if k not in (None, "", b"", "_none")}
        out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_LIMIT])
    return out


def _and(*parts):
    parts = [p for p in parts if p is not None]
    return None if not parts else parts[0] if len(parts) == 1 else wq.And(parts)


def facet_counts(searcher, query, filters: dict[str, list[str]], names=FACETS,
                 restrict=None) -> dict[str, dict[str, int]]:
    """Counts per facet value for ``query``, each facet ignoring its own selection.

    ``restrict`` (the date range) applies to every facet."""
    selected = [n for n in names if filters.get(n)]
    plain = [n for n in names if not filters.get(n)]
    counts = _counts(searcher, query, plain, _and(filter_query(filters), restrict)) if plain else {}
    for name in selected:
        counts.update(_counts(searcher, query, [name], _and(filter_query(filters, skip=name), restrict)))
    return {name: counts.get(name, {}) for name in names}
