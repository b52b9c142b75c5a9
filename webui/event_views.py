"""What the workshop pages share: an event as JSON, its agenda with names and titles, how its
registration stands, its dates in the reader's language, and the event page itself (shown again
with the error when a sign-up on it is refused). The online link goes only to organisers here;
participants get it through their personal link (``webui.event_signup``).
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_datetime
from flask import abort, g, render_template
from flask_babel import format_date, gettext, lazy_gettext
from sqlalchemy import func

from kb.collections import can_view
from kb.events import number_items, participants, registration_open
from kb.models import Collection, Document, Event, Person, Registration, utcnow
from webui.context import kb
from webui.i18n import ui_language

HONEYPOT = "website"
MODE_NAMES = {"onsite": lazy_gettext("on site"), "online": lazy_gettext("online"),
              "hybrid": lazy_gettext("hybrid (on site and online)")}


def event_json(event: Event, with_link: bool = False) -> dict:
    data = {"id": event.id, "title": event.title, "description": event.description, "starts": event.starts,
            "ends": event.ends, "mode": event.mode, "place": event.place, "capacity": event.capacity,
            "agenda": event.agenda, "collection_id": event.collection_id,
            "registration_deadline": event.registration_deadline.isoformat() if event.registration_deadline else None}
    if with_link:
        data["online_link"] = event.online_link
    return data


def event_or_404(db, event_id: int) -> Event:
    event = db.get(Event, event_id)
    if event is None:
        abort(404, gettext("There is no event %(id)s.", id=event_id))
    return event


def is_organiser() -> bool:
    viewer = g.get("viewer")
    return viewer is not None and viewer.at_least("curator")


def _places(db, event: Event) -> dict:
    """How registration stands: open or not, places left (None: no limit) and who waits."""
    counts = dict(db.query(Registration.status, func.count()).filter(Registration.event_id == event.id)
                  .group_by(Registration.status).all())
    confirmed, waiting = counts.get("confirmed", 0), counts.get("waitlisted", 0)
    left = None if event.capacity is None else max(event.capacity - confirmed, 0)
    return {"open": registration_open(event, utcnow()), "left": left, "waiting": waiting}


def agenda_view(db, event: Event) -> list[dict]:
    """Agenda items with their speakers' names (public profiles, or all for organisers) and documents' titles."""
    items = number_items(list(event.agenda or []))
    person_ids = {s for item in items for s in item.get("speakers") or []}
    doc_ids = {d for item in items for d in item.get("documents") or []}
    people = {p.id: p.name for p in db.query(Person).filter(Person.id.in_(person_ids))
              if p.is_public or is_organiser()}
    documents = {d.id: d.title or d.url for d in db.query(Document).filter(Document.id.in_(doc_ids))}
    return [{**item, "day_label": day_label(item.get("day")),
             "speaker_names": [(i, people[i]) for i in item.get("speakers") or [] if i in people],
             "document_titles": [(i, documents[i]) for i in item.get("documents") or [] if i in documents]}
            for item in items]


# "Wednesday 21 September 2022", "woensdag 21 september 2022": CLDR's "full" date is American in English
DAY = "EEEE d MMMM y"


def day_label(day: str | None) -> str:
    try:
        return format_date(date.fromisoformat(day), DAY) if day else ""
    except ValueError:
        return day or ""


def moment_text(moment_iso: str) -> str:
    """An event's start or end as people read it in the UI language, at the UTC offset it was given with."""
    moment = datetime.fromisoformat(moment_iso)
    return format_datetime(moment, f"{DAY}, HH:mm ZZZZ", tzinfo=moment.tzinfo, locale=ui_language())


def _linked_collection(db, event: Event) -> tuple[int, str] | None:
    collection = db.get(Collection, event.collection_id) if event.collection_id else None
    if collection is None or not can_view(db, collection, g.get("viewer")):
        return None
    return collection.id, collection.title


def show_page(event_id: int, status: int = 200, **extra):
    with kb().session() as db:
        event = event_or_404(db, event_id)
        data = event_json(event, with_link=is_organiser())
        agenda, collection, places = agenda_view(db, event), _linked_collection(db, event), _places(db, event)
    return render_template("events/show.html", event=data, agenda=agenda, collection=collection, places=places,
                           honeypot=HONEYPOT, mode_names=MODE_NAMES, moment_text=moment_text, **extra), status


def participants_json(event_id: int) -> list[dict]:
    with kb().session() as db:
        event_or_404(db, event_id)
        return [{"id": r.id, "name": r.name, "email": r.email, "organisation": r.organisation,
                 "attendance": r.attendance, "status": r.status, "registered_at": r.created_at.isoformat()}
                for r in participants(db, event_id)]
