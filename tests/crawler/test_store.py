"""Storing pages: a page's own document and an exact duplicate of its text, found in one query;
rows written in SQL on the DBAPI connection read back through the ORM as if it had written them."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from crawler.database import connection, transaction
from crawler.extract import EXTRACTOR_VERSION, Page
from crawler.fetch import Response
from crawler.store import (INSERTED_COLUMNS, Known, add_also_at, content_hash, mark_gone, own_and_duplicate, store_page,
                           touch)
from kb.errors import StorageError
from kb.language import Detected
from kb.models import Document, Source, utcnow


def add(session, url: str, body: str, gone: bool = False, **fields) -> Document:
    document = Document(url=url, title=url, text=body, content_hash=content_hash(body), gone=gone, origin="crawl",
                        **fields)
    session.add(document)
    session.flush()
    return document


def known(document: Document) -> Known:
    return Known(document.id, document.url, document.content_hash)


class Statements:
    """The SQL statements a block runs on a DBAPI connection (SQLite's trace callback)."""

    def __init__(self, db):
        self.db, self.seen = db, []

    def __enter__(self):
        self.db.set_trace_callback(self.seen.append)
        return self

    def __exit__(self, *_exc):
        self.db.set_trace_callback(None)


def fetched_page(text: str = "The text of the page", **fields) -> tuple[Page, Detected, Response]:
    page = Page(title="A title", text=text, description="What it is about", declared_lang="nl",
                links=["http://a.test/next"], alternates={"fr": "http://a.test/fr"}, meta={"author": "Stad"},
                fields={"about": ["mobility", "data", "mobility"], "year": 2024, **fields})
    response = Response("http://a.test/", "http://a.test/", 200,
                        {"content-type": "text/html; charset=utf-8", "etag": '"v1"'}, b"", redirects=["http://a.test"])
    return page, Detected("nl", 0.98), response


def test_the_content_hash_ignores_case_and_every_kind_of_whitespace_run_but_not_words():
    expected = hashlib.sha256(b"the new text of the page").hexdigest()
    assert content_hash(" The\u00a0new \t\n text\u2003of\x1cthe PAGE\r\n") == expected
    assert content_hash("the newtext of the page") != expected


def test_a_pages_own_document_and_a_live_duplicate_come_from_one_query(kb):
    with kb.session() as session:
        own = known(add(session, "http://a.test/", "the old text of the page"))
        add(session, "http://a.test/gone", "the new text of the page", gone=True)
        copy = known(add(session, "http://a.test/copy", "the new text of the page"))
    with connection(kb) as db, Statements(db) as statements:
        found = own_and_duplicate(db, "http://a.test/", content_hash("The new  text of the page"))
        nothing = own_and_duplicate(db, "http://b.test/", content_hash("another text"))
    assert found == (own, copy) and nothing == (None, None)
    assert len(statements.seen) == 2


def test_a_page_unchanged_at_its_own_address_is_its_own_document_not_a_duplicate(kb):
    with kb.session() as session:
        own = known(add(session, "http://a.test/", "the text"))
    with connection(kb) as db:
        assert own_and_duplicate(db, "http://a.test/", content_hash("the text")) == (own, None)
        assert own_and_duplicate(db, "http://a.test/other", content_hash("the text")) == (None, own)


def test_the_lookup_reads_the_url_and_content_hash_indexes_not_the_whole_table(kb):
    with connection(kb) as db:
        with Statements(db) as statements:
            own_and_duplicate(db, "http://a.test/", content_hash("a text"))
        statement, = statements.seen
        plan = db.execute("EXPLAIN QUERY PLAN " + statement).fetchall()
    assert not any("SCAN document" in row[-1] for row in plan), plan


@pytest.mark.both_engines
def test_a_stored_page_reads_back_through_the_orm_with_every_field_typed(kb):
    page, detected, response = fetched_page()
    before = utcnow() - timedelta(seconds=1)
    with transaction(kb) as db:
        document_id = store_page(db, "http://a.test/", page, detected, response, None, fingerprint=0xABC,
                                 sitemap_lastmod="2024-05-01")
    with kb.session() as session:
        document = session.get(Document, document_id)
        assert (document.url, document.title, document.text, document.lang, document.lang_confidence) == (
            "http://a.test/", "A title", "The text of the page", "nl", 0.98)
        assert document.themes == ["data", "mobility"] and document.year == 2024 and document.also_at == []
        assert document.meta == {"author": "Stad", "fields": page.fields, "declared_lang": "nl",
                                 "redirects": ["http://a.test"], "links": ["http://a.test/next"],
                                 "sitemap_lastmod": "2024-05-01"}
        assert document.translations == {"fr": "http://a.test/fr"} and document.doc_type == "document"
        assert (document.etag, document.content_type, document.http_status) == ('"v1"', "text/html", 200)
        assert document.content_hash == content_hash(page.text) and document.simhash == "0000000000000abc"
        assert document.gone is False and document.origin == "crawl" and document.extractor == EXTRACTOR_VERSION
        assert before < document.fetched_at == document.checked_at <= document.updated_at <= utcnow()
        # and the ORM's own queries find it by its typed columns
        assert session.scalars(select(Document.id).where(Document.gone.is_(False),
                                                         Document.fetched_at > before)).all() == [document_id]


def test_a_new_document_is_given_every_column_of_the_model(kb):
    assert sorted(INSERTED_COLUMNS) == sorted(column.name for column in Document.__table__.c if column.name != "id")


def test_an_update_keeps_the_documents_source_and_its_type_when_the_page_names_none(kb):
    with kb.session() as session:
        source = Source(name="Stad")
        session.add(source)
        session.flush()
        old = add(session, "http://a.test/", "old text", doc_type="case", source_id=source.id,
                  also_at=["http://a.test/index.html"], created_at=utcnow() - timedelta(days=3))
        old_id, source_id, created = old.id, source.id, old.created_at
    page, detected, response = fetched_page("the new text")
    with transaction(kb) as db:
        assert store_page(db, "http://a.test/", page, detected, response, None, existing=old_id) == old_id
    with kb.session() as session:
        document = session.get(Document, old_id)
        assert (document.text, document.doc_type, document.source_id) == ("the new text", "case", source_id)
        assert document.also_at == ["http://a.test/index.html"] and document.created_at == created
        assert document.updated_at > created


@pytest.mark.both_engines
def test_another_address_is_added_once_and_never_the_documents_own(kb):
    with kb.session() as session:
        document_id = add(session, "http://a.test/", "text").id
    with transaction(kb) as db:
        for url in ("http://a.test/copy", "http://a.test/", "http://a.test/copy", "http://a.test/print"):
            add_also_at(db, document_id, url)
    with kb.session() as session:
        assert session.get(Document, document_id).also_at == ["http://a.test/copy", "http://a.test/print"]


def test_a_not_modified_page_counts_as_fetched_and_keeps_its_links(kb):
    long_ago = utcnow() - timedelta(days=40)
    with kb.session() as session:
        document_id = add(session, "http://a.test/", "text", fetched_at=long_ago, checked_at=long_ago,
                          meta={"links": ["http://a.test/b"]}).id
    with transaction(kb) as db:
        assert touch(db, "http://a.test/", "2024-01-01", confirmed=False) == (document_id, ["http://a.test/b"])
        assert touch(db, "http://a.test/none", None, confirmed=True) == (None, [])
    with kb.session() as session:
        document = session.get(Document, document_id)
        assert document.fetched_at == long_ago < document.checked_at  # unchanged sitemap: checked, not fetched
        assert document.meta == {"links": ["http://a.test/b"], "sitemap_lastmod": "2024-01-01"}
    with transaction(kb) as db:
        touch(db, "http://a.test/", None, confirmed=True)
    with kb.session() as session:
        document = session.get(Document, document_id)
        assert document.fetched_at == document.checked_at > long_ago  # a 304: the server confirmed our copy
        assert document.meta["sitemap_lastmod"] == "2024-01-01"


@pytest.mark.both_engines
def test_a_page_answering_404_marks_its_document_gone(kb):
    with kb.session() as session:
        document_id = add(session, "http://a.test/", "text").id
    with transaction(kb) as db:
        assert mark_gone(db, "http://a.test/") == document_id and mark_gone(db, "http://a.test/x") is None
    with kb.session() as session:
        assert session.get(Document, document_id).gone is True


def test_a_failed_turn_leaves_nothing_written_and_a_busy_database_is_a_storage_error(kb):
    page, detected, response = fetched_page()
    with pytest.raises(RuntimeError), transaction(kb) as db:
        store_page(db, "http://a.test/", page, detected, response, None)
        raise RuntimeError("the loop failed before its commit")
    with kb.session() as session:
        assert session.scalars(select(Document)).all() == []
        add(session, "http://a.test/", "text")  # holds the write lock while the crawl's turn tries
        with pytest.raises(StorageError, match="busy"), transaction(kb) as db:
            db.execute("PRAGMA busy_timeout = 50")
            try:
                store_page(db, "http://a.test/b", page, detected, response, None)
            finally:
                db.execute("PRAGMA busy_timeout = 30000")
