"""Registered sources: adding one by hand, importing the catalogue, and the schedule.

A ``Source`` row is what the crawler works from: seeds, hosts, path scope,
limits and a recrawl interval. Catalogue entries are matched by their ``key``
so importing twice changes nothing, and an entry whose content changed updates
its source (and makes it due now when its seeds or scope changed). The crawl
schedule lives here too: a source is due when ``next_crawl_at`` is empty or
past, and after a crawl the next one is ``recrawl_days`` later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from sqlalchemy import func, select

from kb.errors import InputError
from kb.models import Document, Source, utcnow
from kb.settings import SOURCE_RECRAWL_DAYS
from kb.sources.catalogue import CatalogueEntry, validate_entry
from kb.urlcheck import parse_web_url, url_problem

CATALOGUE_FIELDS = ("name", "seeds", "hosts", "include", "exclude", "languages", "country", "kind",
                    "recrawl_days", "why")
SCOPE_FIELDS = {"seeds", "hosts", "include", "exclude"}
PAUSED = "paused"


def source_to_json(source: Source) -> dict:
    """The public view of a source, as `kb source list --json` prints it."""
    return {
        "id": source.id, "key": source.key, "name": source.name, "seeds": list(source.seeds or []),
        "hosts": list(source.hosts or []), "include": list(source.include or []),
        "exclude": list(source.exclude or []), "country": source.country, "kind": source.kind,
        "languages": list(source.languages or []), "max_pages": source.max_pages, "max_depth": source.max_depth,
        "recrawl_days": source.recrawl_days, "status": source.status, "last_error": source.last_error,
        "last_crawl_at": _iso(source.last_crawl_at), "next_crawl_at": _iso(source.next_crawl_at),
        "pages_stored": source.pages_stored,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def seed_problem(url: str) -> str | None:
    """Why ``url`` cannot be a seed: kb.urlcheck's rules of syntax, scheme and credentials (addresses are
    checked when crawling, where an admin may allow private hosts)."""
    return url_problem(url, allow_private=True)


def _check_prefixes(prefixes, option: str) -> list[str]:
    for prefix in prefixes:
        if not prefix.startswith("/"):
            raise InputError(f"{option} {prefix!r}: a path prefix must start with '/'")
    return list(prefixes)


def add_source(session, url: str, name: str | None = None, include=(), exclude=(),
               max_pages: int | None = None, recrawl_days: float | None = None,
               max_depth: int | None = None) -> Source:
    """Register ``url`` as a new source; InputError when it is unfit or already registered."""
    url = url.strip()
    problem = seed_problem(url)
    if problem:
        raise InputError(f"{url}: {problem}")
    for existing in session.scalars(select(Source).where(Source.deleted_at.is_(None))):
        if url in (existing.seeds or []):
            raise InputError(f"{url} is already registered as source {existing.id} ({existing.name})")
    host = parse_web_url(url).host
    source = Source(name=name or host, seeds=[url], hosts=[host], include=_check_prefixes(include, "--include"),
                    exclude=_check_prefixes(exclude, "--exclude"), languages=[], tags=[], status="queued")
    if max_pages is not None:
        source.max_pages = max_pages
    if max_depth is not None:
        source.max_depth = max_depth
    if recrawl_days is not None:
        source.recrawl_days = recrawl_days
    session.add(source)
    session.flush()
    return source


def list_sources(session, source_id: int | None = None) -> list[Source]:
    query = select(Source).where(Source.deleted_at.is_(None)).order_by(Source.id)
    if source_id is not None:
        query = query.where(Source.id == source_id)
    sources = list(session.scalars(query))
    if source_id is not None and not sources:
        raise InputError(f"no source with id {source_id} (see `kb source list`)")
    return sources


@dataclass
class CatalogueImport:
    """What importing the catalogue did, entry by entry."""

    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    rejected: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": len(self.unchanged),
                "rejected": self.rejected}


def _entry_values(entry: CatalogueEntry) -> dict:
    values = {name: getattr(entry, name) for name in CATALOGUE_FIELDS}
    for name in ("seeds", "hosts", "include", "exclude", "languages"):
        values[name] = list(values[name])
    values["recrawl_days"] = float(entry.recrawl_days)
    return values


def import_catalogue(session, entries: list[CatalogueEntry]) -> CatalogueImport:
    """Create or update one source per entry, matched by key; sound entries only."""
    report = CatalogueImport()
    existing = {s.key: s for s in session.scalars(select(Source).where(Source.key.is_not(None)))}
    for entry in entries:
        problems = validate_entry(entry)
        if problems:
            report.rejected[entry.key] = problems
            continue
        values = _entry_values(entry)
        source = existing.get(entry.key)
        if source is None:
            session.add(Source(key=entry.key, tags=[], status="queued", **values))
            report.added.append(entry.key)
            continue
        changed = [name for name, value in values.items() if getattr(source, name) != value]
        if not changed and source.deleted_at is None:
            report.unchanged.append(entry.key)
            continue
        for name in changed:
            setattr(source, name, values[name])
        if source.deleted_at is not None:
            source.deleted_at, changed = None, [*changed, "restored"]
        if SCOPE_FIELDS.intersection(changed):
            source.next_crawl_at = None  # a new scope deserves a crawl now
        report.updated[entry.key] = changed
    session.flush()
    return report


def due_sources(session, now: datetime | None = None, source_id: int | None = None) -> list[Source]:
    """Sources whose next crawl is unset or past (one source by id: due or not)."""
    now = now or utcnow()
    if source_id is not None:
        return list_sources(session, source_id)
    return [s for s in list_sources(session)
            if s.status != PAUSED and (s.next_crawl_at is None or s.next_crawl_at <= now)]


def mark_crawling(source: Source) -> None:
    source.status = "crawling"


def record_crawl(session, source: Source, error: str | None, now: datetime | None = None) -> None:
    """After a crawl of ``source``: status, times, error and how many pages it has."""
    now = now or utcnow()
    source.status = "error" if error else "ok"
    source.last_error = error
    source.last_crawl_at = now
    source.next_crawl_at = now + timedelta(days=source.recrawl_days or SOURCE_RECRAWL_DAYS)
    source.pages_stored = session.scalar(
        select(func.count(Document.id)).where(Document.source_id == source.id, Document.gone.is_(False))) or 0
