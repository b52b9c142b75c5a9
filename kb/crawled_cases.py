"""Case records proposed from crawled pages that describe a case.

A page the crawler typed ``case`` (its schema.org JSON-LD says so with ``additionalType`` or
``@type``, see crawler.metadata) becomes a *proposed* case, drafted from that description
(``name``, ``description``, ``spatialCoverage`` with its population band as a
``PropertyValue`` named ``populationBand``, ``about``, ``temporalCoverage``, ``creativeWorkStatus``,
``isBasedOn``) and linked to the page and its language versions
(``Document.translations``): one case for all versions of a page. The proposer is the
researcher-level actor ``crawler``, so a researcher or curator reviews every proposal; nothing
is imported silently, from the demo site or any other source.

Proposing again after a re-crawl is idempotent. The case drafted from one of the pages is
found again by ``from_document_id``; each draft is kept in the audit trail (action
``draft``), and only what the page changed since the last draft becomes a pending edit
(kb.cases.edit_case), so a curator's own wording is never overwritten nor re-proposed. A case
that was rejected, deleted or merged stays as the curator left it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kb import audit
from kb.accounts import Actor
from kb.cases import EDITABLE, CaseError, clean_case, create_case, edit_case, is_live
from kb.models import AuditEvent, Case, Document

CRAWLER = Actor("crawler", "researcher")
DRAFT = "draft"  # the audit action that keeps what the crawler last drafted from a page
PREFERRED_LANGUAGE = "en"  # the version a case is drafted from when a page has several
YEARS = re.compile(r"\b(1[9]\d\d|20\d\d)\b")


@dataclass
class ProposalReport:
    """What one pass did: new proposals, pending edits, and cases left alone."""

    proposed: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)  # rejected, deleted or merged: the curator decided
    problems: dict[str, str] = field(default_factory=dict)  # page URL -> why no case was drafted

    def to_json(self) -> dict:
        return {"proposed": self.proposed, "updated": self.updated, "unchanged": len(self.unchanged),
                "kept": len(self.kept), "problems": self.problems}


def case_item(document: Document) -> dict:
    """The JSON-LD item of the page that describes the case ({} when the page states none)."""
    for item in (document.meta or {}).get("json_ld") or []:
        if not isinstance(item, dict):
            continue
        kinds = [*_words(item.get("additionalType")), *_words(item.get("@type"))]
        if any(kind.rsplit("/", 1)[-1].lower() == "case" for kind in kinds):
            return item
    return {}


def _words(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _text(value) -> str | None:
    if isinstance(value, str):
        return " ".join(value.split()) or None
    if isinstance(value, dict):
        return _text(value.get("name"))
    if isinstance(value, list) and value:
        return _text(value[0])
    return None


def _themes(value) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [name for item in value if (name := _text(item))]
    return [name] if (name := _text(value)) else []


def _place_item(item: dict):
    place = item.get("spatialCoverage") or item.get("contentLocation")
    return place[0] if isinstance(place, list) and place else place


def _place(item: dict) -> tuple[str | None, str | None]:
    place = _place_item(item)
    if not isinstance(place, dict):
        return _text(place), None
    address = place.get("address") if isinstance(place.get("address"), dict) else {}
    country = _text(address.get("addressCountry"))
    town = _text(address.get("addressLocality")) or _text(place.get("name"))
    return town, country.upper() if country and len(country) == 2 else None


def _population_band(item: dict) -> str | None:
    """The place's population band: its ``additionalProperty`` whose ``propertyID`` or ``name``
    is ``populationBand`` (the demo site states "100k-500k" and the like)."""
    place = _place_item(item)
    found = place.get("additionalProperty") if isinstance(place, dict) else None
    for prop in found if isinstance(found, list) else [found]:
        if isinstance(prop, dict) and "populationBand" in (prop.get("propertyID"), prop.get("name")):
            return _text(prop.get("value"))
    return None


def _years(item: dict, document: Document) -> str:
    """"2018-2021" from a temporalCoverage of "2018/2021"; the start alone when open-ended."""
    found = [int(y) for y in YEARS.findall(str(item.get("temporalCoverage") or ""))]
    if not found:
        found = [int(y) for y in YEARS.findall(str(item.get("dateCreated") or ""))[:1]]
    if not found and document.year:
        found = [document.year]
    return f"{found[0]}-{found[1]}" if len(found) > 1 and found[0] <= found[1] else str(found[0]) if found else ""


def draft_case(document: Document, versions: list[Document]) -> dict:
    """Case fields (kb.cases' input) from the page's JSON-LD, its columns where that is silent;
    the links are the page, its other language versions, then the source it is based on."""
    item = case_item(document)
    town, country = _place(item)
    links = [document.url, *(v.url for v in sorted(versions, key=lambda v: v.lang or "") if v.id != document.id)]
    based_on = _text(item.get("isBasedOn"))
    if based_on and based_on.startswith(("http://", "https://")) and based_on not in links:
        links.append(based_on)
    return {"title": _text(item.get("name") or item.get("headline")) or document.title or document.url,
            "summary": _text(item.get("description")) or document.description or (document.text or "")[:2000],
            "municipality": town or document.municipality, "country": country or document.country,
            "population_band": _population_band(item),
            "themes": _themes(item.get("about")) or list(document.themes or []),
            "years": _years(item, document), "status": _text(item.get("creativeWorkStatus")), "links": links}


def language_versions(session: Session, document: Document) -> list[Document]:
    """The page and its stored language versions that describe a case too (itself first)."""
    found = {document.id: document}
    urls = {document.url, *(document.translations or {}).values()}
    for _ in range(2):  # the versions' own hreflang links find a version the first page forgot
        query = select(Document).where(or_(Document.url.in_(urls), Document.final_url.in_(urls)),
                                       Document.doc_type == "case", Document.origin != "case",
                                       Document.gone.is_(False))
        for version in session.scalars(query):
            found.setdefault(version.id, version)
            urls.update((version.translations or {}).values())
    return list(found.values())


def _source_version(versions: list[Document], case: Case | None) -> Document:
    """The version a case is drafted from: the one it was drafted from before, else English, else the first."""
    by_id = {v.id: v for v in versions}
    if case is not None and case.from_document_id in by_id:
        return by_id[case.from_document_id]
    english = [v for v in versions if (v.lang or "").startswith(PREFERRED_LANGUAGE)]
    return english[0] if english else min(versions, key=lambda v: v.id)


def _last_draft(session: Session, case: Case) -> dict:
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "case", AuditEvent.entity_id == str(case.id),
                                                    AuditEvent.action == DRAFT).order_by(AuditEvent.id.desc()).limit(1))
    return ((event.after or {}).get("draft") or {}) if event else {}


def _record_draft(session: Session, case: Case, values: dict, document: Document, actor: Actor) -> None:
    audit.record(session, actor.name, DRAFT, "case", case.id, None, {"document_id": document.id, "draft": values})


def propose_from_page(session: Session, versions: list[Document], actor: Actor, report: ProposalReport) -> None:
    """Propose (or update the proposal of) the case one page and its language versions describe."""
    ids = [v.id for v in versions]
    case = session.scalar(select(Case).where(Case.from_document_id.in_(ids)).order_by(Case.id).limit(1))
    document = _source_version(versions, case)
    try:
        values = clean_case(draft_case(document, versions))
    except CaseError as exc:
        report.problems[document.url] = str(exc)
        return
    if case is None:
        case = create_case(session, values, actor, origin="crawl", from_document_id=document.id)
        _record_draft(session, case, values, document, actor)
        report.proposed.append(case.id)
        return
    if not is_live(case):
        report.kept.append(case.id)
        return
    before = _last_draft(session, case)
    current = {name: getattr(case, name) for name in EDITABLE} | (case.proposed_changes or {})
    changed = {name: value for name, value in values.items()
               if before.get(name) != value and current.get(name) != value}
    if before != values:
        _record_draft(session, case, values, document, actor)
    if not changed:
        report.unchanged.append(case.id)
        return
    edit_case(session, case, changed, actor)
    report.updated.append(case.id)


def propose_crawled_cases(session: Session, since: datetime | None = None, actor: Actor = CRAWLER) -> ProposalReport:
    """Propose a case for each crawled page describing one (stored or updated ``since``, when given)."""
    query = select(Document).where(Document.doc_type == "case", Document.origin != "case", Document.gone.is_(False))
    if since is not None:
        query = query.where(Document.updated_at >= since)
    report, done = ProposalReport(), set()
    for document in list(session.scalars(query.order_by(Document.id))):
        if document.id in done:
            continue
        versions = language_versions(session, document)
        done.update(v.id for v in versions)
        propose_from_page(session, versions, actor, report)
    return report
