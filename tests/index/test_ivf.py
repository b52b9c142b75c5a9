"""Search by meaning over many passages: a quantiser kept beside the vector parts, probed by queries, never wrong when
missing or stale."""

from __future__ import annotations

import numpy as np
import pytest

import index.vector_files
import index.vectors
from index.ivf import list_count
from index.vector_files import cells_path, ensure_quantiser, folder_of, parts_of, write_part
from index.vector_sync import vector_problems
from index.vectors import check_vectors, compact, load_vectors, new_vector_folder, point_to


class Named:
    name, dim = "stand-in", 48


def clustered(count: int, dim: int, centres: int, rng) -> np.ndarray:
    """Unit vectors around ``centres`` topics: the shape sentence embeddings have, not uniform noise."""
    topics = rng.standard_normal((centres, dim)).astype(np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    vectors = topics[rng.integers(centres, size=count)] + rng.standard_normal((count, dim)).astype(np.float32) \
        / np.sqrt(dim)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def written(generation, matrix: np.ndarray, per_document: int = 3, parts: int = 3, first_id: int = 1):
    """Parts holding ``matrix`` as documents of ``per_document`` passages (ids from ``first_id``)."""
    folder = folder_of(generation)
    if folder is None:
        folder = new_vector_folder(generation, Named())
        point_to(generation, folder)
    documents = len(matrix) // per_document
    ids = np.arange(first_id, first_id + documents)
    for chunk in np.array_split(np.arange(documents), parts):
        rows = matrix[chunk[0] * per_document:(chunk[-1] + 1) * per_document]
        write_part(folder, ids[chunk], ids[chunk], ids[chunk], np.full(len(chunk), per_document), rows)
    return folder


def exact(matrix: np.ndarray, query: np.ndarray, per_document: int = 3) -> np.ndarray:
    return np.maximum.reduceat(matrix @ query, np.arange(0, len(matrix), per_document))


def top(closeness: np.ndarray, k: int = 50) -> set[int]:
    return set(np.argsort(-closeness, kind="stable")[:k].tolist())


def queries_near(matrix: np.ndarray, count: int, rng) -> np.ndarray:
    picked = matrix[rng.choice(len(matrix), size=count)]
    near = picked + rng.standard_normal(picked.shape).astype(np.float32) * 0.5 / np.sqrt(matrix.shape[1])
    return near / np.linalg.norm(near, axis=1, keepdims=True)


def test_a_quantiser_over_60000_clustered_passages_finds_nearly_all_of_the_exact_50_closest_documents(
        tmp_path, monkeypatch):
    monkeypatch.setattr(index.vectors, "PROBE_FROM", 50_000)  # probed here; by default exact up to 300,000
    rng = np.random.default_rng(7)
    matrix = clustered(60_000, Named.dim, 300, rng)
    written(tmp_path, matrix)
    ensure_quantiser(tmp_path)
    vectors = load_vectors(tmp_path)
    assert vectors.lists is not None and not len(vectors.lists.unlisted)
    assert vectors.matrix.dtype == np.int8  # a quarter of the memory; probed rows are made float32
    recalls = [len(top(vectors.best_per_document(q)) & top(exact(matrix, q))) / 50
               for q in queries_near(matrix, 40, rng)]
    assert np.mean(recalls) >= 0.98 and min(recalls) >= 0.9, recalls  # measured: 0.9925 mean, 0.98 worst


@pytest.fixture
def small_ann(monkeypatch):
    for module in (index.vectors, index.vector_files):
        monkeypatch.setattr(module, "ANN_FROM", 3000)
    monkeypatch.setattr(index.vectors, "PROBE_FROM", 3000)


def test_a_part_written_without_its_cell_list_is_read_by_every_query_reported_and_listed_by_the_next_sync(
        tmp_path, small_ann):
    rng = np.random.default_rng(3)
    matrix = clustered(6000, Named.dim, 40, rng)
    written(tmp_path, matrix[:4500])
    ensure_quantiser(tmp_path)
    folder = written(tmp_path, matrix[4500:], parts=1, first_id=1501)
    cells_path(parts_of(folder)[-1], 1).unlink()  # as if killed between the two files, or listed by another quantiser
    vectors = load_vectors(tmp_path)
    assert len(vectors.lists.unlisted) == 1500
    for query in queries_near(matrix[4500:], 10, rng):  # queries whose answers are all in the unlisted part
        found, truth = vectors.best_per_document(query), exact(matrix, query)
        assert top(found, 10) == top(truth, 10)
        assert np.allclose(found[list(top(truth, 10))], truth[list(top(truth, 10))], atol=5e-3)  # int8 rows
    report = check_vectors(tmp_path, set(range(1, 2001)), Named.name)
    assert report["ann"] == {"search": "ivf", "from_passages": 3000, "probe_from_passages": 3000,
                             "cells": report["ann"]["cells"],
                             "unlisted": 1500, "due": False}
    assert any("1500 passages are in no cell list" in p for p in vector_problems(report))
    ensure_quantiser(tmp_path)
    assert not len(load_vectors(tmp_path).lists.unlisted)


def test_without_a_quantiser_many_passages_are_searched_exactly_and_the_check_says_one_is_due(tmp_path, small_ann):
    rng = np.random.default_rng(5)
    matrix = clustered(4500, Named.dim, 30, rng)
    written(tmp_path, matrix)
    vectors = load_vectors(tmp_path)
    assert vectors.lists is None and vectors.matrix.dtype == np.int8
    query = queries_near(matrix, 1, rng)[0]
    assert np.allclose(vectors.best_per_document(query), exact(matrix, query), atol=5e-3)  # int8 rows, 48 numbers
    report = check_vectors(tmp_path, set(range(1, 1501)), Named.name)
    assert report["ann"]["due"] and report["ann"]["search"] == "exact"
    assert any("no quantiser for its 4500 passages" in p for p in vector_problems(report))


def test_merging_parts_keeps_each_passage_in_its_cell_and_a_new_load_sees_the_merged_files(tmp_path, small_ann):
    rng = np.random.default_rng(9)
    matrix = clustered(6000, Named.dim, 40, rng)
    written(tmp_path, matrix, parts=4)
    ensure_quantiser(tmp_path)
    before = load_vectors(tmp_path)
    compact(tmp_path, force=True)
    after = load_vectors(tmp_path)
    folder = folder_of(tmp_path)
    assert len(parts_of(folder)) == 1 and sorted(p.name[:6] for p in folder.glob("cells-*")) == ["cells-"]
    assert after.key != before.key and not len(after.lists.unlisted)
    assert after.lists.cells(after.passages).tolist() == before.lists.cells(before.passages).tolist()


def test_a_fourfold_growth_trains_a_new_quantiser_and_drops_the_old_one_with_its_cell_lists(tmp_path, small_ann):
    rng = np.random.default_rng(11)
    written(tmp_path, clustered(3000, Named.dim, 30, rng), parts=1)
    ensure_quantiser(tmp_path)
    written(tmp_path, clustered(12_000, Named.dim, 30, rng), parts=2, first_id=1001)
    ensure_quantiser(tmp_path)
    folder = folder_of(tmp_path)
    assert [p.name for p in folder.glob("quantiser-*")] == ["quantiser-0002.npz"]
    assert sorted(p.name[-9:] for p in folder.glob("cells-*")) == ["-0002.npz"] * 3
    vectors = load_vectors(tmp_path)
    assert len(vectors.lists.centroids) == list_count(15_000) and not len(vectors.lists.unlisted)


def test_several_queries_at_once_give_each_document_its_best_answer_to_any_of_them(tmp_path, small_ann):
    rng = np.random.default_rng(13)
    matrix = clustered(6000, Named.dim, 40, rng)
    written(tmp_path, matrix)
    ensure_quantiser(tmp_path)
    vectors = load_vectors(tmp_path)
    queries = queries_near(matrix, 5, rng)  # a document's passages asking for similar documents
    together = vectors.best_per_document(queries)
    alone = np.max([vectors.best_per_document(query) for query in queries], axis=0)
    assert (together >= alone - 1e-5).all()  # a row probed for one query is read for all of them: as close or closer
    assert top(together, 20) == top(np.max([exact(matrix, query) for query in queries], axis=0), 20)


def test_below_probe_from_a_generation_with_a_quantiser_is_still_searched_exactly(tmp_path, small_ann, monkeypatch):
    monkeypatch.setattr(index.vectors, "PROBE_FROM", 10_000)
    rng = np.random.default_rng(13)
    matrix = clustered(4500, Named.dim, 30, rng)
    written(tmp_path, matrix)
    ensure_quantiser(tmp_path)
    vectors = load_vectors(tmp_path)
    assert vectors.lists is not None  # built, ready for when the generation grows
    for query in queries_near(matrix, 5, rng):
        assert np.allclose(vectors.best_per_document(query), exact(matrix, query), atol=5e-3)  # every row read
        probed = vectors.best_per_document(query, probe=True)  # asked for: the quantiser's cells alone
        assert np.isinf(probed).any() and not np.isinf(vectors.best_per_document(query, probe=False)).any()
        read = np.isfinite(probed)  # documents of the cells read: their passages read, never closer than exact
        assert (probed[read] <= exact(matrix, query)[read] + 5e-3).all()
        assert top(probed, 1) == top(exact(matrix, query), 1)
    assert check_vectors(tmp_path, set(range(1, 1501)), Named.name)["ann"]["search"] == "exact"
