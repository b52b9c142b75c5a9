"""Walking a search's matches: every match scored, filters by intersection, scores unchanged."""

from __future__ import annotations

from whoosh import index as whoosh_index
from whoosh import query as wq

from index import bitmaps
from index.matching import DocsQuery, exhaustive, scored_query

from .helpers import build

ROWS = [{"title": f"Parking pilot {i}" if i % 4 == 0 else f"Street lighting {i}",
         "text": "Smart parking sensors. " * (1 + i % 5) + "Air quality in the city.",
         "lang": "en", "country": ["BE", "NL", "FR"][i % 3]} for i in range(60)]


def _ranked(searcher, query, **options):
    return [(hit.docnum, hit.score) for hit in searcher.search(query, limit=None, optimize=False, **options)]


def test_intersecting_with_allowed_documents_keeps_exactly_the_filtered_ranking(tmp_path):
    path = build(tmp_path / "ix", ROWS)
    with whoosh_index.open_dir(str(path)).searcher() as searcher:
        query = wq.Or([wq.Term("title_en", "park", boost=1.5), wq.Term("body_en", "park"), wq.Term("body_en", "air")])
        allowed = {docnum for docnum in searcher.docs_for_query(wq.Term("country", "NL"))}
        filtered = _ranked(searcher, query, filter=allowed)
        intersected = _ranked(searcher, scored_query(query, bitmaps.from_ids(allowed)))
        assert intersected == filtered and len(filtered) == 20
        top = searcher.search(scored_query(query, bitmaps.from_ids(allowed)), limit=5, optimize=False)
        assert [(hit.docnum, hit.score) for hit in top] == filtered[:5]


def test_the_top_of_an_exhaustive_search_is_the_top_of_the_full_ranking(tmp_path):
    path = build(tmp_path / "ix", ROWS)
    with whoosh_index.open_dir(str(path)).searcher() as searcher:
        query = wq.Or([wq.Term("title_en", "park", boost=1.5), wq.Term("body_en", "light"), wq.Term("body_en", "park")])
        full = _ranked(searcher, query)
        top = searcher.search(exhaustive(query), limit=7, optimize=False)
        assert [(hit.docnum, hit.score) for hit in top] == full[:7]


def test_a_docs_query_matches_its_documents_in_every_segment(tmp_path):
    path = build(tmp_path / "ix", ROWS[:30])
    ix = whoosh_index.open_dir(str(path))
    with ix.writer() as writer:  # a second segment: docnums 30.. live there, at an offset
        writer.add_document(id="extra", url="https://example.org/extra", title="Parking extra",
                            title_en="parking extra", body_en="parking", country="NL", lang="en")
    with ix.searcher() as searcher:
        assert len(searcher.leaf_searchers()) == 2
        wanted = {3, 17, 29, 30}
        assert set(searcher.docs_for_query(DocsQuery(bitmaps.from_ids(wanted)))) == wanted
        assert all(score == 0.0 for _, score in _ranked(searcher, DocsQuery(bitmaps.from_ids(wanted))))
