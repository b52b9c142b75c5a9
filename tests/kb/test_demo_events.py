"""The demo's workshop series (kb.demo.events): events, agendas, places and noted collections."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import yaml

from kb.demo.events import CONTENT, add_demo_events, event_specs
from kb.events import register, registration_open
from kb.models import Case, Collection, CollectionItem, Event, utcnow

LATER = {"open-data-2022": "open data", "digital-twins-2023": "digital twins",
         "digital-inclusion-2023": "digital inclusion", "digital-town-hall-2024": "digital town hall"}


def events_by_key(session, site_url, curator):
    """The demo's events by key, as the demo added them (adding again adds nothing)."""
    report = add_demo_events(session, curator, date.today())
    assert report.created == []
    return {key: session.get(Event, event_id) for key, event_id in report.events.items()}


def test_the_first_workshop_is_hybrid_on_21_and_22_september_2022_with_its_pages_agenda_and_a_place(demo_curated_kb):
    knowledge_base, site_url, curator = demo_curated_kb
    page = yaml.safe_load((CONTENT / "events" / "workshops.yaml").read_text(encoding="utf-8"))["versions"]["en"]
    with knowledge_base.session() as session:
        first = events_by_key(session, site_url, curator)["smart-city-governance-2022"]
        assert (first.mode, first.starts, first.ends) == ("hybrid", "2022-09-21T09:30:00+02:00",
                                                          "2022-09-22T15:00:00+02:00")
        assert first.title == page["title"] and "Brussels" in first.place
        assert [(i["day"], i["time"], i["title"]) for i in first.agenda] == \
            [(day["date"], at, title) for day in page["days"] for at, title in day["sessions"]]


def test_the_later_workshops_of_2022_to_2024_are_online_on_their_four_topics(demo_curated_kb):
    knowledge_base, site_url, curator = demo_curated_kb
    with knowledge_base.session() as session:
        events = events_by_key(session, site_url, curator)
        for key, topic in LATER.items():
            event = events[key]
            assert event.mode == "online" and topic in event.title.lower(), key
            assert 2022 <= int(event.starts[:4]) <= 2024 and len(event.agenda) >= 4
            assert not registration_open(event, utcnow())


def test_each_event_has_a_public_collection_of_validated_cases_and_pages_each_with_a_curators_note(demo_curated_kb):
    knowledge_base, site_url, curator = demo_curated_kb
    with knowledge_base.session() as session:
        for key, event in events_by_key(session, site_url, curator).items():
            collection = session.get(Collection, event.collection_id)
            assert collection.visibility == "public" and collection.event_name == event.title, key
            items = session.query(CollectionItem).filter_by(collection_id=collection.id).all()
            assert len(items) >= 4 and all(len(item.note) > 20 for item in items), key
            assert all(item.added_by == curator.name for item in items)
            cases = [session.get(Case, item.case_id) for item in items if item.case_id]
            assert cases and all(case.review_state == "validated" for case in cases), key
            assert any(item.document_id for item in items), key  # a page of the site too


def test_agenda_documents_are_the_cases_search_documents(demo_curated_kb):
    knowledge_base, site_url, curator = demo_curated_kb
    with knowledge_base.session() as session:
        events = events_by_key(session, site_url, curator)
        linked = [d for item in events["open-data-2022"].agenda for d in item.get("documents") or []]
        titles = {case.title for case in session.query(Case).filter(Case.document_id.in_(linked))}
        assert len(titles) == len(linked) == 3 and any("Gent" in title for title in titles)


def test_the_example_event_is_upcoming_from_the_build_day_with_places_a_waiting_list_and_consent(demo_curated_kb):
    knowledge_base, site_url, curator = demo_curated_kb
    with knowledge_base.session() as session:
        example = events_by_key(session, site_url, curator)["example-upcoming-workshop"]
        assert example.title.startswith("Example event") and example.capacity == 25
        assert example.starts_utc > utcnow() + timedelta(days=25) and registration_open(example, utcnow())
        assert example.registration_deadline < example.starts_utc
        statuses = [register(session, example.id, {"name": f"Person {n}", "email": f"p{n}@example.org",
                                                   "attendance": "online", "consent": True})[0].status
                    for n in range(26)]
        assert statuses.count("confirmed") == 25 and statuses[-1] == "waitlisted"
        with pytest.raises(Exception, match="consent"):
            register(session, example.id, {"name": "No consent", "email": "n@example.org", "consent": False})
        session.rollback()  # the shared demo keeps no participants


def test_building_the_demo_again_adds_nothing_twice_and_moves_only_the_example_to_its_new_day(demo_curated_kb):
    knowledge_base, site_url, curator = demo_curated_kb
    later = date.today() + timedelta(days=10)
    with knowledge_base.session() as session:
        before = {e.id: e.starts for e in session.query(Event)}
        counts = (session.query(Event).count(), session.query(Collection).count(),
                  session.query(CollectionItem).count())
        report = add_demo_events(session, curator, later)
        moved = session.get(Event, report.events["example-upcoming-workshop"])
        assert report.created == [] and moved.starts[:10] == (later + timedelta(days=30)).isoformat()
        assert all(item["day"] == moved.starts[:10] for item in moved.agenda)
        assert session.get(Collection, moved.collection_id).event_start == moved.starts[:10]
        assert {e.id: e.starts for e in session.query(Event) if e.id != moved.id} == \
            {key: value for key, value in before.items() if key != moved.id}
        assert (session.query(Event).count(), session.query(Collection).count(),
                session.query(CollectionItem).count()) == counts
        add_demo_events(session, curator, date.today())  # as the other tests expect it


def test_the_example_is_dated_relative_to_the_day_given():
    specs = {spec["key"]: spec for spec in event_specs(date(2031, 3, 1))}
    example = specs["example-upcoming-workshop"]
    assert example["starts"] == "2031-03-31T10:00:00" and example["registration_deadline"] == "2031-03-29T10:00:00"
    assert datetime.fromisoformat(example["ends"]) - datetime.fromisoformat(example["starts"]) == timedelta(hours=3)
