"""Calls: fields checked one by one, status from the dates in UTC, and the worker closing them."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kb.calls import call_status, create_call, update_call
from kb.errors import FieldErrors
from kb.models import AuditEvent, Call, Document
from kb.people import save_organisation


@pytest.fixture
def network_id(kb):
    with kb.session() as db:
        return save_organisation(db, {"name": "URBACT", "kind": "programme"}, "carl").id


def call_at(deadline: str, opens: str | None = None) -> Call:
    moment = datetime.fromisoformat(deadline).astimezone(timezone.utc).replace(tzinfo=None)
    start = datetime.fromisoformat(opens).astimezone(timezone.utc).replace(tzinfo=None) if opens else None
    return Call(title="t", network_id=1, deadline=deadline, deadline_utc=moment, opens=opens, opens_utc=start)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_a_deadline_at_17_00_in_brussels_is_past_at_16_00_utc_in_winter_and_15_00_utc_in_summer():
    winter, summer = call_at("2030-01-15T17:00:00+01:00"), call_at("2030-07-15T17:00:00+02:00")
    assert call_status(winter, utc("2030-01-15T15:59:59")) == "open"
    assert call_status(winter, utc("2030-01-15T16:00:00")) == "closed"
    assert call_status(summer, utc("2030-07-15T14:59:00")) == "open"
    assert call_status(summer, utc("2030-07-15T15:00:00")) == "closed"


def test_the_same_local_deadline_closes_hours_apart_in_lisbon_and_athens():
    lisbon, athens = call_at("2030-03-01T23:59:00+00:00"), call_at("2030-03-01T23:59:00+02:00")
    evening_utc = datetime(2030, 3, 1, 23, 0, tzinfo=timezone.utc)  # 01:00 on the 2nd in Athens
    assert call_status(athens, evening_utc) == "closed"
    assert call_status(lisbon, evening_utc) == "open"
    # a reader's own zone changes nothing: the same moment written in New York's offset
    from zoneinfo import ZoneInfo
    same_moment = evening_utc.astimezone(ZoneInfo("America/New_York"))
    assert (call_status(athens, same_moment), call_status(lisbon, same_moment)) == ("closed", "open")


def test_a_call_is_upcoming_before_its_opening_date_and_open_from_it():
    call = call_at("2030-06-30T12:00:00+02:00", opens="2030-06-01T09:00:00+02:00")
    assert call_status(call, utc("2030-06-01T06:59:59")) == "upcoming"
    assert call_status(call, utc("2030-06-01T07:00:00")) == "open"


def test_the_form_s_local_time_is_read_in_the_chosen_zone(kb, network_id):
    with kb.session() as db:
        call = create_call(db, {"title": "Pilots", "network_id": network_id, "deadline": "2030-10-31T17:00",
                                "zone": "Europe/Helsinki"}, "carl")
        assert call.deadline == "2030-10-31T17:00:00+02:00" and call.deadline_utc == datetime(2030, 10, 31, 15)
        assert call.zone == "Europe/Helsinki"


def test_every_wrong_field_is_named_at_once(kb, network_id):
    with kb.session() as db:
        with pytest.raises(FieldErrors) as refused:
            create_call(db, {"title": "", "network_id": 999, "countries": "BE, Belgium", "themes": "no such theme",
                             "opens": "2030-05-01T00:00:00+02:00", "url": "ftp://x"}, "carl")
        assert set(refused.value.errors) == {"title", "network_id", "countries", "themes", "deadline", "url"}
        with pytest.raises(FieldErrors) as late:
            create_call(db, {"title": "t", "network_id": network_id, "deadline": "2030-05-01T00:00:00+02:00",
                             "opens": "2030-06-01T00:00:00+02:00"}, "carl")
        assert set(late.value.errors) == {"opens"}
        with pytest.raises(FieldErrors) as naive:
            create_call(db, {"title": "t", "network_id": network_id, "deadline": "2030-05-01T00:00"}, "carl")
        assert naive.value.errors["deadline"][0] == "Needs a time-zone offset, such as +02:00."


def test_a_municipality_cannot_issue_a_call(kb):
    with kb.session() as db:
        town = save_organisation(db, {"name": "Gent", "kind": "municipality"}, "carl")
        with pytest.raises(FieldErrors) as refused:
            create_call(db, {"title": "t", "network_id": town.id, "deadline": "2030-05-01T00:00:00Z"}, "carl")
        assert refused.value.errors["network_id"][0] == "Choose a network or programme from the list."


def test_the_worker_closes_calls_past_their_deadline_audits_it_and_updates_their_search_entry(kb, network_id):
    from crawler.settings import CrawlSettings
    from index.query import SearchRequest, search
    from kb.app.worker import worker_loop

    with kb.session() as db:
        past = create_call(db, {"title": "Transfer networks 2019", "network_id": network_id,
                                "deadline": "2019-04-10T17:00:00+02:00"}, "carl")
        soon = create_call(db, {"title": "Innovation transfer", "network_id": network_id,
                                "deadline": "2099-04-10T17:00:00+02:00"}, "carl")
        past.status = "open"  # as an older round left it, before the deadline went by
        past_id, soon_id = past.id, soon.id
    said = []
    worker_loop(kb, CrawlSettings(delay=0.0), 1.0, once=True, echo=said.append)
    assert "1 calls now closed" in said
    with kb.session() as db:
        assert db.get(Call, past_id).status == "closed" and db.get(Call, past_id).closed_at is not None
        assert db.get(Call, soon_id).status == "open" and db.get(Call, soon_id).closed_at is None
        closing = db.query(AuditEvent).filter_by(entity="call", action="close").one()
        assert (closing.entity_id, closing.actor, closing.after["status"]) == (str(past_id), "worker", "closed")
        entry = db.query(Document).filter_by(url=f"casebook:calls/{past_id}").one()
        assert entry.doc_type == "call" and entry.meta["status"] == "closed"
    hits = search(kb.settings.index_dir, SearchRequest(q="transfer")).to_json()["hits"]
    assert {(h["title"], h["type"]) for h in hits} == {("Transfer networks 2019", "call"),
                                                        ("Innovation transfer", "call")}
    said.clear()
    worker_loop(kb, CrawlSettings(delay=0.0), 1.0, once=True, echo=said.append)
    assert not [line for line in said if "calls now" in line]  # closed once, not every round


def test_moving_a_deadline_into_the_future_opens_a_closed_call_again(kb, network_id):
    from kb.calls import refresh_statuses

    with kb.session() as db:
        call = create_call(db, {"title": "t", "network_id": network_id, "deadline": "2020-01-01T00:00:00Z"}, "carl")
        call.status = "open"
        assert refresh_statuses(db) == {"closed": 1}
        update_call(db, call, {"title": "t", "network_id": network_id, "deadline": "2099-01-01T00:00:00Z"}, "ann")
        assert (call.status, call.closed_at) == ("open", None)
        edit = db.query(AuditEvent).filter_by(entity="call", action="edit").one()
        assert edit.before["deadline"] == "2020-01-01T00:00:00+00:00" and edit.actor == "ann"


def test_a_calls_feed_stays_readable_xml_and_its_calendar_gains_no_lines_whatever_a_call_holds(kb, network_id):
    from xml.etree import ElementTree as ET

    from kb.call_feeds import calls_atom, deadlines_ics

    with kb.session() as db:
        call = create_call(db, {"title": "Pilots\x0c\x1b[31m\u2028ATTENDEE:mailto:a@evil.example",
                                "network_id": network_id, "deadline": "2030-10-31T17:00", "zone": "Europe/Brussels",
                                "eligibility": "Cities\x0bURL:http://evil.example/"}, "carl")
        db.expunge(call)
    now = datetime(2030, 1, 1)
    feed = ET.fromstring(calls_atom([call], {network_id: "URBACT\x01"}, "Calls", "http://localhost/calls.atom",
                                    "http://localhost/calls", lambda i: f"http://localhost/calls/{i}", now))
    assert feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title").text.startswith(
        "Pilots[31m")
    text = deadlines_ics([call], {network_id: "URBACT"}, "Calls", lambda i: f"http://localhost/calls/{i}", now)
    unfolded = text.replace("\r\n ", "")
    assert unfolded.splitlines() == unfolded.split("\r\n")[:-1]
    assert not [line for line in unfolded.splitlines() if line.startswith(("ATTENDEE", "URL:http://evil"))]


def test_kb_calls_lists_calls_by_deadline_with_the_status_their_dates_give_and_kb_networks_lists_networks(kb,
                                                                                                         network_id):
    import json
    import subprocess
    import sys

    with kb.session() as db:
        create_call(db, {"title": "Later", "network_id": network_id, "deadline": "2099-05-01T12:00:00+02:00"}, "c")
        create_call(db, {"title": "Past", "network_id": network_id, "deadline": "2020-05-01T12:00:00+02:00"}, "c")

    def run(*args):
        done = subprocess.run([sys.executable, "-c", "from kb.cli import main; main()", "--data",
                               str(kb.settings.data_dir), *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    listed = json.loads(run("calls", "--json"))
    assert [(c["title"], c["status"], c["network"]) for c in listed] == [("Past", "closed", "URBACT"),
                                                                         ("Later", "open", "URBACT")]
    assert [c["title"] for c in json.loads(run("calls", "--status", "open", "--json"))] == ["Later"]
    assert "2 calls" in run("calls")
    assert [(n["name"], n["kind"]) for n in json.loads(run("networks", "--json"))] == [("URBACT", "programme")]
