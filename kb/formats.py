"""Import and export of documents: JSON Lines, JSON and CSV.

Import reports every rejected row with its reason and stores the rest; export
writes one record per document with its provenance and every facet field.
``spreadsheet_safe`` is the one guard of every CSV the product writes (search,
collection, participant and document exports): a cell a spreadsheet would run as
a formula gets a leading apostrophe, which a CSV import here takes off again;
``xml_safe`` the one guard of every feed (a crawled title may hold a form feed).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterator
from urllib.parse import quote, urlsplit

from sqlalchemy import select

from kb.errors import InputError
from kb.fields import CONTROL, whole_number
from kb.language import detect_language
from kb.models import Document, utcnow

EXPORT_FIELDS = ("id", "url", "final_url", "title", "lang", "lang_confidence", "type", "source", "country",
                 "municipality", "themes", "year", "published", "fetched_at", "content_hash", "also_at",
                 "gone", "text")
DOC_TYPES = {"case", "document", "event", "report", "collection"}
# What makes a spreadsheet read a cell as a formula (OWASP's list: = + - @, tab, carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ImportReport:
    """What an import of a file did: records stored and updated, and each rejected row with why
    (kb.case_import's report adds what a case import can do besides)."""

    stored: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def to_json(self) -> dict:
        counts = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "rejected"}
        return {**counts, "rejected": [{"row": r, "reason": why} for r, why in self.rejected]}


def spreadsheet_safe(value):
    """A CSV cell a spreadsheet shows as text; empty cells and numbers stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_cells(record: dict) -> dict:
    """A record as the cells of one CSV row: lists joined with |, every cell spreadsheet-safe."""
    return {key: spreadsheet_safe("|".join(map(str, value)) if isinstance(value, list) else value)
            for key, value in record.items()}


def escaped_url(url) -> str:
    """A URL for a line-based export (RIS, BibTeX): whitespace and control characters percent-encoded.

    Input refuses them; this guards what was stored before it did, so no URL can start a new record.
    """
    return re.sub(r"[\s\x00-\x1f\x7f-\x9f]", lambda m: quote(m.group(), safe=""), str(url or "").strip())


# What XML 1.0 cannot hold at all, escaped or not: one such character makes a whole feed unreadable.
NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text) -> str:
    """``text`` without the characters XML cannot hold (every feed's titles, summaries and links)."""
    return NOT_IN_XML.sub("", str(text or ""))


def _from_spreadsheet(value):
    """Undo ``spreadsheet_safe`` on a cell read back from a CSV file."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def read_records(path: Path) -> Iterator[tuple[int, dict | None, str | None]]:
    """(row number, record or None, problem) for each row of a .jsonl/.json/.csv file."""
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".json", ".csv"):
        raise InputError(f"{path.name}: unsupported file type {suffix or '(none)'} (use .jsonl, .json or .csv)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: not UTF-8 text") from None
    if suffix == ".csv":
        yield from _csv_records(text)
    elif suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path.name}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
        except RecursionError:
            raise InputError(f"{path.name}: invalid JSON (nested too deeply)") from None
        items = data if isinstance(data, list) else data.get("documents") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise InputError(f"{path.name}: expected a list of records (or {{\"documents\": [...]}})")
        yield from ((n, item if isinstance(item, dict) else None, None if isinstance(item, dict) else "not an object")
                    for n, item in enumerate(items, start=1))
    else:
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                yield n, None, f"invalid JSON: {exc.msg}"
                continue
            except RecursionError:
                yield n, None, "invalid JSON: nested too deeply"
                continue
            yield (n, item, None) if isinstance(item, dict) else (n, None, "not an object")


def _csv_records(text: str) -> Iterator[tuple[int, dict | None, str | None]]:
    """The rows of a CSV text (any line ending); a row the csv module cannot read is reported, not fatal."""
    reader = csv.DictReader(io.StringIO(text, newline=None))
    row_number = 1
    while True:
        row_number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a field over the csv module's 128 KB limit, an unterminated quote...
            yield row_number, None, f"unreadable CSV row: {exc}"
            continue
        yield row_number, {k: _from_spreadsheet(v) for k, v in row.items()}, None


def _themes(value) -> list[str]:
    if isinstance(value, list):
        return sorted({str(v).strip() for v in value if str(v).strip()})
    return sorted({v.strip() for v in re.split(r"[,;|]", str(value or "")) if v.strip()})


def validate_record(record: dict) -> tuple[dict | None, str | None]:
    """Normalised fields of a record, or the reason it is rejected."""
    url = str(record.get("url") or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None, f"url {url!r} is not an http(s) URL" if url else "missing url"
    if CONTROL.search(url):
        return None, f"url {url!r} holds a line break or another control character"
    title = str(record.get("title") or "").strip()
    text = str(record.get("text") or "").strip()
    if not title and not text:
        return None, "no title and no text"
    doc_type = str(record.get("type") or "document").strip().lower()
    if doc_type not in DOC_TYPES:
        return None, f"unknown type {doc_type!r} (one of {', '.join(sorted(DOC_TYPES))})"
    year = str(record.get("year") or "").strip()
    if year and not 1800 <= (whole_number(year) or 0) <= 2100:
        return None, f"year {year!r} is not a year"
    return {"url": url, "title": title, "text": text, "doc_type": doc_type,
            "lang": str(record.get("lang") or "").strip().lower() or None,
            "country": str(record.get("country") or "").strip().upper() or None,
            "municipality": str(record.get("municipality") or "").strip() or None,
            "themes": _themes(record.get("themes") or record.get("theme")),
            "year": int(year) if year else None,
            "description": str(record.get("description") or "").strip() or None}, None


def import_documents(session, path: Path) -> ImportReport:
    """Store each valid record of ``path`` (updating documents with the same URL)."""
    report = ImportReport()
    for row, record, problem in read_records(path):
        values, problem = (None, problem) if problem else validate_record(record)
        if problem:
            report.rejected.append((row, problem))
            continue
        document = session.scalars(select(Document).where(Document.url == values["url"])).first()
        if document is None:
            document = Document(url=values["url"], origin="import")
            session.add(document)
            report.stored += 1
        else:
            report.updated += 1
        _apply_import(document, values)
        session.flush()
    return report


def _apply_import(document: Document, values: dict) -> None:
    for key in ("title", "text", "doc_type", "country", "municipality", "themes", "year", "description"):
        setattr(document, key, values[key])
    if values["lang"]:
        document.lang, document.lang_confidence = values["lang"], 1.0
    else:
        detected = detect_language(f"{values['title']}\n{values['text']}")
        document.lang, document.lang_confidence = detected.lang, detected.confidence
    document.final_url = values["url"]
    document.content_hash = hashlib.sha256(values["text"].encode("utf-8")).hexdigest()
    document.fetched_at = document.checked_at = utcnow()
    document.gone = False


def export_record(document: Document) -> dict:
    return {"id": document.id, "url": document.url, "final_url": document.final_url, "title": document.title,
            "lang": document.lang, "lang_confidence": document.lang_confidence, "type": document.doc_type,
            "source": (urlsplit(document.final_url or document.url).hostname or ""),
            "country": document.country, "municipality": document.municipality, "themes": document.themes or [],
            "year": document.year, "published": document.published,
            "fetched_at": document.fetched_at.isoformat() if document.fetched_at else None,
            "content_hash": document.content_hash, "also_at": document.also_at or [], "gone": document.gone,
            "text": document.text}


def export_documents(session, out, fmt: str) -> int:
    """Write every document to the text stream ``out`` as jsonl or csv; returns the count."""
    if fmt not in ("jsonl", "csv"):
        raise InputError(f"unknown export format {fmt!r} (jsonl or csv)")
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    count = 0
    for document in session.scalars(select(Document).order_by(Document.id).execution_options(yield_per=500)):
        record = export_record(document)
        if writer:
            writer.writerow(csv_cells(record))
        else:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
