"""Publishing generations: the atomic swap, what stays on disk for readers, and read-only opening."""

from __future__ import annotations

import time

import pytest
from whoosh.filedb.filestore import ReadOnlyError

from index.location import (RETIRED, current_generation, new_generation, open_current, remove_retired, retired_at,
                            switch_to)


def published(index_dir, count, grace=0.0):
    generations = []
    for _ in range(count):
        generation = new_generation(index_dir)
        switch_to(index_dir, generation, grace)
        generations.append(generation)
    return generations


def test_a_replaced_generation_is_stamped_retired_and_the_serving_one_is_not(tmp_path):
    first, second = published(tmp_path, 2, grace=300)
    assert current_generation(tmp_path) == second
    assert retired_at(second) is None
    assert abs(retired_at(first) - time.time()) < 60


def test_generations_stay_for_their_grace_period_and_the_previous_one_always(tmp_path):
    generations = published(tmp_path, 4, grace=300)
    assert all(g.is_dir() for g in generations)  # all replaced moments ago: within the grace period
    stamps = [retired_at(g) for g in generations[:3]]
    # ten minutes on, the first two are past their grace; the third is the previous one and stays
    assert remove_retired(tmp_path, 300, now=max(stamps) + 600) == [g.name for g in generations[:2]]
    assert [g.is_dir() for g in generations] == [False, False, True, True]


def test_without_grace_a_publication_keeps_only_the_serving_and_the_previous_generation(tmp_path):
    generations = published(tmp_path, 4, grace=0)
    assert sorted(p.name for p in tmp_path.glob("gen-*")) == [g.name for g in generations[2:]]


def test_a_killed_build_is_removed_at_the_next_publication_but_not_by_a_sync(tmp_path):
    serving, = published(tmp_path, 1)
    abandoned = new_generation(tmp_path)  # a build killed before its swap: never published, never retired
    assert remove_retired(tmp_path, 0) == []  # a sync's clean-up: it may be a build still running
    assert abandoned.is_dir() and not (abandoned / RETIRED).exists()
    newer = new_generation(tmp_path)
    switch_to(tmp_path, newer)
    assert not abandoned.exists() and serving.is_dir() and current_generation(tmp_path) == newer


def test_an_index_opened_read_only_is_searched_without_a_trace_and_refuses_new_files(tmp_path):
    published(tmp_path, 1)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    ix = open_current(tmp_path, readonly=True)
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 0
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    with pytest.raises(ReadOnlyError):
        ix.storage.create_file("_MAIN_1.toc")
    assert not (current_generation(tmp_path) / "_MAIN_1.toc").exists()
