"""Exports of any result set (CSV, JSON, RIS, BibTeX) and an Atom feed per search.

They take the search page's parameters (``/export.ris?q=open+data&lang=nl``)
and export every match up to MAX_EXPORT, in the search's order, as full
records from the knowledge base.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, abort, current_app, request, url_for
from sqlalchemy import select

from index.query import MAX_PER_PAGE
from kb.formats import EXPORT_FIELDS, csv_cells, export_record, xml_safe
from kb.models import Document
from webui.citations import to_bibtex, to_ris
from webui.context import kb, run_search, search_request
from webui.source_labels import source_label
from webui.links import absolute_request_url, absolute_url

bp = Blueprint("exports", __name__)

MAX_EXPORT = 1000
FEED_ENTRIES = 50
ATOM = "http://www.w3.org/2005/Atom"
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json",
           "ris": "application/x-research-info-systems; charset=utf-8", "bib": "application/x-bibtex; charset=utf-8"}


def export_url(fmt: str) -> str:
    """The export (or feed, fmt="atom") of the current search."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page", "per_page", "lang_ui")]
    base = url_for("exports.feed") if fmt == "atom" else url_for("exports.export", fmt=fmt)
    return base + "?" + urlencode(params)


@bp.app_context_processor
def helpers():
    return {"export_url": export_url}


def matching_documents(limit: int = MAX_EXPORT) -> list[Document]:
    """The documents of the current search's result set, in its order (detached from the session)."""
    req = search_request()
    req.per_page, ids = MAX_PER_PAGE, []
    for page in range(1, limit // MAX_PER_PAGE + 1):
        req.page = page
        response = run_search(req)
        ids += [int(hit["id"]) for hit in response.hits]
        if page * MAX_PER_PAGE >= min(response.total, limit):
            break
    with kb().session() as session:
        documents = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(ids)))}
        session.expunge_all()
    return [documents[i] for i in ids if i in documents]


def full_record(document: Document) -> dict:
    record = export_record(document)
    return record | {"description": document.description, "source_name": source_label(record["source"] or None,
                                                                                       document.source_id),
                     "page": absolute_url("documents.show", doc_id=document.id)}


def _filename(fmt: str) -> str:
    return f"casebook-{datetime.now(timezone.utc):%Y%m%d}.{fmt}"


def _csv(records: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*EXPORT_FIELDS, "source_name", "description", "page"],
                            extrasaction="ignore")
    writer.writeheader()
    writer.writerows(csv_cells(record) for record in records)
    return out.getvalue()


@bp.route("/export.<fmt>")
def export(fmt: str):
    if fmt not in FORMATS:
        abort(404, f"There is no export format {fmt!r}; use csv, json, ris or bib.")
    records = [full_record(d) for d in matching_documents()]
    if fmt == "csv":
        body = _csv(records)
    elif fmt == "json":
        body = current_app.json.dumps({"query": request.args.get("q", ""), "total": len(records),
                                       "documents": records}, ensure_ascii=False, indent=1)
    elif fmt == "ris":
        body = to_ris([(r, r["page"]) for r in records])
    else:
        body = to_bibtex([(r, r["page"]) for r in records])
    return Response(body, content_type=FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{_filename(fmt)}"',
                             "Access-Control-Allow-Origin": "*"})


def _iso(moment: datetime | None) -> str:
    return (moment or datetime(1970, 1, 1)).replace(microsecond=0).isoformat() + "Z"


def _text(parent, tag: str, text: str, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {name: xml_safe(value) for name, value in attrs.items()})
    element.text = xml_safe(text)
    return element


def atom_feed(documents: list[Document], title: str) -> bytes:
    """An Atom 1.0 feed of documents, newest addition first."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "title", title)
    _text(feed, "id", absolute_request_url())
    _text(feed, "updated", _iso(max((d.created_at for d in documents), default=None)))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=xml_safe(absolute_request_url()))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html",
                  href=xml_safe(absolute_url("search.index") + "?" + request.query_string.decode("latin-1")))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "Casebook")
    for document in documents:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        page = absolute_url("documents.show", doc_id=document.id)
        _text(entry, "id", page)
        _text(entry, "title", document.title or document.url)
        _text(entry, "updated", _iso(document.updated_at or document.created_at))
        _text(entry, "published", _iso(document.created_at))
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=page)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=xml_safe(document.url))
        for theme in document.themes or []:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=xml_safe(theme))
        summary = _text(entry, "summary", document.description or (document.text or "")[:400])
        if document.lang and document.lang != "und":
            summary.set("{http://www.w3.org/XML/1998/namespace}lang", xml_safe(document.lang))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


@bp.route("/feed.atom")
def feed():
    """New documents matching a search: the newest additions first."""
    documents = sorted(matching_documents(500), key=lambda d: (d.created_at, d.id), reverse=True)[:FEED_ENTRIES]
    q = request.args.get("q", "").strip()
    title = f"Casebook: {q}" if q else "Casebook: new documents"
    return Response(atom_feed(documents, title), content_type="application/atom+xml; charset=utf-8")
