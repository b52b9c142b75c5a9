"""Collections: curated, annotated sets of documents and cases, optionally for an event.

Visibility: ``private`` (its curators and admins only), ``unlisted`` (anyone with
the link; never listed or in feeds), ``public``. A collection's curators are the
users who may edit it. Every change is an audit event whose ``before`` and
``after`` are full snapshots (items and curators included), so a deleted
collection can be rebuilt exactly from its history. A rejected or deleted case
cannot be added, and one rejected or deleted after it was added is shown to the
collection's curators only (marked hidden), never to its readers.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kb import audit
from kb.accounts import role_at_least
from kb.errors import InputError
from kb.models import Case, Collection, CollectionCurator, CollectionItem, Document, User, utcnow
from kb.record_ids import get_record

VISIBILITIES = ("private", "unlisted", "public")
EVENT_MODES = ("onsite", "online", "hybrid")
TEXT_LIMITS = {"title": 500, "description": 20000, "event_name": 500, "event_place": 500,
               "event_start": 40, "event_end": 40}


class CollectionError(InputError):
    """A collection cannot be changed as asked; the message says why."""


def curator_ids(session: Session, collection_id: int) -> set[int]:
    return set(session.scalars(select(CollectionCurator.user_id)
                               .where(CollectionCurator.collection_id == collection_id)))


def can_edit(session: Session, collection: Collection, viewer) -> bool:
    """Admins, and curators or above who are among the collection's curators."""
    if viewer is None or not role_at_least(viewer.role, "curator"):
        return False
    return role_at_least(viewer.role, "admin") or viewer.id in curator_ids(session, collection.id)


def can_view(session: Session, collection: Collection, viewer, key: str | None = None) -> bool:
    """Public: anyone. Unlisted: anyone with the link (which carries the share key). Private: its curators."""
    if collection.deleted_at is not None:
        return viewer is not None and role_at_least(viewer.role, "curator") and can_edit(session, collection, viewer)
    if collection.visibility == "public":
        return True
    if collection.visibility == "unlisted" and key and collection.share_key:
        if hmac.compare_digest(key, collection.share_key):
            return True
    return can_edit(session, collection, viewer)


def clean_fields(data: dict, partial: bool = False) -> dict:
    """Validated collection fields from user input; CollectionError on a bad value."""
    values = {}
    for name, limit in TEXT_LIMITS.items():
        if name in data:
            raw = data[name]
            if raw is not None and not isinstance(raw, str):
                raise CollectionError(f"{name} must be text")
            values[name] = (raw or "").strip()[:limit] or (None if name.startswith("event_") else "")
    if not partial and not values.get("title"):
        raise CollectionError("a collection needs a title")
    if "title" in values and not values["title"]:
        raise CollectionError("a collection needs a title")
    if "visibility" in data or not partial:
        visibility = data.get("visibility") or "private"
        if visibility not in VISIBILITIES:
            raise CollectionError(f"visibility must be one of {', '.join(VISIBILITIES)}")
        values["visibility"] = visibility
    if data.get("event_mode") not in (None, ""):
        if data["event_mode"] not in EVENT_MODES:
            raise CollectionError(f"event mode must be one of {', '.join(EVENT_MODES)}")
        values["event_mode"] = data["event_mode"]
    elif "event_mode" in data:
        values["event_mode"] = None
    if "agenda" in data:
        values["agenda"] = clean_agenda(data["agenda"])
    _check_dates(values)
    return values


def _check_dates(values: dict) -> None:
    """Event dates are ISO dates (2027-03-10) or date-times; the end is not before the start."""
    for name in ("event_start", "event_end"):
        if values.get(name):
            try:
                datetime.fromisoformat(values[name])
            except ValueError:
                raise CollectionError(f"{name.replace('_', ' ')} must be a date like 2027-03-10") from None
    start, end = values.get("event_start"), values.get("event_end")
    if start and end and end[:10] < start[:10]:
        raise CollectionError("the event ends before it starts")


def clean_agenda(agenda) -> list[dict]:
    """Agenda items as [{"time", "title", "speakers"}]; text lines "time | title | speakers" also work."""
    if agenda in (None, ""):
        return []
    if isinstance(agenda, str):
        agenda = [dict(zip(("time", "title", "speakers"), (p.strip() for p in line.split("|"))))
                  for line in agenda.splitlines() if line.strip()]
    if not isinstance(agenda, list) or not all(isinstance(item, dict) for item in agenda):
        raise CollectionError("agenda must be a list of items with time, title and speakers")
    return [{key: str(item.get(key) or "").strip()[:500] for key in ("time", "title", "speakers")}
            for item in agenda[:200]]


def full_snapshot(session: Session, collection: Collection) -> dict:
    """The collection with its items (in order) and curators, as plain JSON."""
    data = audit.snapshot(collection)
    data["items"] = [audit.snapshot(item) for item in items_of(session, collection.id)]
    data["curators"] = sorted(curator_ids(session, collection.id))
    return data


def items_of(session: Session, collection_id: int, readers: bool = False) -> list[CollectionItem]:
    """The items in order; with ``readers``, only those a reader may see (no rejected or deleted case)."""
    items = list(session.scalars(select(CollectionItem).where(CollectionItem.collection_id == collection_id)
                                 .order_by(CollectionItem.position, CollectionItem.id)))
    return [item for item in items if _readable(session, item.document_id, item.case_id)] if readers else items


def _readable(session: Session, document_id: int | None, case_id: int | None) -> bool:
    """False for a rejected or deleted case, or the search document mirroring one."""
    if document_id is not None:
        document = session.get(Document, document_id)
        if document is None or document.origin != "case":
            return True
        case_id = (document.meta or {}).get("case_id")
    case = session.get(Case, case_id) if isinstance(case_id, int) else None
    return case is not None and case.deleted_at is None and case.review_state != "rejected"


def create_collection(session: Session, data: dict, owner: User | None, actor: str | None) -> Collection:
    collection = Collection(**{"description": "", "agenda": [], **clean_fields(data)}, created_by=actor,
                            share_key=secrets.token_urlsafe(16))
    session.add(collection)
    session.flush()
    if owner is not None:
        session.add(CollectionCurator(collection_id=collection.id, user_id=owner.id))
        session.flush()
    audit.record(session, actor, "create", "collection", collection.id, None, full_snapshot(session, collection))
    return collection


def _audited(action: str):
    """Run a change to a collection between a before and an after snapshot."""
    def decorate(change):
        @functools.wraps(change)
        def run(session: Session, collection: Collection, *args, actor: str | None = None, **kwargs):
            before = full_snapshot(session, collection)
            result = change(session, collection, *args, **kwargs)
            collection.updated_at = utcnow()
            session.flush()
            audit.record(session, actor, action, "collection", collection.id, before,
                         full_snapshot(session, collection))
            return result
        return run
    return decorate


@_audited("update")
def update_collection(session: Session, collection: Collection, data: dict) -> None:
    for key, value in clean_fields(data, partial=True).items():
        setattr(collection, key, value)


@_audited("add_item")
def add_item(session: Session, collection: Collection, *, document_id: int | None = None,
             case_id: int | None = None, note: str = "", added_by: str | None = None) -> CollectionItem:
    """Append a document or a case (not both); adding the same one twice is refused."""
    if (document_id is None) == (case_id is None):
        raise CollectionError("add either a document or a case")
    if document_id is not None and get_record(session, Document, document_id) is None:
        raise CollectionError(f"there is no document {document_id}")
    if case_id is not None and get_record(session, Case, case_id) is None:
        raise CollectionError(f"there is no case {case_id}")
    if not _readable(session, document_id, case_id):
        raise CollectionError("a rejected or deleted case cannot be added to a collection")
    for item in items_of(session, collection.id):
        if (item.document_id, item.case_id) == (document_id, case_id):
            raise CollectionError("this is already in the collection")
    last = session.scalar(select(func.max(CollectionItem.position))
                          .where(CollectionItem.collection_id == collection.id))
    item = CollectionItem(collection_id=collection.id, document_id=document_id, case_id=case_id,
                          position=(last or 0) + 1, note=(note or "").strip()[:5000], added_by=added_by)
    session.add(item)
    return item


def _item(session: Session, collection: Collection, item_id: int) -> CollectionItem:
    item = session.get(CollectionItem, item_id)
    if item is None or item.collection_id != collection.id:
        raise CollectionError(f"item {item_id} is not in this collection")
    return item


@_audited("note")
def set_note(session: Session, collection: Collection, item_id: int, note: str) -> None:
    _item(session, collection, item_id).note = (note or "").strip()[:5000]


@_audited("remove_item")
def remove_item(session: Session, collection: Collection, item_id: int) -> None:
    session.delete(_item(session, collection, item_id))


@_audited("reorder")
def move_item(session: Session, collection: Collection, item_id: int, offset: int) -> None:
    """Move an item up (offset -1) or down (+1); positions are renumbered 1..n."""
    items = items_of(session, collection.id)
    index = items.index(_item(session, collection, item_id))
    target = max(0, min(len(items) - 1, index + offset))
    items.insert(target, items.pop(index))
    for position, item in enumerate(items, start=1):
        item.position = position


@_audited("reorder")
def reorder(session: Session, collection: Collection, item_ids: list[int]) -> None:
    """Put the items in the order of ``item_ids`` (which must name every item once)."""
    items = {item.id: item for item in items_of(session, collection.id)}
    if sorted(item_ids) != sorted(items):
        raise CollectionError("the new order must list every item of the collection once")
    for position, item_id in enumerate(item_ids, start=1):
        items[item_id].position = position


@_audited("add_curator")
def add_curator(session: Session, collection: Collection, name: str) -> None:
    user = session.scalar(select(User).where(User.name == name))
    if user is None or user.disabled or not role_at_least(user.role, "curator"):
        # One answer for all three: the form must not tell which names exist (user enumeration).
        raise CollectionError(f"there is no active curator named {name!r}")
    if user.id not in curator_ids(session, collection.id):
        session.add(CollectionCurator(collection_id=collection.id, user_id=user.id))


@_audited("remove_curator")
def remove_curator(session: Session, collection: Collection, user_id: int) -> None:
    if curator_ids(session, collection.id) == {user_id}:
        raise CollectionError("a collection keeps at least one curator")
    session.execute(delete(CollectionCurator).where(CollectionCurator.collection_id == collection.id,
                                                    CollectionCurator.user_id == user_id))


@_audited("delete")
def delete_collection(session: Session, collection: Collection) -> None:
    """Soft delete: hidden from everyone, restorable by a curator."""
    collection.deleted_at = utcnow()


def restore_collection(session: Session, collection_id: int, actor: str | None) -> Collection:
    """Undo the latest deletion: the collection, its items and curators exactly as before it.

    Works from the audit trail alone, so it also rebuilds a collection whose rows
    were removed from the database after the soft delete.
    """
    event = next((e for e in audit.history(session, "collection", collection_id, limit=10_000)
                  if e.action == "delete"), None)
    if event is None or event.before is None:
        raise CollectionError(f"collection {collection_id} has no deletion to undo")
    collection = session.get(Collection, collection_id)
    current = full_snapshot(session, collection) if collection is not None else None
    if collection is not None and collection.deleted_at is None:
        raise CollectionError(f"collection {collection_id} is not deleted")
    _rebuild(session, collection_id, collection, event.before)
    collection = session.get(Collection, collection_id)
    audit.record(session, actor, "restore", "collection", collection_id, current, full_snapshot(session, collection))
    return collection


def _rebuild(session: Session, collection_id: int, collection: Collection | None, data: dict) -> None:
    values = audit.revive(Collection, data)
    if collection is None:  # the trail holds no share key: an unlisted collection gets a new link
        session.add(Collection(**values, share_key=secrets.token_urlsafe(16)))
    else:
        for key, value in values.items():
            setattr(collection, key, value)
    session.flush()
    session.execute(delete(CollectionItem).where(CollectionItem.collection_id == collection_id))
    session.execute(delete(CollectionCurator).where(CollectionCurator.collection_id == collection_id))
    for item in data.get("items", []):
        session.add(CollectionItem(**audit.revive(CollectionItem, item)))
    for user_id in data.get("curators", []):
        if session.get(User, user_id) is not None:
            session.add(CollectionCurator(collection_id=collection_id, user_id=user_id))
    session.flush()


def visible_collections(session: Session, viewer, listed_only: bool = True) -> list[Collection]:
    """Public collections, plus every collection the viewer curates (or all, for admins)."""
    rows = session.scalars(select(Collection).where(Collection.deleted_at.is_(None))
                           .order_by(Collection.updated_at.desc()))
    return [c for c in rows if c.visibility == "public" or can_edit(session, c, viewer)
            or (not listed_only and c.visibility == "unlisted")]


def collection_json(session: Session, collection: Collection, for_curators: bool = False) -> dict:
    """The collection as its readers see it; ``for_curators`` adds the hidden items, marked so."""
    items = []
    for item in items_of(session, collection.id):
        hidden = not _readable(session, item.document_id, item.case_id)
        if hidden and not for_curators:
            continue
        entry = {"id": item.id, "position": item.position, "note": item.note,
                 "document_id": item.document_id, "case_id": item.case_id, "hidden": hidden}
        target = session.get(Document, item.document_id) if item.document_id else session.get(Case, item.case_id)
        entry["title"] = target.title if target else None
        entry["url"] = getattr(target, "url", None) if item.document_id else None
        items.append(entry)
    return {"id": collection.id, "title": collection.title, "description": collection.description,
            "visibility": collection.visibility,
            "event": {"name": collection.event_name, "start": collection.event_start, "end": collection.event_end,
                      "place": collection.event_place, "mode": collection.event_mode, "agenda": collection.agenda},
            "items": items, "updated_at": collection.updated_at.isoformat(timespec="seconds")}
