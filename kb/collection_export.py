"""Exports of a collection: CSV, JSON, RIS, BibTeX and an Atom feed.

Each export lists the items in their curated order with the curator's note;
citations carry the title, URL, year, place and language of the item.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timezone
from xml.sax.saxutils import escape

from sqlalchemy.orm import Session

from kb.collections import collection_json, items_of
from kb.formats import csv_cells, escaped_url, xml_safe
from kb.models import Case, Collection, Document

EXPORT_FORMATS = {"csv": "text/csv", "json": "application/json", "ris": "application/x-research-info-systems",
                  "bib": "application/x-bibtex"}


def export_rows(session: Session, collection: Collection, for_curators: bool = False) -> list[dict]:
    """One flat row per item a reader sees (every item ``for_curators``): what every export is written from."""
    rows = []
    for item in items_of(session, collection.id, readers=not for_curators):
        if item.document_id:
            doc = session.get(Document, item.document_id)
            row = {"kind": doc.doc_type if doc else "document", "title": doc.title if doc else "",
                   "url": (doc.final_url or doc.url) if doc else "", "year": doc.year if doc else None,
                   "country": doc.country if doc else None, "municipality": doc.municipality if doc else None,
                   "lang": doc.lang if doc else None, "summary": (doc.description or "") if doc else ""}
        else:
            case = session.get(Case, item.case_id)
            row = {"kind": "case", "title": case.title if case else "", "url": (case.links or [""])[0] if case else "",
                   "year": (case.years or [None])[0] if case else None, "country": case.country if case else None,
                   "municipality": case.municipality if case else None, "lang": None,
                   "summary": case.summary[:1000] if case else ""}
        rows.append({"position": item.position, **row, "note": item.note})
    return rows


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    fields = ["position", "kind", "title", "url", "year", "country", "municipality", "lang", "note"]
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(csv_cells(row) for row in rows)
    return out.getvalue()


def to_ris(collection: Collection, rows: list[dict]) -> str:
    lines = []
    for row in rows:
        lines += ["TY  - ELEC", f"TI  - {_one_line(row['title'])}"]
        lines += [f"UR  - {escaped_url(row['url'])}"] if row["url"] else []
        lines += [f"PY  - {row['year']}"] if row["year"] else []
        lines += [f"CY  - {_one_line(', '.join(p for p in (row['municipality'], row['country']) if p))}"] \
            if row["country"] or row["municipality"] else []
        lines += [f"LA  - {row['lang']}"] if row["lang"] else []
        lines += [f"N1  - {_one_line(row['note'])}"] if row["note"] else []
        lines += [f"KW  - {_one_line(collection.title)}", "ER  - ", ""]
    return "\n".join(lines)


def _one_line(text) -> str:
    return " ".join(str(text or "").split())


def _bib_escape(text) -> str:
    return re.sub(r"([{}\\%&$#_^~])", r"\\\1", _one_line(text))


def to_bibtex(collection: Collection, rows: list[dict]) -> str:
    entries = []
    for row in rows:
        key = f"casebook{collection.id}_{row['position']}"
        fields = [f"  title = {{{_bib_escape(row['title'])}}}"]
        url = escaped_url(row["url"]).replace("{", "%7B").replace("}", "%7D")
        fields += [f"  url = {{{url}}}"] if url else []
        fields += [f"  year = {{{row['year']}}}"] if row["year"] else []
        fields += [f"  address = {{{_bib_escape(', '.join(p for p in (row['municipality'], row['country']) if p))}}}"] \
            if row["country"] or row["municipality"] else []
        fields += [f"  note = {{{_bib_escape(row['note'])}}}"] if row["note"] else []
        entries.append("@misc{" + key + ",\n" + ",\n".join(fields) + "\n}\n")
    return "\n".join(entries)


def export_collection(session: Session, collection: Collection, fmt: str, for_curators: bool = False) -> str:
    rows = export_rows(session, collection, for_curators)
    if fmt == "csv":
        return to_csv(rows)
    if fmt == "json":
        return json.dumps({**collection_json(session, collection, for_curators), "items": rows}, ensure_ascii=False,
                          indent=2)
    if fmt == "ris":
        return to_ris(collection, rows)
    if fmt == "bib":
        return to_bibtex(collection, rows)
    raise ValueError(f"unknown export format {fmt!r}")


def _stamp(moment: datetime) -> str:
    return moment.replace(tzinfo=timezone.utc).isoformat(timespec="seconds")


def _xml(text) -> str:
    return escape(xml_safe(text))


def atom_feed(collections: list[Collection], feed_url: str, page_url) -> str:
    """An Atom feed of collections, newest change first; ``page_url(c)`` is a collection's page."""
    updated = max((c.updated_at for c in collections), default=datetime(2026, 1, 1))
    entries = "".join(
        f"<entry><title>{_xml(c.title)}</title><id>{_xml(page_url(c))}</id>"
        f"<link href=\"{_xml(page_url(c))}\"/><updated>{_stamp(c.updated_at)}</updated>"
        f"<summary>{_xml(c.description or '')}</summary></entry>" for c in collections)
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
            f"<title>Casebook collections</title><id>{_xml(feed_url)}</id>"
            f"<link rel=\"self\" href=\"{_xml(feed_url)}\"/><updated>{_stamp(updated)}</updated>{entries}</feed>\n")
