"""Workshops and registration through the API, as the issue's contract says."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from kb.accounts import create_token, create_user
from kb.events import purge_participants
from kb.models import AuditEvent, Event, Registration, utcnow

EVENT = {"title": "Smart city governance", "starts": "2030-09-21T09:00:00+02:00",
         "ends": "2030-09-22T17:00:00+02:00", "mode": "hybrid", "capacity": 3, "place": "Brussels",
         "online_link": "https://meet.example.org/scg",
         "agenda": [{"time": "09:00", "title": "Welcome"}, {"time": "10:00", "title": "Data governance"}]}


@pytest.fixture
def app(kb):
    from webui import create_app

    application = create_app(kb.settings, kb=kb)
    application.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return application


@pytest.fixture
def tokens(kb):
    with kb.session() as db:
        return {role: create_token(db, create_user(db, f"{role}1", role, "long-password-1"))
                for role in ("researcher", "curator", "admin")}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def event_id(app, tokens):
    response = app.test_client().post("/api/events", json=EVENT, headers=bearer(tokens["curator"]))
    assert response.status_code == 201
    return response.get_json()["id"]


def signup(client, event_id, name="Ann", **extra):
    body = {"name": name, "email": f"{name.lower()}@stad.example", "organisation": "Stad", "attendance": "online",
            "consent": True, **extra}
    return client.post(f"/api/events/{event_id}/registrations", json=body)


def test_creating_an_event_needs_a_curator(app, tokens):
    client = app.test_client()
    assert client.post("/api/events", json=EVENT).status_code == 401
    assert client.post("/api/events", json=EVENT, headers=bearer(tokens["researcher"])).status_code == 403
    bad = client.post("/api/events", json={**EVENT, "starts": "2030-09-21T09:00"}, headers=bearer(tokens["admin"]))
    assert bad.status_code == 422 and "offset" in bad.get_json()["message"]


def test_registration_needs_consent_and_a_valid_email(app, event_id):
    client = app.test_client()
    assert signup(client, event_id, consent=False).status_code == 422
    assert signup(client, event_id, email="not-an-email").status_code == 422
    assert signup(client, event_id, website="http://spam.example").status_code == 422  # honeypot
    assert signup(client, 99999).status_code == 404


def test_beyond_capacity_registrations_wait_and_are_promoted_on_cancel(app, event_id):
    client = app.test_client()
    results = [signup(client, event_id, name=f"P{i}").get_json() for i in range(5)]
    assert [r["status"] for r in results] == ["confirmed"] * 3 + ["waitlisted"] * 2
    token = results[0]["cancel_url"].rsplit("/", 1)[-1]
    page = client.get(f"/events/cancel/{token}")
    assert page.status_code == 200
    client.post(f"/events/cancel/{token}")
    personal = client.get(f"/events/registration/{results[3]['personal_url'].rsplit('/', 1)[-1]}")
    assert "meet.example.org" in personal.get_data(as_text=True)  # promoted: now sees the online link


@pytest.mark.both_engines
def test_twenty_parallel_signups_never_overbook(app, kb, event_id):
    statuses = []

    def one(i):
        statuses.append(signup(app.test_client(), event_id, name=f"C{i}").get_json()["status"])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count("confirmed") == 3 and statuses.count("waitlisted") == 17
    with kb.session() as db:
        assert db.query(Registration).filter_by(event_id=event_id, status="confirmed").count() == 3


def test_only_organisers_see_the_participant_list(app, tokens, event_id):
    client = app.test_client()
    signup(client, event_id)
    url = f"/api/events/{event_id}/registrations"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(tokens["researcher"])).status_code == 403
    listing = client.get(url, headers=bearer(tokens["curator"]))
    assert listing.status_code == 200 and listing.get_json()[0]["email"] == "ann@stad.example"
    public = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "ann@stad.example" not in public and "meet.example.org" not in public


def test_sign_ups_from_one_address_are_rate_limited(app, event_id):
    app.config["SIGNUPS_PER_ADDRESS"] = 4
    client = app.test_client()
    codes = [signup(client, event_id, name=f"R{i}").status_code for i in range(6)]
    assert codes == [201, 201, 201, 201, 429, 429]


def test_the_event_page_has_an_agenda_and_a_calendar_file(app, event_id):
    client = app.test_client()
    html = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "Data governance" in html and 'name="consent"' in html
    ics = client.get(f"/events/{event_id}.ics")
    assert ics.mimetype == "text/calendar"
    text = ics.get_data(as_text=True)
    assert "BEGIN:VEVENT" in text and "DTSTART:20300921T070000Z" in text and "\r\n" in text


def test_participant_data_is_purged_after_the_retention_period(app, kb, event_id):
    signup(app.test_client(), event_id)
    with kb.session() as db:
        ends = db.get(Event, event_id).ends_utc
        assert purge_participants(db, 90, now=ends + timedelta(days=89)) == 0
        assert purge_participants(db, 90, now=ends + timedelta(days=91)) == 1
        event = db.query(AuditEvent).filter_by(action="purge").one()
        assert event.after["deleted"] == 1 and "ann" not in str(event.after).lower()
    assert utcnow()  # the clock helper is importable for the worker


def test_the_worker_purges_participants_of_long_past_events(kb, tmp_path):
    import subprocess
    import sys

    from kb.events import create_event, register

    with kb.session() as db:
        past = create_event(db, {**EVENT, "starts": "2020-01-10T09:00:00+01:00", "ends": "2020-01-10T17:00:00+01:00"},
                            "curator1")
        register(db, past.id, {"name": "Old", "email": "old@stad.example", "attendance": "online", "consent": True},
                 now=past.starts_utc - timedelta(days=1))
    result = subprocess.run([sys.executable, "-c", "from kb.cli import main; main()", "--data",
                             str(kb.settings.data_dir), "worker", "--once"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with kb.session() as db:
        assert db.query(Registration).count() == 0


def test_one_email_address_holds_one_place_and_a_second_sign_up_is_a_409(app, event_id):
    client = app.test_client()
    first = signup(client, event_id, name="Ann")
    assert first.status_code == 201
    again = signup(client, event_id, name="Someone else", email="ANN@stad.example")
    assert again.status_code == 409 and "already registered" in again.get_json()["message"]
    form = client.post(f"/events/{event_id}/register", data={"name": "Ann", "email": "ann@stad.example",
                                                             "attendance": "online", "consent": "yes"})
    assert form.status_code == 409 and "already registered" in form.get_data(as_text=True)
    client.post(f"/events/cancel/{first.get_json()['cancel_url'].rsplit('/', 1)[-1]}")
    assert signup(client, event_id, name="Ann").status_code == 201  # after cancelling, a new place


def test_an_event_naming_speakers_or_documents_that_do_not_exist_is_a_422(app, tokens):
    def create(agenda):
        return app.test_client().post("/api/events", json={**EVENT, "agenda": agenda},
                                      headers=bearer(tokens["curator"]))

    speakers = create([{"time": "09:00", "title": "Welcome", "speakers": [424242], "documents": []}])
    assert speakers.status_code == 422 and "speakers" in speakers.get_json()["message"]
    documents = create([{"time": "10:00", "title": "Data", "speakers": [], "documents": [2**63 + 5, 31337]}])
    assert documents.status_code == 422 and "31337" in documents.get_json()["message"]
    assert create([{"time": "10:00", "title": "Data", "speakers": [], "documents": []}]).status_code == 201


def test_a_cancelled_registration_is_in_the_audit_trail_without_the_participants_data(app, kb, event_id):
    from kb.audit import history

    results = [signup(app.test_client(), event_id, name=f"P{i}").get_json() for i in range(4)]
    app.test_client().post(f"/events/cancel/{results[0]['cancel_url'].rsplit('/', 1)[-1]}")
    with kb.session() as db:
        events = history(db, "registration")
        assert [(e.action, e.entity_id, e.after["status"], e.after["promoted_registration"]) for e in events] == \
            [("cancel", str(results[0]["id"]), "cancelled", results[3]["id"])]
        assert "p0@stad.example" not in str(events[0].before) + str(events[0].after)


def test_the_events_api_refuses_through_the_one_error_handler_with_its_status_and_a_message_per_field(
        app, tokens, event_id):
    client = app.test_client()
    bad = client.post("/api/events", json={**EVENT, "starts": "2030-09-21T09:00", "mode": "by boat"},
                      headers=bearer(tokens["curator"]))
    body = bad.get_json()
    assert bad.status_code == 422 and body.pop("message").startswith("starts: Needs a time-zone offset")
    assert body == {"status": 422, "error": "Unprocessable Entity", "fields": {
        "starts": "Needs a time-zone offset, such as +02:00.", "mode": "Choose one of the options offered."}}
    assert signup(client, event_id).status_code == 201
    again = signup(client, event_id).get_json()
    assert again["status"] == 409 and again["error"] == "Conflict" and "already registered" in again["message"]
    unknown = signup(client, 99999).get_json()
    assert unknown == {"status": 404, "error": "Not Found", "message": "there is no event 99999"}
    refused = signup(client, event_id, name="Bot", website="http://spam.example").get_json()
    assert refused == {"status": 422, "error": "Unprocessable Entity", "message": "registration refused"}
