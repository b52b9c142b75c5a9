"""Sources that researchers register through the web UI and API, audited.

Wraps the source registry (``kb.sources.registry``) with what a shared web form
needs: the SSRF guard of ``kb.urlcheck``, tags and a "why it matters" note, and
an audit event for every change. Deletion is soft and restorable. The crawl
worker picks registered sources up by their status and schedule.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import audit
from kb.errors import InputError
from kb.formats import ImportReport, read_records
from kb.models import Source, utcnow
from kb.sources.registry import add_source
from kb.urlcheck import check_source_url

# The registry's states, as a person reads them.
STATUS_LABELS = {"queued": "queued", "crawling": "crawling", "ok": "done", "done": "done",
                 "error": "failed", "failed": "failed", "paused": "paused"}


class DuplicateSource(InputError):
    """The URL is already the seed of a registered source."""

    def __init__(self, message: str, source_id: int):
        super().__init__(message)
        self.source_id = source_id


def _words(value) -> list[str]:
    if value is None:
        return []
    items = value.replace("\n", ",").split(",") if isinstance(value, str) else list(value)
    return [str(item).strip()[:300] for item in items if str(item).strip()][:50]


def register_source(session: Session, url: str, name: str | None, actor: str | None, *,
                    include=None, exclude=None, tags=None, why: str | None = None,
                    allow_private: bool = False) -> Source:
    """Check ``url`` (SSRF rules), store the source as queued and audit it."""
    url = check_source_url(url, allow_private)
    for existing in session.scalars(select(Source).where(Source.deleted_at.is_(None))):
        if url in (existing.seeds or []):
            raise DuplicateSource(f"{url} is already registered as source {existing.id}", existing.id)
    source = add_source(session, url, (name or "").strip()[:500] or None, include=_words(include),
                        exclude=_words(exclude))
    source.tags, source.why = _words(tags), (why or "").strip()[:5000] or None
    session.flush()
    audit.record(session, actor, "create", "source", source.id, None, audit.snapshot(source))
    return source


def import_sources(session: Session, path: Path, actor: str | None, allow_private: bool = False) -> ImportReport:
    """Register a source per row of a CSV, JSON or JSON Lines file (url, name, include, exclude, tags,
    why); each refused row is in the report with why (a row is refused before anything of it is written)."""
    report = ImportReport()
    for row, record, problem in read_records(path):
        if problem is None:
            try:
                register_source(session, str(record.get("url") or ""), record.get("name") and str(record["name"]),
                                actor, include=record.get("include"), exclude=record.get("exclude"),
                                tags=record.get("tags"), why=record.get("why") and str(record["why"]),
                                allow_private=allow_private)
                report.stored += 1
                continue
            except InputError as exc:
                problem = str(exc)
        report.rejected.append((row, problem))
    return report


def status_label(source: Source) -> str:
    return STATUS_LABELS.get(source.status, source.status)


def source_json(source: Source) -> dict:
    return {"id": source.id, "name": source.name, "url": (source.seeds or [None])[0], "status": status_label(source),
            "last_error": source.last_error, "pages_stored": source.pages_stored, "tags": source.tags,
            "include": source.include, "exclude": source.exclude, "why": source.why,
            "last_crawl_at": source.last_crawl_at.isoformat(timespec="seconds") if source.last_crawl_at else None,
            "deleted": source.deleted_at is not None}


def sources_for_listing(session: Session, include_deleted: bool = False) -> list[Source]:
    query = select(Source).order_by(Source.id.desc())
    if not include_deleted:
        query = query.where(Source.deleted_at.is_(None))
    return list(session.scalars(query))


def _audited_change(session: Session, source: Source, actor: str | None, action: str, **changes) -> None:
    before = audit.snapshot(source)
    for key, value in changes.items():
        setattr(source, key, value)
    session.flush()
    audit.record(session, actor, action, "source", source.id, before, audit.snapshot(source))


def requeue(session: Session, source: Source, actor: str | None) -> None:
    """Crawl again as soon as the worker can."""
    _audited_change(session, source, actor, "requeue", status="queued", next_crawl_at=None)


def delete_source(session: Session, source: Source, actor: str | None) -> None:
    _audited_change(session, source, actor, "delete", deleted_at=utcnow())


def restore_source(session: Session, source: Source, actor: str | None) -> None:
    _audited_change(session, source, actor, "restore", deleted_at=None)
