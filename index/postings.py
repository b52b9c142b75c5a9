"""A term's whole posting list in one segment, read a block at a time.

Whoosh's matchers hand out postings one Python call at a time (``id()``,
``weight()``, ``next()``), several calls per posting; ranking
(``index.scoring``) and the term bitmaps of facet counting (``index.facets``)
want the whole list at once. Whoosh's own W3 codec decodes each block of up to
128 postings into arrays, which are taken as they are here. Deleted documents
are left out, as Whoosh's reader leaves them out.

Decoding is still most of the cost of a term, and the same words come back
query after query, so decoded lists are kept per process within a memory
budget, keyed by segment (a segment's postings never change; its deletions
only grow, so their count is part of the key).
"""

from __future__ import annotations

import numpy as np
from whoosh.matching import FilterMatcher

from index.budget import BudgetCache
from index.whoosh_internals import block_postings


CACHE_BYTES = 64 * 1024 * 1024  # decoded posting lists kept per process
_KEPT = BudgetCache(CACHE_BYTES, lambda value: value[0].nbytes + value[1].nbytes)


def postings(reader, fieldname: str, text) -> tuple[np.ndarray, np.ndarray]:
    """(ascending document numbers, weights as float64) of ``text`` in ``fieldname`` of one
    segment reader; empty arrays when the segment does not hold the term. Do not change
    the arrays: they are shared."""
    if (fieldname, text) not in reader:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    segment = reader.segment() if hasattr(reader, "segment") else None
    if segment is None:
        return _decoded(reader, fieldname, text)
    key = (segment.segment_id(), segment.deleted_count(), fieldname, text)  # ids: 16 random characters
    found = _KEPT.get(key)
    if found is None:
        found = _decoded(reader, fieldname, text)
        found[0].setflags(write=False)
        found[1].setflags(write=False)
        _KEPT.keep(key, found)
    return found


def _decoded(reader, fieldname: str, text) -> tuple[np.ndarray, np.ndarray]:
    matcher = reader.postings(fieldname, text)
    deleted = None
    if isinstance(matcher, FilterMatcher):
        deleted = reader.deleted_docs_set
        matcher = matcher.child
    found = block_postings(matcher)
    if found is not None:
        ids, weights = found
    else:  # another codec: Whoosh's calls, posting by posting
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    id_array = np.array(ids, dtype=np.int64)
    weight_array = np.array(weights, dtype=np.float64)
    if deleted:
        live = ~np.isin(id_array, np.fromiter(deleted, dtype=np.int64, count=len(deleted)))
        id_array, weight_array = id_array[live], weight_array[live]
    return id_array, weight_array
