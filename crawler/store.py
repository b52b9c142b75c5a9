"""Storing an extracted page into the knowledge base, one document per page.

Exact duplicates (same text hash at another URL) are not stored twice: the
crawl adds the URL to the existing document's "also at" list. The page's SimHash is
kept (``Document.simhash``, 16 hex digits) for finding near-duplicates, and
the ``<lastmod>`` a sitemap gave it in ``meta["sitemap_lastmod"]``. Documents are
read and written in SQL on the crawl's DBAPI connection (``crawler.database`` says why).
Every statement that changes what a document says stamps ``updated_at``, as the
ORM's ``onupdate`` would: the index follows the kb by that stamp (``index.watermark``).
Only noting when a page was checked (a 304) leaves it, so a recrawl that finds
nothing new rewrites nothing in the index.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from crawler.database import decoder, encoder
from crawler.extract import EXTRACTOR_VERSION, Page
from crawler.fetch import Response
from crawler.politeness import host_key
from crawler.simhash import to_hex
from kb.language import Detected
from kb.models import Document, utcnow

# Outgoing links kept, as many as a fetch follows (crawler.visit.MAX_OUTLINKS): a page answering 304 on a
# re-crawl still leads on to every page below it.
MAX_LINKS_KEPT = 6000


def content_hash(text: str) -> str:
    """SHA-256 of the text with case and runs of whitespace ignored (as stored in ``Document.content_hash``).

    ``str.split`` splits on exactly the characters ``re``'s ``\\s`` matches, at a third of the cost.
    """
    normalized = " ".join(text.split()).lower()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


DOCUMENTS = Document.__table__
_JSON, _WHEN, _FLAG = encoder(DOCUMENTS.c.meta), encoder(DOCUMENTS.c.fetched_at), encoder(DOCUMENTS.c.gone)
_READ_JSON = decoder(DOCUMENTS.c.meta)
# The columns a fetched page sets, in the order of store_page's values; kb.models stays the schema.
_PAGE_COLUMNS = ("final_url", "title", "description", "text", "lang", "lang_confidence", "doc_type", "country",
                 "municipality", "year", "published", "themes", "meta", "translations", "http_status",
                 "content_type", "content_hash", "simhash", "etag", "last_modified", "extractor", "fetched_at",
                 "checked_at", "gone", "updated_at")
# Every column but the id: a column added to the model must be added here (a test checks it).
INSERTED_COLUMNS = ("url", "source_id", "origin", "also_at", "created_at", *_PAGE_COLUMNS)
_INSERT = f"INSERT INTO document ({', '.join(INSERTED_COLUMNS)}) VALUES ({', '.join('?' * len(INSERTED_COLUMNS))})"
_UPDATE = (f"UPDATE document SET source_id = coalesce(source_id, ?), "
           f"{', '.join(f'{name} = ?' for name in _PAGE_COLUMNS)} WHERE id = ?").replace(
    "doc_type = ?", "doc_type = coalesce(?, doc_type, 'document')")
# Both are asked for every page stored; rows sharing a text are few, as duplicates are merged.
_OWN_OR_SAME = ("SELECT id, url, content_hash FROM document WHERE url = ? OR content_hash = ? AND gone IS 0 "
                "ORDER BY url != ?, id LIMIT 2")


class Known(NamedTuple):
    """A stored document, as far as telling a page's own document from a duplicate goes."""

    id: int
    url: str
    content_hash: str | None


def own_and_duplicate(db, url: str, digest: str) -> tuple[Known | None, Known | None]:
    """The document of ``url``, and a live document with the same text at another URL, in one query."""
    rows = [Known(*row) for row in db.execute(_OWN_OR_SAME, (url, digest, url))]
    own = rows[0] if rows and rows[0].url == url else None
    same = next((row for row in rows if row.url != url), None)
    return own, same


def add_also_at(db, document_id: int, url: str) -> None:
    """Name ``url`` as another address of the document (read afresh: an earlier page may have added one)."""
    own_url, also_at = db.execute("SELECT url, also_at FROM document WHERE id = ?", (document_id,)).fetchone()
    also_at = _READ_JSON(also_at) or []
    if url != own_url and url not in also_at:
        db.execute("UPDATE document SET also_at = ?, updated_at = ? WHERE id = ?",
                   (_JSON([*also_at, url]), _WHEN(utcnow()), document_id))


def touch(db, url: str, sitemap_lastmod: str | None, confirmed: bool) -> tuple[int | None, list[str]]:
    """The stored copy of ``url`` is still right (a 304, or a sitemap lastmod not newer): note when we
    checked; a 304 also counts as fetched now. Returns its id and the links it had (None, [] without one).

    ``updated_at`` moves only when the sitemap gave a new lastmod (``meta`` changes)."""
    row = db.execute("SELECT id, meta FROM document WHERE url = ?", (url,)).fetchone()
    if row is None:
        return None, []
    document_id, meta = row[0], _READ_JSON(row[1]) or {}
    now = _WHEN(utcnow())
    changed = sitemap_lastmod and meta.get("sitemap_lastmod") != sitemap_lastmod
    new_meta = _JSON({**meta, "sitemap_lastmod": sitemap_lastmod}) if changed else None
    db.execute("UPDATE document SET checked_at = ?, fetched_at = coalesce(?, fetched_at), meta = coalesce(?, meta), "
               "updated_at = coalesce(?, updated_at) WHERE id = ?",
               (now, now if confirmed else None, new_meta, now if changed else None, document_id))
    return document_id, list(meta.get("links", []))


def mark_gone(db, url: str) -> int | None:
    """The page of ``url`` answered 404 or 410: its document (if any) is marked gone; returns its id."""
    now = _WHEN(utcnow())
    rows = db.execute("UPDATE document SET gone = ?, checked_at = ?, updated_at = ? WHERE url = ? RETURNING id",
                      (_FLAG(True), now, now, url)).fetchall()  # read to the end: the statement is then done
    return rows[0][0] if rows else None


def address_and_languages(db, document_id: int) -> tuple[str, str | None, str | None] | None:
    """(url, declared language, detected language) of a stored document, to tell a translation from a
    copy; None when it is no more."""
    return db.execute("SELECT url, json_extract(meta, '$.declared_lang'), lang FROM document WHERE id = ?",
                      (document_id,)).fetchone()


def store_page(db, url: str, page: Page, detected: Detected, response: Response, source_id: int | None,
               fingerprint: int | None = None, sitemap_lastmod: str | None = None,
               existing: int | None = None, digest: str | None = None) -> int:
    """Insert the document of ``url``, or update document ``existing`` (the one it has); returns its id.

    Duplicates are the caller's. An update keeps the document's source and, when the page names
    none, its type (a curator may have set it).
    """
    values = _page_values(page, detected, response, digest or content_hash(page.text), fingerprint, sitemap_lastmod)
    if existing is not None:
        db.execute(_UPDATE, (source_id, *values, existing))
        return existing
    if values[6] is None:
        values[6] = "document"
    return db.execute(_INSERT, (url, source_id, "crawl", _JSON([]), values[-1], *values)).lastrowid


def _page_values(page: Page, detected: Detected, response: Response, digest: str, fingerprint: int | None,
                 sitemap_lastmod: str | None) -> list:
    """The values of ``_PAGE_COLUMNS`` for a page just fetched, encoded as the ORM would."""
    fields = page.fields
    meta = {**page.meta, "fields": fields, "declared_lang": page.declared_lang,
            "redirects": response.redirects, "links": page.links[:MAX_LINKS_KEPT]}
    if sitemap_lastmod:
        meta["sitemap_lastmod"] = sitemap_lastmod
    now = _WHEN(utcnow())
    return [response.final_url, page.title[:2000] or response.final_url, page.description, page.text, detected.lang,
            detected.confidence, fields.get("doc_type") or None, fields.get("country"), fields.get("municipality"),
            fields.get("year"), fields.get("published"), _JSON(sorted(set(fields.get("about", [])))), _JSON(meta),
            _JSON(page.alternates), response.status, response.content_type, digest,
            to_hex(fingerprint) if fingerprint is not None else None, response.headers.get("etag"),
            response.headers.get("last-modified"), EXTRACTOR_VERSION, now, now, _FLAG(False), now]


def strip_learnt_boilerplate(db, document_ids: list[int], repeated) -> int:
    """Take the lines a crawl learnt as its hosts' boilerplate (crawler.boilerplate) out of the documents
    it stored; returns how many documents changed. Hashes and fingerprints stay those of the page as
    fetched."""
    changed = 0
    for start in range(0, len(document_ids), 100):
        chunk = document_ids[start:start + 100]
        marks = ", ".join("?" * len(chunk))
        rows = db.execute(f"SELECT id, url, lang, text FROM document WHERE id IN ({marks})", chunk).fetchall()
        for document_id, url, lang, text in rows:
            host = host_key(url)
            if not repeated.strip_known(host, lang, text or "")[1]:
                continue  # most pages: nothing to take out, their meta need not be read
            meta = _READ_JSON(db.execute("SELECT meta FROM document WHERE id = ?", (document_id,)).fetchone()[0]) or {}
            left, dropped = repeated.strip_known(host, lang, text or "", meta.get("headings", ()))
            if dropped and left.strip():
                meta["boilerplate_lines"] = meta.get("boilerplate_lines", 0) + dropped
                db.execute("UPDATE document SET text = ?, meta = ?, updated_at = ? WHERE id = ?",
                           (left, _JSON(meta), _WHEN(utcnow()), document_id))
                changed += 1
    return changed
