"""Storing pages: a page's own document and an exact duplicate of its text, found in one query."""

from __future__ import annotations

from sqlalchemy import event

from crawler.store import content_hash, own_and_duplicate
from kb.models import Document


def add(session, url: str, body: str, gone: bool = False) -> Document:
    document = Document(url=url, title=url, text=body, content_hash=content_hash(body), gone=gone, origin="crawl")
    session.add(document)
    session.flush()
    return document


class Statements:
    """The SQL statements a block runs on the knowledge base's engine."""

    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def record(self, _conn, _cursor, statement, parameters, *_rest):
        self.seen.append((statement, parameters))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.record)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self.record)


def test_a_pages_own_document_and_a_live_duplicate_come_from_one_query(kb):
    with kb.session() as session:
        own = add(session, "http://a.test/", "the old text of the page")
        add(session, "http://a.test/gone", "the new text of the page", gone=True)
        copy = add(session, "http://a.test/copy", "the new text of the page")
        with Statements(kb.engine) as statements:
            found = own_and_duplicate(session, "http://a.test/", content_hash("The new  text of the page"))
            nothing = own_and_duplicate(session, "http://b.test/", content_hash("another text"))
        assert found == (own, copy) and nothing == (None, None)
        assert len(statements.seen) == 2


def test_a_page_unchanged_at_its_own_address_is_its_own_document_not_a_duplicate(kb):
    with kb.session() as session:
        own = add(session, "http://a.test/", "the text")
        assert own_and_duplicate(session, "http://a.test/", content_hash("the text")) == (own, None)
        assert own_and_duplicate(session, "http://a.test/other", content_hash("the text")) == (None, own)


def test_the_lookup_reads_the_url_and_content_hash_indexes_not_the_whole_table(kb):
    with kb.session() as session:
        with Statements(kb.engine) as statements:
            own_and_duplicate(session, "http://a.test/", content_hash("a text"))
        (statement, parameters), = statements.seen
        plan = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    assert not any("SCAN document" in row[-1] for row in plan), plan
