"""Document sets as bitmaps: the set algebra facet counts and filters rely on."""

from __future__ import annotations

import random

from whoosh import query as wq

from index import bitmaps
from index.query import SearchRequest, run_search

from .helpers import build


def test_a_bitmap_gives_back_the_documents_it_was_made_of_in_order():
    rng = random.Random(4)
    ids = rng.sample(range(70_000), 3_000)
    bits = bitmaps.from_ids(ids)
    assert bitmaps.to_ids(bits) == sorted(ids)
    assert bits.bit_count() == len(ids)
    assert bitmaps.to_ids(bitmaps.EMPTY) == [] and bitmaps.from_ids([]) == bitmaps.EMPTY


def test_bitmap_algebra_matches_set_algebra():
    rng = random.Random(5)
    a, b = set(rng.sample(range(5_000), 900)), set(rng.sample(range(5_000), 1_200))
    x, y = bitmaps.from_ids(a), bitmaps.from_ids(b)
    assert bitmaps.to_ids(x & y) == sorted(a & b)
    assert bitmaps.to_ids(x | y) == sorted(a | b)
    assert bitmaps.to_ids(x & ~y) == sorted(a - b)
    assert bitmaps.to_ids(bitmaps.all_below(10)) == list(range(10))


def test_a_facet_filter_keeps_only_the_documents_it_allows_with_exact_counts(tmp_path):
    rows = [{"title": f"Smart parking pilot {i}", "text": "Parking sensors in the city.", "lang": "en",
             "country": "BE" if i % 3 else "NL"} for i in range(30)]
    path = build(tmp_path / "ix", rows)
    from whoosh import index as whoosh_index

    with whoosh_index.open_dir(str(path)).searcher() as searcher:
        allowed = {docnum for docnum in searcher.docs_for_query(wq.Term("country", "NL"))}
        assert len(allowed) == 10
        response = run_search(searcher, SearchRequest(q="parking", filters={"country": ["NL"]}, per_page=100))
    assert response.total == 10 and len(response.hits) == 10
    assert response.facets["country"] == {"BE": 20, "NL": 10}
