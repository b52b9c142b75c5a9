"""An event's agenda: items with a day, a time, a title, speakers and documents.

Items live in the event's ``agenda`` list (JSON), each with an id so a form can
address it, kept in order of day and time. Speakers are profiles; each is also
linked to the event (``speaker_at``) so their profile lists where they speak.
Linked documents are Casebook documents, by number.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kb.audit import record
from kb.events import number_items
from kb.fields import Fields, whole_number
from kb.models import Document, Event, Person, PersonLink

TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def event_days(event: Event) -> list[str]:
    """The event's days (ISO dates), in the time zone it was given in."""
    first = datetime.fromisoformat(event.starts).date()
    last = datetime.fromisoformat(event.ends).date()
    return [(first + timedelta(days=n)).isoformat() for n in range(min((last - first).days, 60) + 1)]


def _day(fields: Fields, event: Event) -> str:
    days = event_days(event)
    value = fields.raw("day") or (days[0] if len(days) == 1 else "")
    if value not in days:
        fields.fail("day", "day")
    return value


def _ids(value) -> list[str]:
    items = value if isinstance(value, list) else re.split(r"[\s,;]+", str(value or ""))
    return [str(item).strip() for item in items if str(item).strip()][:50]


def _speakers(session: Session, fields: Fields) -> list[int]:
    raw = _ids(fields.data.get("speakers"))
    ids = [n for n in map(whole_number, raw) if n is not None]
    found = set(session.scalars(select(Person.id).where(Person.id.in_(ids)))) if ids else set()
    if len(found) != len(set(raw)):
        fields.fail("speakers", "speakers")
    return [i for i in dict.fromkeys(ids) if i in found]


def _documents(session: Session, fields: Fields) -> list[int]:
    raw = _ids(fields.data.get("documents"))
    ids = [n for n in map(whole_number, raw) if n is not None]
    found = set(session.scalars(select(Document.id).where(Document.id.in_(ids)))) if ids else set()
    missing = [v for v in raw if whole_number(v) not in found]
    if missing:
        fields.fail("documents", "documents", value=", ".join(missing))
    return [i for i in dict.fromkeys(ids) if i in found]


def clean_item(session: Session, event: Event, data: dict) -> dict:
    """A validated agenda item (without its id); FieldErrors says what is wrong with each field."""
    fields = Fields(data)
    time = fields.raw("time")
    if not TIME.fullmatch(time):
        fields.fail("time", "time" if time else "required")
    item = {"day": _day(fields, event), "time": time, "title": fields.text("title", 500, required=True),
            "speakers": _speakers(session, fields), "documents": _documents(session, fields)}
    fields.check()
    return item


def _store(session: Session, event: Event, agenda: list[dict], actor: str) -> None:
    before = list(event.agenda or [])
    event.agenda = sorted(agenda, key=lambda i: (i.get("day") or "", i.get("time") or "", i["id"]))
    session.execute(delete(PersonLink).where(PersonLink.entity == "event", PersonLink.entity_id == event.id,
                                             PersonLink.relation == "speaker_at"))
    speakers = dict.fromkeys(s for item in event.agenda for s in item.get("speakers") or [])
    session.add_all(PersonLink(person_id=s, entity="event", entity_id=event.id, relation="speaker_at")
                    for s in speakers)
    session.flush()
    record(session, actor, "edit_agenda", "event", event.id, {"agenda": before}, {"agenda": event.agenda})


def save_item(session: Session, event: Event, data: dict, actor: str, item_id: int | None = None) -> dict:
    """Add an item (or change item ``item_id``); returns it with its id."""
    item = clean_item(session, event, data)
    agenda = number_items(list(event.agenda or []))
    if item_id is None:
        item["id"] = max((i["id"] for i in agenda), default=0) + 1
        agenda.append(item)
    else:
        position = _position(agenda, item_id)
        item["id"] = item_id
        agenda[position] = item
    _store(session, event, agenda, actor)
    return item


def delete_item(session: Session, event: Event, item_id: int, actor: str) -> None:
    agenda = number_items(list(event.agenda or []))
    del agenda[_position(agenda, item_id)]
    _store(session, event, agenda, actor)


def find_item(event: Event, item_id: int) -> dict:
    agenda = number_items(list(event.agenda or []))
    return agenda[_position(agenda, item_id)]


def _position(agenda: list[dict], item_id: int) -> int:
    for position, item in enumerate(agenda):
        if item["id"] == item_id:
            return position
    raise LookupError(f"there is no agenda item {item_id}")

