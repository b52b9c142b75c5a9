"""The audit trail: every change to cases, collections and sources, with before and after.

``snapshot`` turns a record into plain JSON (dates as ISO strings) so that an
event's ``before`` can rebuild the record exactly, secrets apart: a share key or a
hash of a token is never written into the trail (nor shown from an old event), since
anyone who may read the trail could otherwise use it. ``record`` stores one event.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from kb.models import AuditEvent

# The kinds of record the trail holds events of (what `kb audit --entity` and /api/audit filter by).
AUDITED = ("case", "collection", "source", "person", "organisation", "event", "registration", "user", "call")
# Columns holding secrets: a collection's unlisted link, hashes of tokens and passwords.
SECRET_COLUMNS = frozenset({"share_key", "cancel_hash", "token_hash", "password_hash"})


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(row) -> dict:
    """Every column of ``row`` but its secrets, as JSON-ready values."""
    return {column.key: _plain(getattr(row, column.key)) for column in inspect(row).mapper.column_attrs
            if column.key not in SECRET_COLUMNS}


def revive(model, data: dict) -> dict:
    """Column values from a snapshot, with ISO strings turned back into datetimes."""
    values = {}
    for column in inspect(model).columns:
        if column.key not in data:
            continue
        value = data[column.key]
        if value is not None and column.type.python_type is datetime:
            value = datetime.fromisoformat(value)
        values[column.key] = value
    return values


def record(session: Session, actor: str | None, action: str, entity: str, entity_id,
           before: dict | None = None, after: dict | None = None) -> AuditEvent:
    event = AuditEvent(actor=actor, action=action, entity=entity,
                       entity_id=None if entity_id is None else str(entity_id), before=before, after=after)
    session.add(event)
    session.flush()
    return event


def history(session: Session, entity: str | None = None, entity_id=None, limit: int = 200,
            keep=None) -> list[AuditEvent]:
    """Newest first: the events of one record, of one kind of record, or of everything.

    ``keep(event)``, when given, says which events the reader may see; the
    others are skipped and older ones read until ``limit`` are found.
    """
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if entity is not None:
        query = query.where(AuditEvent.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == str(entity_id))
    if keep is None:
        return list(session.scalars(query.limit(limit)))
    found: list[AuditEvent] = []
    before = None
    while len(found) < limit:
        batch = list(session.scalars((query if before is None else query.where(AuditEvent.id < before))
                                     .limit(500)))
        found += [event for event in batch if keep(event)]
        if len(batch) < 500:
            break
        before = batch[-1].id
    return found[:limit]


def _without_secrets(value):
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items() if k not in SECRET_COLUMNS}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return value


def event_json(event: AuditEvent) -> dict:
    return {"id": event.id, "at": event.at.isoformat(timespec="seconds"), "actor": event.actor,
            "action": event.action, "entity": event.entity, "entity_id": event.entity_id,
            "before": _without_secrets(event.before), "after": _without_secrets(event.after)}
