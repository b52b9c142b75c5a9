"""Search by meaning: the closest documents picked without sorting them all, and each one's Whoosh document number."""

from __future__ import annotations

from dataclasses import replace

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


def test_document_numbers_follow_the_vector_files_not_the_set_object_that_asked_first(tmp_path):
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, Schema

    from index.dense import docnums_of
    from index.vectors import empty_set

    ix = whoosh_index.create_in(str(tmp_path), Schema(id=ID(stored=True, unique=True)))
    writer = ix.writer()
    for doc_id in (10, 20, 30):
        writer.add_document(id=str(doc_id))
    writer.commit()

    def vector_set(doc_ids, parts):
        ids = np.array(doc_ids, dtype=np.int64)
        return replace(empty_set("m", 2), doc_ids=ids, key=("vectors-0001", parts))

    with ix.searcher() as searcher:
        number = {doc_id: searcher.document_number(id=str(doc_id)) for doc_id in (10, 20, 30)}
        for _ in range(3):  # sets made and dropped: a new one may get a dropped one's id()
            first = docnums_of(searcher, vector_set([10, 30], ("part-000001.npz",)))
            second = docnums_of(searcher, vector_set([20, 30, 40], ("part-000001.npz", "part-000002.npz")))
            assert first.tolist() == [number[10], number[30]]
            assert second.tolist() == [number[20], number[30], -1]
