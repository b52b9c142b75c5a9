"""Curators create and edit events and their agenda, and see the participants, in the browser's forms."""

from __future__ import annotations

import csv
import io
import re

import pytest

from kb.models import AuditEvent, Collection, Document, Event, Person, PersonLink
from tests.webui.test_people_forms import app, field_error, signed_in  # noqa: F401 (app is the fixture)

EVENT = {"title": "Smart city governance", "description": "Two days on governance.", "starts": "2030-09-21T09:00",
         "ends": "2030-09-22T17:00", "zone": "Europe/Brussels", "mode": "hybrid", "place": "Brussels",
         "online_link": "https://meet.example.org/scg", "capacity": "2", "registration_deadline": "2030-09-14T23:59"}


def new_event(client, **fields) -> int:
    response = client.post("/events", data={**EVENT, **fields})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].split("/")[-2])


def test_a_curator_creates_an_event_in_local_time_of_a_time_zone(app, kb):
    curator = signed_in(app, "curator")
    with kb.session() as db:
        db.add(Collection(title="Reading for the workshop", visibility="public"))
        db.flush()
        collection_id = db.query(Collection).one().id
    form = curator.get("/events/new").get_data(as_text=True)
    assert 'type="datetime-local"' in form and '<option value="Europe/Brussels" selected>' in form
    event_id = new_event(curator, collection_id=str(collection_id))
    with kb.session() as db:
        event = db.get(Event, event_id)
        assert (event.starts, event.ends) == ("2030-09-21T09:00:00+02:00", "2030-09-22T17:00:00+02:00")
        assert event.starts_utc.isoformat() == "2030-09-21T07:00:00" and event.capacity == 2
        assert event.registration_deadline.isoformat() == "2030-09-14T21:59:00"
        assert db.query(AuditEvent).filter_by(entity="event", action="create").one().after["title"] == EVENT["title"]
    page = app.test_client().get(f"/events/{event_id}").get_data(as_text=True)
    assert "Reading for the workshop" in page and "meet.example.org" not in page


def test_editing_an_event_shows_its_local_times_and_audits_before_and_after(app, kb):
    curator = signed_in(app, "curator")
    event_id = new_event(curator)
    form = curator.get(f"/events/{event_id}/edit").get_data(as_text=True)
    assert 'value="2030-09-21T09:00"' in form and 'value="2030-09-14T23:59"' in form
    assert re.search(r'<option value="Europe/[A-Za-z_]+" selected>', form)
    saved = curator.post(f"/events/{event_id}/edit", data={**EVENT, "title": "Smart city governance 2030",
                                                           "zone": "Europe/Lisbon", "capacity": ""})
    assert saved.status_code == 303
    with kb.session() as db:
        event = db.get(Event, event_id)
        assert event.starts == "2030-09-21T09:00:00+01:00" and event.capacity is None
        edit = db.query(AuditEvent).filter_by(entity="event", action="edit").one()
        assert (edit.before["title"], edit.after["title"]) == ("Smart city governance", "Smart city governance 2030")


def test_an_invalid_event_form_says_what_is_wrong_beside_each_field(app, kb):
    curator = signed_in(app, "curator")
    response = curator.post("/events", data={**EVENT, "title": " ", "ends": "2030-09-20T09:00", "zone": "Mars/Olympus",
                                              "capacity": "-3", "online_link": "meet.example.org",
                                              "registration_deadline": "2030-10-01T00:00", "mode": "telepathy",
                                              "collection_id": "77"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "title") == "This field is required."
    assert field_error(html, "zone") == "Choose a time zone from the list."
    assert "whole number" in field_error(html, "capacity") and "http" in field_error(html, "online_link")
    assert field_error(html, "mode") == "Choose one of the options offered."
    assert field_error(html, "collection_id") == "Choose a collection from the list."
    assert 'value="meet.example.org"' in html  # what was typed stays
    times = curator.post("/events", data={**EVENT, "ends": "2030-09-20T09:00",
                                          "registration_deadline": "2031-01-01T00:00"})
    assert field_error(times.get_data(as_text=True), "ends") == "The end is before the start."
    late = curator.post("/events", data={**EVENT, "registration_deadline": "2031-01-01T00:00"}).get_data(as_text=True)
    assert "after the end" in field_error(late, "registration_deadline")
    garbled = curator.post("/events", data={**EVENT, "starts": "next tuesday"}).get_data(as_text=True)
    assert "date and time" in field_error(garbled, "starts")
    with kb.session() as db:
        assert db.query(Event).count() == 0


def test_agenda_items_have_a_day_a_time_speakers_and_documents(app, kb):
    curator = signed_in(app, "curator")
    event_id = new_event(curator)
    with kb.session() as db:
        from datetime import datetime

        speaker = Person(name="Public Speaker", consent_at=datetime(2024, 1, 1), consent_by="x", consent_purpose="y")
        private = Person(name="Private Speaker")
        document = Document(url="https://www.gent.be/loket", title="Digitaal loket Gent")
        db.add_all([speaker, private, document])
        db.flush()
        ids = speaker.id, private.id, document.id
    agenda_page = curator.get(f"/events/{event_id}/agenda").get_data(as_text=True)
    assert "Public Speaker" in agenda_page and '<option value="2030-09-22">' in agenda_page
    added = curator.post(f"/events/{event_id}/agenda", data={"day": "2030-09-22", "time": "10:00", "title": "Panel",
                                                           "speakers": [str(ids[0]), str(ids[1])],
                                                           "documents": str(ids[2])})
    assert added.status_code == 303
    curator.post(f"/events/{event_id}/agenda", data={"day": "2030-09-21", "time": "09:00", "title": "Welcome"})
    with kb.session() as db:
        agenda = db.get(Event, event_id).agenda
        assert [(i["day"], i["title"]) for i in agenda] == [("2030-09-21", "Welcome"), ("2030-09-22", "Panel")]
        assert {link.person_id for link in db.query(PersonLink).filter_by(entity="event", relation="speaker_at")} \
            == {ids[0], ids[1]}
        panel_id = agenda[1]["id"]
    public = app.test_client().get(f"/events/{event_id}").get_data(as_text=True)
    assert "Public Speaker" in public and "Private Speaker" not in public and "Digitaal loket Gent" in public
    assert public.index("Welcome") < public.index("Panel")
    form = curator.get(f"/events/{event_id}/agenda/{panel_id}/edit").get_data(as_text=True)
    assert 'value="Panel"' in form and f'value="{ids[0]}" checked' in form
    curator.post(f"/events/{event_id}/agenda/{panel_id}/edit", data={"day": "2030-09-22", "time": "11:00",
                                                                     "title": "Panel on data"})
    curator.post(f"/events/{event_id}/agenda/{agenda[0]['id']}/delete")
    with kb.session() as db:
        assert [(i["time"], i["title"], i["speakers"]) for i in db.get(Event, event_id).agenda] == [
            ("11:00", "Panel on data", [])]
        assert db.query(PersonLink).count() == 0
        assert db.query(AuditEvent).filter_by(entity="event", action="edit_agenda").count() == 4
    assert curator.get(f"/events/{event_id}/agenda/999/edit").status_code == 404


def test_an_invalid_agenda_item_says_what_is_wrong_beside_each_field(app, kb):
    curator = signed_in(app, "curator")
    event_id = new_event(curator)
    response = curator.post(f"/events/{event_id}/agenda", data={"day": "2030-12-25", "time": "25:99", "title": "",
                                                              "speakers": ["4242"], "documents": "12, abc"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "day") == "Choose one of the event's days."
    assert field_error(html, "time") == "A time of day, such as 09:30."
    assert field_error(html, "title") == "This field is required."
    assert field_error(html, "speakers") == "Choose speakers from the list of profiles."
    assert field_error(html, "documents").endswith("12, abc")
    with kb.session() as db:
        assert db.get(Event, event_id).agenda == []


def test_curators_see_and_export_the_participants_without_spreadsheet_formulas(app, kb):
    curator = signed_in(app, "curator")
    event_id = new_event(curator)
    visitor = app.test_client()
    for number, name in enumerate(("Ann", "=HYPERLINK(\"http://evil.example\")", "Cas")):
        visitor.post(f"/events/{event_id}/register", data={"name": name, "email": f"p{number}@stad.example",
                                                           "attendance": "online", "consent": "yes"})
    page = curator.get(f"/events/{event_id}/participants").get_data(as_text=True)
    assert "p0@stad.example" in page and "Confirmed: 2 · waiting list: 1" in page
    exported = curator.get(f"/events/{event_id}/participants.csv")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [r["status"] for r in rows] == ["confirmed", "confirmed", "waitlisted"]
    assert rows[1]["name"].startswith("'=")


@pytest.mark.parametrize("method, path", [
    ("GET", "/events/new"), ("POST", "/events"), ("GET", "/events/1/edit"), ("POST", "/events/1/edit"),
    ("GET", "/events/1/agenda"), ("POST", "/events/1/agenda"), ("GET", "/events/1/agenda/1/edit"),
    ("POST", "/events/1/agenda/1/edit"), ("POST", "/events/1/agenda/1/delete"), ("GET", "/events/1/participants"),
    ("GET", "/events/1/participants.csv")])
def test_the_event_forms_and_participants_are_refused_to_researchers_and_strangers(app, kb, method, path):
    curator = signed_in(app, "curator")
    event_id = new_event(curator)
    curator.post(f"/events/{event_id}/agenda", data={"day": "2030-09-21", "time": "09:00", "title": "Welcome"})
    app.test_client().post(f"/events/{event_id}/register", data={"name": "Ann", "email": "ann@stad.example",
                                                                 "attendance": "online", "consent": "yes"})
    with kb.session() as db:
        audit_before = db.query(AuditEvent).count()
    researcher = signed_in(app, "researcher")
    refused = researcher.open(path, method=method, data={"title": "X"})
    assert refused.status_code == 403 and "ann@stad.example" not in refused.get_data(as_text=True)
    anonymous = app.test_client().open(path, method=method, data={"title": "X"})
    assert anonymous.status_code == 401 or "/auth/login" in anonymous.headers.get("Location", "")
    with kb.session() as db:
        assert db.query(AuditEvent).count() == audit_before and db.query(Event).count() == 1


def test_an_event_form_without_its_csrf_token_is_refused(app, kb):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()

    def token(path):
        return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)

    client.post("/auth/login", data={"name": "curator", "password": "curator-password",
                                     "csrf_token": token("/auth/login")})
    assert client.post("/events", data=EVENT).status_code == 400
    assert client.post("/events", data={**EVENT, "csrf_token": "forged"}).status_code == 400
    assert client.post("/events", data={**EVENT, "csrf_token": token("/events/new")}).status_code == 303
    with kb.session() as db:
        assert db.query(Event).count() == 1
