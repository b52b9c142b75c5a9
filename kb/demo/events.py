"""The demo's workshop series: events with their agendas, places and collections.

`kb demo` leaves the series of the seed as a curator would have entered it (records/
workshops.yaml): the first, hybrid workshop on smart city governance, whose text, dates
and agenda come from the bundled site's own workshop page, the later online workshops of
2022-2024, and one upcoming example event, dated relative to the day the demo is built,
whose registration is open. Each event has a public collection of cases and pages, each
item with the curator's note saying why it is there. Everything goes through kb.events,
kb.agenda and kb.collections, so it is validated and audited as the web forms' input is.

Running it again on the same data folder adds nothing twice: an event or a collection that
is there already (by title) is kept as its curators left it; only the upcoming example is
dated again, so that it stays upcoming.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import agenda as agenda_ops
from kb.accounts import Actor
from kb.collections import add_item, create_collection, update_collection
from kb.errors import InputError
from kb.events import create_event, update_event
from kb.demo.curation import DEMO_SOURCE_KEY
from kb.models import Case, Collection, Document, Event, Source, User

RECORDS = Path(__file__).resolve().parent / "records" / "workshops.yaml"
CONTENT = Path(__file__).resolve().parent / "content"


class DemoContentError(InputError):
    """The demo's records name a case, a page or a speaker the demo does not have."""


@dataclass
class DemoEvents:
    """What adding the series did: the events by key, and how many were new."""

    events: dict[str, int] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    collections: dict[str, int] = field(default_factory=dict)


@dataclass
class Lookup:
    """Cases by the slug of their page, pages by path, speakers by key: the demo source's, whichever
    address (port) the demo site had when it was crawled."""

    session: Session
    speakers: dict[str, int]

    def _pages(self, pattern: str):
        source = select(Source.id).where(Source.key == DEMO_SOURCE_KEY).scalar_subquery()
        return select(Document).where(Document.source_id == source, Document.url.like(pattern, escape="\\"))

    def case(self, slug: str) -> Case:
        pages = self._pages(f"%/cases/{_escaped(slug)}/%").with_only_columns(Document.id)
        case = self.session.scalar(select(Case).where(Case.from_document_id.in_(pages), Case.deleted_at.is_(None))
                                   .order_by(Case.id).limit(1))
        if case is None:
            raise DemoContentError(f"the demo has no case drafted from the page of {slug!r}")
        return case

    def page(self, path: str) -> Document:
        document = self.session.scalar(self._pages(f"%://%{_escaped(path)}").order_by(Document.id).limit(1))
        if document is None:  # merged as a duplicate of another page: that page holds it in also_at
            document = next((d for d in self.session.scalars(self._pages("%"))
                             if any(url.endswith(path) for url in d.also_at or [])), None)
        if document is None:
            raise DemoContentError(f"the demo site has no page {path!r}")
        return document

    def case_document(self, slug: str) -> int:
        """The search document of a case (what an agenda links to)."""
        document_id = self.case(slug).document_id
        if document_id is None:
            raise DemoContentError(f"the case of {slug!r} has no search document")
        return document_id

    def speaker(self, key: str) -> int:
        if key not in self.speakers:
            raise DemoContentError(f"the demo has no expert {key!r}")
        return self.speakers[key]


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def load_records(path: Path = RECORDS) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def first_workshop(spec: dict) -> dict:
    """The first workshop as an event spec, from the demo site's own page content (English)."""
    page = load_records(CONTENT / spec["from_site"])
    version = page["versions"]["en"]
    agenda = [{"day": day["date"], "time": at, "title": title} for day in version["days"]
              for at, title in day["sessions"]]
    for item in agenda:
        slot = f"{item['day']} {item['time']}"
        item["speakers"] = spec.get("speakers", {}).get(slot, [])
        item["documents"] = spec.get("documents", {}).get(slot, [])
    first, last = agenda[0], agenda[-1]
    return {**spec, "title": version["title"], "description": f"{version['summary']}\n\n{version['body'].strip()}",
            "starts": f"{first['day']}T{first['time']}:00", "ends": f"{last['day']}T{last['time']}:00",
            "mode": page["attendance"], "agenda": agenda}


def upcoming_example(spec: dict, today: date) -> dict:
    """The example event, ``days_ahead`` days after ``today``, its registration open until a deadline."""
    day = today + timedelta(days=spec["days_ahead"])
    starts = datetime.combine(day, time.fromisoformat(spec["time"]))
    ends = starts + timedelta(hours=spec["hours"])
    deadline = starts - timedelta(days=spec["deadline_days_before"])
    agenda = [{**item, "day": day.isoformat()} for item in spec["agenda"]]
    return {**spec, "starts": starts.isoformat(), "ends": ends.isoformat(),
            "registration_deadline": deadline.isoformat(), "agenda": agenda}


def event_specs(today: date, records: dict | None = None) -> list[dict]:
    """Every event of the demo in order: the series, then the upcoming example."""
    records = records or load_records()
    series = [first_workshop(spec) if spec.get("from_site") else spec for spec in records["series"]]
    return [*series, upcoming_example(records["upcoming"], today)]


def _collection(session: Session, event: dict, lookup: Lookup, curator: Actor) -> Collection:
    """The event's public collection (created with its noted items once, then kept as curators leave it)."""
    wanted = event["collection"]
    found = session.scalar(select(Collection).where(Collection.title == wanted["title"],
                                                    Collection.deleted_at.is_(None)))
    if found is not None:
        return found
    owner = session.get(User, curator.id) if curator.id else None
    collection = create_collection(session, {
        "title": wanted["title"], "description": wanted.get("description", ""), "visibility": "public",
        "event_name": event["title"], "event_start": event["starts"][:10], "event_end": event["ends"][:10],
        "event_place": event.get("place"), "event_mode": event["mode"]}, owner, curator.name)
    for item in wanted["items"]:
        target = ({"case_id": lookup.case(item["case"]).id} if "case" in item
                  else {"document_id": lookup.page(item["page"]).id})
        add_item(session, collection, note=item["note"], added_by=curator.name, actor=curator.name, **target)
    return collection


def _event_data(spec: dict, collection_id: int) -> dict:
    return {"title": spec["title"], "description": spec.get("description", "").strip(), "starts": spec["starts"],
            "ends": spec["ends"], "zone": spec["zone"], "mode": spec["mode"], "place": spec.get("place"),
            "capacity": spec.get("capacity"), "registration_deadline": spec.get("registration_deadline"),
            "collection_id": collection_id}


def _add_agenda(session: Session, event: Event, spec: dict, lookup: Lookup, curator: Actor) -> None:
    for item in spec.get("agenda", []):
        data = {"day": item["day"], "time": item["time"], "title": item["title"],
                "speakers": [lookup.speaker(key) for key in item.get("speakers", []) if lookup.speakers],
                "documents": [lookup.case_document(slug) for slug in item.get("documents", [])]}
        agenda_ops.save_item(session, event, data, curator.name)


def add_demo_events(session: Session, curator: Actor, today: date,
                    speakers: dict[str, int] | None = None, records: dict | None = None) -> DemoEvents:
    """Add the workshop series and the upcoming example as ``curator``; ``speakers`` maps the
    experts' keys of the records to profile ids (without it, agendas name no speakers)."""
    records = records or load_records()
    lookup, report = Lookup(session, speakers or {}), DemoEvents()
    for spec in event_specs(today, records):
        collection = _collection(session, spec, lookup, curator)
        data = _event_data(spec, collection.id)
        event = session.scalar(select(Event).where(Event.title == spec["title"]).order_by(Event.id).limit(1))
        if event is None:
            event = create_event(session, data, curator.name)
            _add_agenda(session, event, spec, lookup, curator)
            report.created.append(spec["key"])
        elif spec["key"] == records["upcoming"]["key"]:
            _redate(session, event, spec, data, curator)
        report.events[spec["key"]], report.collections[spec["key"]] = event.id, collection.id
    return report


def _redate(session: Session, event: Event, spec: dict, data: dict, curator: Actor) -> None:
    """The example moved to its new day, its agenda items with it (their times kept)."""
    zone = ZoneInfo(spec["zone"])
    if datetime.fromisoformat(spec["starts"]).replace(tzinfo=zone).isoformat() == event.starts:
        return
    day = spec["starts"][:10]
    update_event(session, event, {**data, "collection_id": event.collection_id}, curator.name)
    event.agenda = [{**item, "day": day} for item in event.agenda or []]
    collection = session.get(Collection, event.collection_id) if event.collection_id else None
    if collection is not None:
        update_collection(session, collection, {"event_start": day, "event_end": spec["ends"][:10]},
                          actor=curator.name)
    session.flush()
