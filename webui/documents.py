"""Document pages: the text, the metadata, the provenance and the neighbours of one document.

A case's search document follows its case's visibility: once the case is
rejected or deleted, its document is a 404 to those who may not see the case
(the worker takes it out of the index as well).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template
from sqlalchemy import select

from kb.models import Case, Collection, CollectionItem, Document
from webui.cases import case_visible
from webui.context import kb, settings
from webui.source_labels import source_label
from webui.similar import similar_documents

bp = Blueprint("documents", __name__, url_prefix="/documents")


def known_pages(session, urls) -> dict[str, int]:
    """URL -> our document id, for the URLs we hold."""
    urls = [u for u in urls if u]
    if not urls:
        return {}
    return dict(session.execute(select(Document.url, Document.id).where(Document.url.in_(urls))).all())


def public_collections(session, doc_id: int) -> list[tuple[int, str]]:
    """(id, title) of the public collections holding this document (not the deleted ones)."""
    rows = session.execute(
        select(Collection.id, Collection.title).join(CollectionItem, CollectionItem.collection_id == Collection.id)
        .where(CollectionItem.document_id == doc_id, Collection.visibility == "public",
               Collection.deleted_at.is_(None))
        .distinct().order_by(Collection.title)).all()
    return [(collection_id, title) for collection_id, title in rows]


def readable_document(session, doc_id: int) -> Document:
    """The document, or a 404 when there is none or the viewer may not see the case it mirrors."""
    document = session.get(Document, doc_id)
    if document is None or not document_visible(session, document):
        abort(404, f"There is no document {doc_id}.")
    return document


def document_visible(session, document: Document) -> bool:
    if document.origin != "case":
        return True
    case_id = (document.meta or {}).get("case_id")
    case = session.get(Case, case_id) if isinstance(case_id, int) else None
    return case is not None and case_visible(case)


# Search entries of records that have a page of their own: a hit leads to that page.
OWN_PAGES = ("network", "call")


@bp.route("/<int:doc_id>")
def show(doc_id: int):
    with kb().session() as session:
        document = readable_document(session, doc_id)
        page = (document.meta or {}).get("page_path")
        if document.doc_type in OWN_PAGES and isinstance(page, str) and page.startswith("/") and "//" not in page:
            return redirect(page)
        translations = sorted((code, url) for code, url in (document.translations or {}).items()
                              if code != document.lang)
        pages = known_pages(session, [url for _, url in translations])
        collections = public_collections(session, doc_id)
        session.expunge(document)
    similar = similar_documents(settings().index_dir, doc_id, document.text or "", document.lang,
                                doc_type=document.doc_type, exclude_urls={url for _, url in translations})
    source = source_label(urlsplit(document.final_url or document.url).hostname, document.source_id)
    return render_template("document.html", doc=document, translations=translations, pages=pages, similar=similar,
                           source=source,
                           collections=collections, link_collections="collections.show" in current_app.view_functions)
