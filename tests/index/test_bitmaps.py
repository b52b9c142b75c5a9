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


def test_a_bitmap_answers_membership_as_a_set_does():
    members = {0, 7, 8, 9, 1023, 40_000}
    bitmap = bitmaps.Bitmap(bitmaps.from_ids(members))
    assert all(doc in bitmap for doc in members)
    assert not any(doc in bitmap for doc in (1, 6, 10, 1022, 39_999, 40_001, 10**9))
    assert len(bitmap) == 6 and list(bitmap) == sorted(members)
    assert bitmap.first() == 0 and bitmap.last() == 40_000
    assert not bitmaps.Bitmap(bitmaps.EMPTY)


def test_whoosh_keeps_only_the_documents_a_bitmap_filter_allows(tmp_path):
    rows = [{"title": f"Smart parking pilot {i}", "text": "Parking sensors in the city.", "lang": "en",
             "country": "BE" if i % 3 else "NL"} for i in range(30)]
    path = build(tmp_path / "ix", rows)
    from whoosh import index as whoosh_index

    with whoosh_index.open_dir(str(path)).searcher() as searcher:
        allowed = {docnum for docnum in searcher.docs_for_query(wq.Term("country", "NL"))}
        results = searcher.search(wq.Term("body_en", "sensor"), limit=None,
                                  filter=bitmaps.Bitmap(bitmaps.from_ids(allowed)))
        assert {hit.docnum for hit in results} == allowed and len(allowed) == 10
        response = run_search(searcher, SearchRequest(q="parking", filters={"country": ["NL"]}, per_page=100))
    assert response.total == 10 and len(response.hits) == 10
    assert response.facets["country"] == {"BE": 20, "NL": 10}
