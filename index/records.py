"""From a knowledge-base document to the fields of its index entry."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from index.analysis import STEMMED_LANGUAGES
from kb.models import Document

NO_THEME = "_none"  # every entry needs a theme term: Whoosh facets by term vector fail on empty ones


def _date(document: Document) -> datetime | None:
    if document.published:
        try:
            return datetime.fromisoformat(document.published[:19].replace("Z", ""))
        except ValueError:
            pass
    if document.year:
        return datetime(document.year, 1, 1)
    return None


def source_name(document: Document) -> str:
    return (urlsplit(document.final_url or document.url).hostname or "unknown").lower()


def document_fields(document: Document, tagger) -> dict:
    """The Whoosh fields of one document, analysed in its own language."""
    lang = (document.lang or "").lower() or "und"
    text = document.text or ""
    themes = tagger.themes(document) if tagger else list(document.themes or [])
    fields = {
        "id": str(document.id), "url": document.url, "title": document.title or document.url,
        "body": text, "content": text[:100_000], "description": document.description or "",
        "type": document.doc_type or "document", "lang": lang, "source": source_name(document),
        "country": (document.country or "").upper() or None, "municipality": document.municipality or None,
        "theme": ",".join(themes) or NO_THEME, "words": document.title or "", "year": str(document.year) if document.year else None,
        "updated": document.updated_at, "also": list(document.also_at or []),
    }
    date = _date(document)
    if date:
        fields["date"] = date
    if lang in STEMMED_LANGUAGES:
        fields[f"title_{lang}"] = fields.pop("title")
        fields[f"body_{lang}"] = fields.pop("body")
        fields["title"] = ""  # indexed empty, stored for display (see schema)
        fields["_stored_title"] = document.title or document.url
    return {k: v for k, v in fields.items() if v is not None}
