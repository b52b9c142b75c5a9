"""Search by meaning: the documents whose passages are closest to the query's vector.

The vectors of the serving generation (``index.vectors``) are searched exactly,
one matrix-vector product over every passage, up to ``index.ivf.PROBE_FROM``
passages; from there a query reads the passages of its closest cells of the
generation's quantiser (``index.ivf``), or every passage while it has none. A
document scores its closest passage read. Hits are Whoosh document numbers, so that the facet filters, counts and
the page of hits treat dense hits exactly as lexical ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index import bitmaps
from index.embedding import Embedder
from index.entries import live_entries
from index.searchers import shared
from index.vectors import VectorSet, load_vectors

# The closest documents by meaning that join the lexical matches (as a k-nearest-neighbour clause
# joins a query in Elasticsearch or Vespa): they count in the total and the facets, and are ranked.
DENSE_LIMIT = 50
# ... if at least this close: a floor below which nothing is about the query. Across languages e5's
# cosines run lower (XQuAD-R es->el: the closest sentence 0.81 at the median, the 50th 0.75; es->es:
# 0.89 and 0.80), so the floor sits under both; USE's relevant sentences: p10 0.23, p50 0.44.
MIN_COSINE = {"use": 0.15, "multilingual-e5": 0.72}


@dataclass(frozen=True)
class DenseHits:
    docnums: np.ndarray  # Whoosh document numbers, closest first
    scores: np.ndarray  # cosines, aligned

    def bitmap(self) -> int:
        return bitmaps.from_array(self.docnums)

    def within(self, allowed: int | None) -> "DenseHits":
        """The hits among the ``allowed`` documents (None: all)."""
        if allowed is None or not len(self.docnums):
            return self
        keep = [i for i, docnum in enumerate(self.docnums.tolist()) if allowed >> docnum & 1]
        return DenseHits(self.docnums[keep], self.scores[keep])


def min_cosine(model: str) -> float:
    for prefix, floor in MIN_COSINE.items():
        if model.startswith(prefix):
            return floor
    return 0.5


def docnums_of(searcher, vectors: VectorSet) -> np.ndarray:
    """For each document of ``vectors`` (in order), its live Whoosh document number, or -1. Shared per
    index version and vector files (``load_vectors``' key): a new part or generation makes another."""
    def build(s):
        by_id = live_entries(s)
        return np.array([by_id.get(doc_id, -1) for doc_id in vectors.doc_ids.tolist()], dtype=np.int64)

    return shared(searcher, f"dense-docnums-{vectors.key}", build)


def dense_search(searcher, generation: Path | None, embedder: Embedder, text: str,
                 limit: int = DENSE_LIMIT) -> DenseHits | None:
    """The ``limit`` documents closest in meaning to ``text`` (at least ``min_cosine`` close); None
    when the generation has no vectors of this embedder.

    Found before any filter, so that they are one set for every facet count (filters then narrow
    it, as Elasticsearch's post-filtered kNN does): counts stay exact."""
    vectors = load_vectors(generation)
    if vectors is None or vectors.model != embedder.name or not len(vectors.doc_ids) or not text.strip():
        return None
    docnums = docnums_of(searcher, vectors)
    closeness = vectors.best_per_document(embedder.query(text))
    candidates = np.flatnonzero((docnums >= 0) & (closeness >= min_cosine(vectors.model)))
    if not len(candidates):
        return DenseHits(np.zeros(0, np.int64), np.zeros(0, np.float32))
    closest = _at_least_the_closest(closeness, candidates, limit)
    order = closest[np.argsort(-closeness[closest], kind="stable")][:limit]
    return DenseHits(docnums[order], closeness[order])


def _at_least_the_closest(closeness: np.ndarray, candidates: np.ndarray, limit: int) -> np.ndarray:
    """The candidates as close as the ``limit``-th closest or closer, in their order: the same first
    ``limit`` after a stable sort as sorting them all, found in linear time (a stable sort of
    100,000 documents' cosines cost 11.5 ms CPU a query, this 1.8 ms)."""
    values = closeness[candidates]
    if len(candidates) <= limit:
        return candidates
    threshold = np.partition(values, len(values) - limit)[len(values) - limit]
    return candidates[values >= threshold]
