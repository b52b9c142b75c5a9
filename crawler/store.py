"""Storing an extracted page into the knowledge base, one document per page.

Exact duplicates (same text hash at another URL) are not stored twice: the
crawl adds the URL to the existing document's "also at" list. The page's SimHash is
kept (``Document.simhash``, 16 hex digits) for finding near-duplicates, and
the ``<lastmod>`` a sitemap gave it in ``meta["sitemap_lastmod"]``.
"""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import and_, bindparam, or_, select

from crawler.extract import EXTRACTOR_VERSION, Page
from crawler.fetch import Response
from crawler.simhash import to_hex
from kb.language import Detected
from kb.models import Document, utcnow

MAX_LINKS_KEPT = 1000  # outgoing links kept so a 304 on recrawl still leads to the pages below


def content_hash(text: str) -> str:
    normalized = re.sub(r"\s+", " ", text).strip().lower()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


# Built once (with bound parameters): building a statement costs more than SQLite answering it.
OWN_OR_SAME = select(Document).where(or_(
    Document.url == bindparam("url"), and_(Document.content_hash == bindparam("digest"), Document.gone.is_(False)))
).order_by(Document.url != bindparam("url"), Document.id).limit(2)


def own_and_duplicate(session, url: str, digest: str) -> tuple[Document | None, Document | None]:
    """The document of ``url``, and a live document with the same text at another URL, in one query.

    Both are asked for every page stored; rows sharing a text are few, as duplicates are merged.
    """
    rows = session.scalars(OWN_OR_SAME, {"url": url, "digest": digest}).all()
    own = rows[0] if rows and rows[0].url == url else None
    same = next((row for row in rows if row.url != url), None)
    return own, same


def add_also_at(document: Document, url: str) -> None:
    if url != document.url and url not in (document.also_at or []):
        document.also_at = [*(document.also_at or []), url]


def _apply(document: Document, page: Page, detected: Detected, response: Response, digest: str) -> None:
    fields = page.fields
    document.final_url = response.final_url
    document.title = page.title[:2000] or response.final_url
    document.description = page.description
    document.text = page.text
    document.lang = detected.lang
    document.lang_confidence = detected.confidence
    document.doc_type = fields.get("doc_type") or document.doc_type or "document"
    document.country = fields.get("country")
    document.municipality = fields.get("municipality")
    document.year = fields.get("year")
    document.published = fields.get("published")
    document.themes = sorted(set(fields.get("about", [])))
    document.meta = {**page.meta, "fields": fields, "declared_lang": page.declared_lang,
                     "redirects": response.redirects, "links": page.links[:MAX_LINKS_KEPT]}
    document.translations = page.alternates
    document.http_status = response.status
    document.content_type = response.content_type
    document.content_hash = digest
    document.etag = response.headers.get("etag")
    document.last_modified = response.headers.get("last-modified")
    document.extractor = EXTRACTOR_VERSION
    document.fetched_at = document.checked_at = utcnow()
    document.gone = False


def store_page(session, url: str, page: Page, detected: Detected, response: Response, source_id: int | None,
               fingerprint: int | None = None, sitemap_lastmod: str | None = None,
               existing: Document | None = None, digest: str | None = None) -> Document:
    """Insert the document of ``url``, or update ``existing`` (the one it has); duplicates are the caller's."""
    document = existing or Document(url=url, source_id=source_id, origin="crawl")
    if document.source_id is None:
        document.source_id = source_id
    _apply(document, page, detected, response, digest or content_hash(page.text))
    document.simhash = to_hex(fingerprint) if fingerprint is not None else None
    if sitemap_lastmod:
        document.meta = {**document.meta, "sitemap_lastmod": sitemap_lastmod}
    if existing is None:
        session.add(document)
    session.flush()
    return document
