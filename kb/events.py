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
from datetime import datetime, timedelta, timezone

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from kb.audit import record
from kb.errors import InputError
from kb.models import Base, utcnow

MODES = ("onsite", "online", "hybrid")
ATTENDANCE = ("onsite", "online")
EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")


class Event(Base):
    """A workshop or meeting: when, where, how, and its agenda."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    starts: Mapped[str] = mapped_column(String(40))
    ends: Mapped[str] = mapped_column(String(40))
    starts_utc: Mapped[datetime] = mapped_column(DateTime, index=True)
    ends_utc: Mapped[datetime] = mapped_column(DateTime)
    mode: Mapped[str] = mapped_column(String(10), default="onsite")
    place: Mapped[str | None] = mapped_column(String(500))
    online_link: Mapped[str | None] = mapped_column(String(1000))
    capacity: Mapped[int | None] = mapped_column(Integer)
    registration_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    agenda: Mapped[list] = mapped_column(default=list)
    collection_id: Mapped[int | None] = mapped_column(ForeignKey("collection.id"))
    created_by: Mapped[str | None] = mapped_column(String(200))
    signups: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Registration(Base):
    """One participant's sign-up; personal data, purged after the event."""

    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(300))
    organisation: Mapped[str | None] = mapped_column(String(300))
    attendance: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12))
    consent_at: Mapped[datetime] = mapped_column(DateTime)
    cancel_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def parse_moment(value, name: str) -> tuple[str, datetime]:
    """(the ISO text as given, the UTC moment); an offset is required."""
    try:
        moment = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise InputError(f"{name} must be an ISO 8601 date-time with an offset, e.g. 2022-09-21T09:00:00+02:00") from None
    if moment.tzinfo is None:
        raise InputError(f"{name} needs a time-zone offset (e.g. +02:00)")
    return moment.isoformat(), moment.astimezone(timezone.utc).replace(tzinfo=None)


def create_event(session: Session, data: dict, actor: str) -> Event:
    title = str(data.get("title") or "").strip()
    if not title:
        raise InputError("an event needs a title")
    starts, starts_utc = parse_moment(data.get("starts"), "starts")
    ends, ends_utc = parse_moment(data.get("ends"), "ends")
    if ends_utc < starts_utc:
        raise InputError("ends is before starts")
    mode = data.get("mode") or "onsite"
    if mode not in MODES:
        raise InputError(f"mode must be one of {', '.join(MODES)}")
    capacity = data.get("capacity")
    if capacity is not None and (not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 0):
        raise InputError("capacity must be a whole number of places (or null for no limit)")
    link = data.get("online_link")
    if link and not str(link).startswith(("https://", "http://")):
        raise InputError("online_link must be an http(s) URL")
    deadline = parse_moment(data["registration_deadline"], "registration_deadline")[1] \
        if data.get("registration_deadline") else None
    event = Event(title=title[:500], description=str(data.get("description") or ""), starts=starts, ends=ends,
                  starts_utc=starts_utc, ends_utc=ends_utc, mode=mode, place=data.get("place"),
                  online_link=data.get("online_link"), capacity=capacity, registration_deadline=deadline,
                  agenda=list(data.get("agenda") or []), collection_id=data.get("collection_id"), created_by=actor)
    session.add(event)
    session.flush()
    record(session, actor, "create", "event", event.id, None, {"title": event.title})
    return event


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


def register(session: Session, event_id: int, data: dict, now: datetime | None = None) -> tuple[Registration, str]:
    """Sign up for an event; returns (registration, cancel token). Call inside one transaction."""
    values = validate_registration(data)
    now = now or utcnow()
    # Take the write lock first, so the count below cannot be stale when we insert.
    if session.execute(update(Event).where(Event.id == event_id).values(signups=Event.signups + 1)).rowcount != 1:
        raise LookupError(f"there is no event {event_id}")
    event = session.get(Event, event_id)
    if event.registration_deadline and now > event.registration_deadline or now > event.ends_utc:
        raise InputError("registration for this event is closed")
    if event.mode == "onsite" and values["attendance"] == "online" or event.mode == "online" and values["attendance"] == "onsite":
        raise InputError(f"this event is {event.mode} only")
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
    was_confirmed = registration.status == "confirmed"
    registration.status = "cancelled"
    promoted = None
    if was_confirmed:
        promoted = session.scalar(select(Registration).where(Registration.event_id == registration.event_id,
                                                             Registration.status == "waitlisted")
                                  .order_by(Registration.id).limit(1))
        if promoted is not None:
            promoted.status = "confirmed"
    session.flush()
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
