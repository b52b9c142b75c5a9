"""Exact search by meaning: the closest documents, picked without sorting them all."""

from __future__ import annotations

import numpy as np

from index.dense import _at_least_the_closest


def test_the_closest_documents_come_as_a_stable_sort_of_all_would_give_them_ties_included():
    rng = np.random.default_rng(4)
    for _ in range(200):
        closeness = np.round(rng.random(int(rng.integers(1, 2000))), 2).astype(np.float32)  # many ties
        candidates = np.flatnonzero(closeness >= rng.random() * 0.5)
        limit = int(rng.integers(1, 80))
        everything = candidates[np.argsort(-closeness[candidates], kind="stable")][:limit]
        kept = _at_least_the_closest(closeness, candidates, limit)
        assert len(kept) <= len(candidates)
        assert kept[np.argsort(-closeness[kept], kind="stable")][:limit].tolist() == everything.tolist()
