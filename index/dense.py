"""Search by meaning: the documents whose passages are closest to the query's vector.

The vectors of the serving generation (``index.vectors``) are searched exactly,
one matrix-vector product over every passage. A document scores its closest
passage. Hits are Whoosh document numbers, so that the facet filters, counts and
the page of hits treat dense hits exactly as lexical ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index import bitmaps
from index.embedding import Embedder
from index.facets import facet_sets
from index.searchers import shared
from index.vectors import VectorSet, load_vectors

DENSE_LIMIT = 100  # dense hits considered per query: the fused ranking's depth
# A passage this close to the query is about it. Set from the multilingual judged sets: relevant
# question-passage pairs of USE-multilingual v3 and e5-small lie above, unrelated ones mostly below.
MIN_COSINE = {"use": 0.30, "multilingual-e5": 0.80}
RELATIVE = 0.80  # ... and within this share of the best hit's closeness: a long tail of vague matches is noise


@dataclass(frozen=True)
class DenseHits:
    docnums: np.ndarray  # Whoosh document numbers, closest first
    scores: np.ndarray  # cosines, aligned

    def bitmap(self) -> int:
        return bitmaps.from_array(self.docnums)


def min_cosine(model: str) -> float:
    for prefix, floor in MIN_COSINE.items():
        if model.startswith(prefix):
            return floor
    return 0.5


def docnums_of(searcher, vectors: VectorSet) -> np.ndarray:
    """For each document of ``vectors`` (in order), its live Whoosh document number, or -1."""
    def build(s):
        live = facet_sets(s).all_docs
        reader = s.reader()
        found: dict[int, int] = {}
        for term in reader.lexicon("id"):
            for docnum in reader.postings("id", term).all_ids():
                if live >> docnum & 1:
                    found[int(term.decode("utf-8") if isinstance(term, bytes) else term)] = docnum
        return found

    by_id = shared(searcher, "dense-docnums", build)
    return shared(searcher, f"dense-map-{id(vectors)}",
                  lambda _: np.array([by_id.get(doc_id, -1) for doc_id in vectors.doc_ids.tolist()], dtype=np.int64))


def dense_search(searcher, generation: Path | None, embedder: Embedder, text: str, allowed: int | None,
                 limit: int = DENSE_LIMIT) -> DenseHits | None:
    """The documents closest in meaning to ``text`` among ``allowed`` (None: all); None when the
    generation has no vectors of this embedder."""
    vectors = load_vectors(generation)
    if vectors is None or vectors.model != embedder.name or not len(vectors.doc_ids) or not text.strip():
        return None
    docnums = docnums_of(searcher, vectors)
    closeness = vectors.best_per_document(embedder.query(text))
    keep = docnums >= 0
    if allowed is not None:
        allowed_mask = np.zeros(max(int(docnums.max()) + 1, 1), dtype=bool)
        allowed_ids = bitmaps.to_array(allowed)
        allowed_mask[allowed_ids[allowed_ids < len(allowed_mask)]] = True
        keep &= allowed_mask[np.where(keep, docnums, 0)]
    candidates = np.flatnonzero(keep & (closeness >= min_cosine(vectors.model)))
    if not len(candidates):
        return DenseHits(np.zeros(0, np.int64), np.zeros(0, np.float32))
    order = candidates[np.argsort(-closeness[candidates], kind="stable")][:limit]
    best = closeness[order[0]]
    order = order[closeness[order] >= best * RELATIVE]
    return DenseHits(docnums[order], closeness[order])
