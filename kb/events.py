"""Workshops and registration: events with an agenda, capacity and a waiting list.

Registering takes SQLite's write lock before counting places (an UPDATE of the
event comes first), so parallel sign-ups can never over-book. Beyond capacity a
registration is waitlisted and promoted when someone cancels. Cancellation
needs no account: a random token is mailed to the participant and only its
hash is stored. Participant data is purged a set time after the event.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kb.audit import record, snapshot
from kb.errors import InputError
from kb.fields import Fields, whole_number
from kb.models import Collection, Document, Event, Person, Registration, utcnow
from kb.moments import moment_field, naive_utc, time_zones, zone_field
from kb.record_ids import holds_id

MODES = ("onsite", "online", "hybrid")
ATTENDANCE = ("onsite", "online")
EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")


def _collection_id(session: Session, fields: Fields) -> int | None:
    raw = fields.raw("collection_id")
    if not raw:
        return None
    number = whole_number(raw)
    collection = session.get(Collection, number) if number is not None else None
    if collection is None or collection.deleted_at is not None:
        fields.fail("collection_id", "collection")
        return None
    return collection.id


def clean_event(session: Session, data: dict) -> dict:
    """Validated event fields; FieldErrors says what is wrong with each field.

    Dates carry an offset (the API) or are local times of the time zone ``zone``
    names (the web form); the offset is kept as given, with the UTC moment beside it.
    """
    fields = Fields(data)
    zone = zone_field(fields)
    starts, ends = moment_field(fields, "starts", zone), moment_field(fields, "ends", zone)
    deadline = moment_field(fields, "registration_deadline", zone, required=False)
    if starts and ends and ends < starts:
        fields.fail("ends", "ends_before_starts")
    if deadline and ends and deadline > ends:
        fields.fail("registration_deadline", "deadline_after_end")
    values = {"title": fields.text("title", 500, required=True), "description": fields.text("description", 20000) or "",
              "mode": fields.choice("mode", MODES, "onsite"), "place": fields.text("place", 500),
              "online_link": fields.url("online_link"), "capacity": fields.whole_number("capacity"),
              "collection_id": _collection_id(session, fields)}
    agenda = data.get("agenda")
    if agenda is not None and not (isinstance(agenda, list) and all(map(_well_formed_item, agenda))):
        fields.fail("agenda", "agenda")
    elif agenda:
        _check_agenda_ids(session, fields, agenda)
    fields.check()
    values.update(starts=starts.isoformat(), ends=ends.isoformat(), starts_utc=naive_utc(starts),
                  ends_utc=naive_utc(ends), registration_deadline=naive_utc(deadline) if deadline else None)
    if agenda is not None:
        values["agenda"] = number_items(agenda)
    return values


def _check_agenda_ids(session: Session, fields: Fields, agenda: list[dict]) -> None:
    """The speakers and documents an agenda names must exist (the form offers only those that do)."""
    for key, model, message in (("speakers", Person, "speakers"), ("documents", Document, "documents")):
        wanted = {n for item in agenda for n in item.get(key) or []}
        storable = {n for n in wanted if holds_id(session, n)}
        found = set(session.scalars(select(model.id).where(model.id.in_(storable)))) if storable else set()
        missing = sorted(wanted - found)
        if missing:
            fields.fail("agenda", message, value=", ".join(map(str, missing[:20])))


def _well_formed_item(item) -> bool:
    """An agenda item as pages and the agenda form read it (sent whole through the API, it is not
    checked field by field as the form does): texts where texts go, lists of ids for people and documents."""
    if not isinstance(item, dict) or not isinstance(item.get("title"), str):
        return False
    texts = all(isinstance(item.get(key), (str, type(None))) for key in ("day", "time"))
    ids = all(isinstance(item.get(key, []), list) and all(isinstance(v, int) and not isinstance(v, bool) for v in
                                                          item.get(key, [])) for key in ("speakers", "documents"))
    return texts and ids


def create_event(session: Session, data: dict, actor: str) -> Event:
    event = Event(**{"agenda": [], **clean_event(session, data)}, created_by=actor)
    session.add(event)
    session.flush()
    record(session, actor, "create", "event", event.id, None, snapshot(event))
    return event


def update_event(session: Session, event: Event, data: dict, actor: str) -> Event:
    """Change an event's fields (its agenda too when ``data`` has one); audited before and after."""
    values = clean_event(session, data)
    before = snapshot(event)
    for name, value in values.items():
        setattr(event, name, value)
    session.flush()
    record(session, actor, "edit", "event", event.id, before, snapshot(event))
    return event


def number_items(agenda: list[dict]) -> list[dict]:
    """Agenda items each with an ``id`` (kept when they have one), so a form can address one item."""
    next_id = max((i["id"] for i in agenda if isinstance(i.get("id"), int)), default=0) + 1
    numbered = []
    for item in agenda:
        if not isinstance(item.get("id"), int):
            item, next_id = {**item, "id": next_id}, next_id + 1
        numbered.append(item)
    return numbered


def event_zone(event: Event) -> str:
    """A time zone of the list whose offset at the event's start is the one it was given with."""
    starts = datetime.fromisoformat(event.starts)
    preferred = ("Europe/Brussels", *time_zones())
    return next((z for z in preferred if ZoneInfo(z).utcoffset(starts.replace(tzinfo=None)) == starts.utcoffset()),
                "UTC")


class DuplicateRegistration(InputError):
    """This email address already holds a place (or a waiting-list place) at the event."""


ACTIVE = ("confirmed", "waitlisted")


def validate_registration(data: dict) -> dict:
    if data.get("consent") is not True:
        raise InputError("registration needs your consent to store your name and email for this event")
    name = str(data.get("name") or "").strip()
    email = str(data.get("email") or "").strip()
    if not name or len(name) > 300:
        raise InputError("please give your name")
    if not EMAIL.match(email) or len(email) > 300:
        raise InputError("please give a valid email address")
    attendance = data.get("attendance") or "onsite"
    if attendance not in ATTENDANCE:
        raise InputError(f"attendance must be one of {', '.join(ATTENDANCE)}")
    return {"name": name, "email": email, "organisation": str(data.get("organisation") or "").strip()[:300] or None,
            "attendance": attendance}


def registration_open(event: Event, now: datetime) -> bool:
    """Whether a sign-up is taken at ``now`` (UTC): neither the deadline nor the end has passed."""
    return not (event.registration_deadline and now > event.registration_deadline or now > event.ends_utc)


def register(session: Session, event_id: int, data: dict, now: datetime | None = None) -> tuple[Registration, str]:
    """Sign up for an event; returns (registration, cancel token). Call inside one transaction."""
    values = validate_registration(data)
    now = now or utcnow()
    # Take the write lock first, so the count below cannot be stale when we insert.
    if session.execute(update(Event).where(Event.id == event_id).values(signups=Event.signups + 1)).rowcount != 1:
        raise LookupError(f"there is no event {event_id}")
    event = session.get(Event, event_id)
    if not registration_open(event, now):
        raise InputError("registration for this event is closed")
    if (event.mode == "onsite" and values["attendance"] == "online"
            or event.mode == "online" and values["attendance"] == "onsite"):
        raise InputError(f"this event is {event.mode} only")
    taken = session.scalar(select(func.count()).where(Registration.event_id == event_id,
                                                      Registration.status.in_(ACTIVE),
                                                      func.lower(Registration.email) == values["email"].lower()))
    if taken:  # one address, one place: otherwise one person could take every place of an event
        raise DuplicateRegistration("this email address is already registered for this event; "
                                    "use the link in your confirmation to change or cancel it")
    confirmed = session.scalar(select(func.count()).where(Registration.event_id == event_id,
                                                          Registration.status == "confirmed"))
    full = event.capacity is not None and confirmed >= event.capacity
    token = secrets.token_urlsafe(32)
    registration = Registration(event_id=event_id, status="waitlisted" if full else "confirmed", consent_at=now,
                                cancel_hash=hash_token(token), **values)
    session.add(registration)
    session.flush()
    return registration, token


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def cancel(session: Session, token: str) -> tuple[Registration, Registration | None]:
    """Cancel the registration of ``token``; returns it and the waitlisted one promoted, if any."""
    registration = session.scalar(select(Registration).where(Registration.cancel_hash == hash_token(token)))
    if registration is None:
        raise LookupError("this cancel link is not valid (any more)")
    session.execute(update(Event).where(Event.id == registration.event_id).values(signups=Event.signups))
    was_confirmed, before = registration.status == "confirmed", registration.status
    registration.status = "cancelled"
    promoted = None
    if was_confirmed:
        promoted = session.scalar(select(Registration).where(Registration.event_id == registration.event_id,
                                                             Registration.status == "waitlisted")
                                  .order_by(Registration.id).limit(1))
        if promoted is not None:
            promoted.status = "confirmed"
    session.flush()
    # No name or email: the trail is kept after the participants' data are purged.
    record(session, None, "cancel", "registration", registration.id,
           {"event_id": registration.event_id, "status": before},
           {"event_id": registration.event_id, "status": "cancelled",
            "promoted_registration": promoted.id if promoted else None})
    return registration, promoted


def participants(session: Session, event_id: int) -> list[Registration]:
    return list(session.scalars(select(Registration).where(Registration.event_id == event_id)
                                .order_by(Registration.id)))


def purge_participants(session: Session, retention_days: int = 90, now: datetime | None = None) -> int:
    """Delete participant data of events that ended more than ``retention_days`` ago."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    old_events = list(session.scalars(select(Event.id).where(Event.ends_utc < cutoff)))
    if not old_events:
        return 0
    rows = list(session.scalars(select(Registration).where(Registration.event_id.in_(old_events))))
    for row in rows:
        session.delete(row)
    if rows:
        record(session, "retention", "purge", "registration", None, None,
               {"deleted": len(rows), "events": old_events, "retention_days": retention_days})
    return len(rows)
