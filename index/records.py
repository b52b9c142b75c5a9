"""From a knowledge-base document to the fields of its index entry.

Besides the record's columns, a few facts come from ``document.meta``, where
the part of Casebook that knows them puts them: the crawler's h1-h3
``headings``, a case's ``population_band`` (kb.cases) and a profile's
``organisation_kind`` (kb.people).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from index.analysis import STEMMED_LANGUAGES
from index.schema import text_field
from kb.models import Document

NO_THEME = "_none"  # every entry needs a theme term: Whoosh facets by term vector fail on empty ones
MAX_FACET_CHARS = 60
TEXT_FIELDS = ("title", "headings", "body")  # moved to their language's fields when it is stemmed


def _date(document: Document) -> datetime | None:
    if document.published:
        try:
            return datetime.fromisoformat(document.published[:19].replace("Z", ""))
        except ValueError:
            pass
    if document.year:
        return datetime(document.year, 1, 1)
    return None


def headings_text(document: Document) -> str:
    """The page's h1-h3 headings, one a line ("" when the crawler found none).

    A heading the title already says (most pages' h1) is left out: its words are
    weighted as title words already, and counting them again as headings lowered
    the demo judged set's mean nDCG@10 from 0.487 to 0.465."""
    headings = (document.meta or {}).get("headings")
    if isinstance(headings, str):
        headings = [headings]
    if not isinstance(headings, (list, tuple)):
        return ""
    title = " ".join((document.title or "").split()).casefold()
    kept = (" ".join(str(heading).split()) for heading in headings if heading)
    return "\n".join(heading for heading in kept if heading and heading.casefold() not in title)


def meta_facet(document: Document, key: str) -> str | None:
    """A facet value kept in ``document.meta`` (one line, trimmed), or None."""
    value = (document.meta or {}).get(key)
    if value is None or isinstance(value, (dict, list)):
        return None
    return " ".join(str(value).split())[:MAX_FACET_CHARS] or None


HUB_FROM, HUB_FULL = 0.4, 0.8  # teaser shares (crawler.teasers.link_profile): not a hub below, wholly one above


def hubness(document: Document) -> int:
    """How much the page is a hub, in percent: a listing, theme or tag page made of teasers of other
    pages. Such a page is close to every query about any of its items, by words and by meaning, and
    is rarely what a reader looks for; search weighs it down (index.scoring.priors). Of 253 real
    articles and pages (extraction-eval), 7 have a teaser share of 0.4 or more; of the demo site's
    239 pages, its 103 listings and theme pages do, and none of its cases."""
    profile = (document.meta or {}).get("links_in_main")
    teasers = profile.get("teasers") if isinstance(profile, dict) else None
    if not isinstance(teasers, (int, float)):
        return 0
    return round(100 * min(1.0, max(0.0, (teasers - HUB_FROM) / (HUB_FULL - HUB_FROM))))


def source_name(document: Document) -> str | None:
    """The host of a crawled page, its ``source`` facet value; None for Casebook's own records
    (organisations, networks, calls, experts: ``casebook:`` addresses), which have no source to
    name (they were shown as a source called "unknown")."""
    host = urlsplit(document.final_url or document.url).hostname
    return host.lower() if host else None


def version_addresses(document: Document) -> str:
    """The page's own addresses and those of its language versions (hreflang) and duplicates."""
    urls = [document.url, document.final_url, *(document.translations or {}).values(), *(document.also_at or [])]
    return " ".join(dict.fromkeys(u for u in urls if isinstance(u, str) and u and not any(c.isspace() for c in u)))


def document_fields(document: Document, tagger) -> dict:
    """The Whoosh fields of one document, analysed in its own language."""
    lang = (document.lang or "").lower() or "und"
    text = document.text or ""
    themes = tagger.themes(document) if tagger else list(document.themes or [])
    fields = {
        "id": str(document.id), "url": document.url, "title": document.title or document.url,
        "headings": headings_text(document), "body": text, "content": text[:100_000],
        "description": document.description or "",
        "type": document.doc_type or "document", "lang": lang, "source": source_name(document),
        "country": (document.country or "").upper() or None, "municipality": document.municipality or None,
        "theme": ",".join(themes) or NO_THEME, "words": document.title or "",
        "year": str(document.year) if document.year else None,
        "updated": document.updated_at, "also": list(document.also_at or []),
        "versions": version_addresses(document),
        "population": meta_facet(document, "population_band"), "org_kind": meta_facet(document, "organisation_kind"),
        "hub": hubness(document),
    }
    date = _date(document)
    if date:
        fields["date"] = date
    if lang in STEMMED_LANGUAGES:
        for name in TEXT_FIELDS:
            fields[text_field(name, lang)] = fields.pop(name)
        fields["title"] = ""  # indexed empty, stored for display (see schema)
        fields["_stored_title"] = document.title or document.url
    return {k: v for k, v in fields.items() if v is not None}
