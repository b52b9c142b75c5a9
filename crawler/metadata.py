"""Mapping what a page declares (JSON-LD, meta tags) to the knowledge base's fields.

Case pages of city and programme sites increasingly carry schema.org JSON-LD:
``spatialCoverage``/``contentLocation`` give the place and country,
``about``/``keywords`` the themes, ``temporalCoverage``/``dateCreated`` the
year, ``additionalType`` or ``@type`` the kind of record.
"""

from __future__ import annotations

import email.utils
import re

TYPE_MAP = {"event": "event", "report": "report", "case": "case", "dataset": "document",
            "article": "document", "newsarticle": "document", "webpage": "document", "collection": "collection"}
YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
# Where sites state a publication date, most specific first: Open Graph / article, Dublin Core in
# its spellings, schema.org microdata (<meta itemprop>), news sites' own names, <time pubdate>.
PUBLISHED_META = ("article:published_time", "dcterms.issued", "dcterms.date", "dc.date.issued", "dc.date",
                  "dcterms.created", "datepublished", "citation_publication_date", "publication_date", "pubdate",
                  "publishdate", "publish-date", "date", "time:published")
ISO_DATE = re.compile(r"^\s*((?:19|20)\d\d(?:-[01]\d(?:-[0-3]\d)?)?(?:[T ][0-2]\d:[0-5]\d(?::[0-5]\d)?)?)")


def _text(value) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("@id"))
    if isinstance(value, list) and value:
        return _text(value[0])
    return None


def _list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, dict):
        return [t] if (t := _text(value)) else []
    if isinstance(value, list):
        return [t for v in value for t in _list(v)]
    return []


def iso_date(value: str | None) -> str | None:
    """``value`` as an ISO date (or date and time), from ISO text or an e-mail style date; else None
    (a date the index cannot read would only hide the page from date filters)."""
    if not value:
        return None
    found = ISO_DATE.match(value)
    if found:
        return found.group(1).replace(" ", "T")
    try:
        return email.utils.parsedate_to_datetime(value).replace(tzinfo=None).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _place(item: dict) -> tuple[str | None, str | None]:
    place = item.get("spatialCoverage") or item.get("contentLocation") or item.get("location")
    if isinstance(place, list):
        place = place[0] if place else None
    if not isinstance(place, dict):
        return _text(place), None
    address = place.get("address") if isinstance(place.get("address"), dict) else {}
    country = _text(address.get("addressCountry"))
    municipality = _text(address.get("addressLocality")) or _text(place.get("name"))
    return municipality, country.upper() if country and len(country) == 2 else country


def _year(item: dict) -> int | None:
    for key in ("temporalCoverage", "dateCreated", "startDate", "datePublished"):
        found = YEAR.search(str(item.get(key) or ""))
        if found:
            return int(found.group(1))
    return None


def _kind(item: dict) -> str | None:
    for value in _list(item.get("additionalType")) + _list(item.get("@type")):
        kind = TYPE_MAP.get(value.rsplit("/", 1)[-1].lower())
        if kind:
            return kind
    return None


def case_fields(json_ld: list[dict], meta: dict[str, str]) -> dict:
    """Fields for the knowledge base from the first JSON-LD item that has any."""
    fields: dict = {}
    for item in json_ld:
        municipality, country = _place(item)
        candidates = {
            "doc_type": _kind(item), "municipality": municipality, "country": country, "year": _year(item),
            "keywords": _list(item.get("keywords")), "about": _list(item.get("about")),
            "status": _text(item.get("creativeWorkStatus") or item.get("eventStatus")),
            "based_on": _text(item.get("isBasedOn")), "published": _text(item.get("datePublished")),
        }
        for key, value in candidates.items():
            if value and key not in fields:
                fields[key] = value
    if "keywords" not in fields and meta.get("keywords"):
        fields["keywords"] = _list(meta["keywords"])
    stated = (fields.get("published"), *(meta.get(key) for key in PUBLISHED_META))
    fields["published"] = next((date for date in map(iso_date, stated) if date), None)  # the first readable
    if "country" not in fields and meta.get("geo.region"):
        fields["country"] = meta["geo.region"].split("-", 1)[0].upper()
    if "municipality" not in fields and meta.get("geo.placename"):
        fields["municipality"] = meta["geo.placename"]
    return {k: v for k, v in fields.items() if v}
