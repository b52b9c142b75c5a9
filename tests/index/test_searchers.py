"""Warm searchers follow commits without counting a document twice."""

from __future__ import annotations

from whoosh import fields, index as whoosh_index
from whoosh.query import Term

from index.searchers import reopened


def test_a_reopened_searcher_sees_each_commit_once_through_merges_and_updates(tmp_path):
    schema = fields.Schema(id=fields.ID(stored=True, unique=True), body=fields.TEXT)
    ix = whoosh_index.create_in(str(tmp_path), schema)
    with ix.writer() as writer:
        writer.add_document(id="first", body="start")
    searcher = ix.searcher()
    count = 0
    for _ in range(30):  # small commits: Whoosh merges segments now and then
        with ix.writer() as writer:
            for _ in range(20):
                writer.update_document(id=str(count % 300), body=f"word{count % 7} text")
                count += 1
        searcher = reopened(searcher)
        with ix.searcher() as fresh:
            assert searcher.up_to_date()
            assert searcher.doc_count() == fresh.doc_count()
            assert len(searcher.leaf_searchers()) == len(fresh.leaf_searchers())
            assert (sorted(hit["id"] for hit in searcher.search(Term("body", "word1"), limit=None))
                    == sorted(hit["id"] for hit in fresh.search(Term("body", "word1"), limit=None)))
    assert searcher.doc_count() == 301
    searcher.close()
