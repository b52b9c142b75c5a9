"""Calls through the API, the curator form, the /calls page and the feeds people subscribe to."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from kb.accounts import create_token
from kb.models import AuditEvent
from kb.people import save_organisation
from tests.webui.test_people_forms import app, field_error, signed_in  # noqa: F401 (app is the fixture)

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def tokens(app, kb):
    from kb.accounts import find_user

    with kb.session() as db:
        return {role: create_token(db, find_user(db, role)) for role in ("researcher", "curator")}


@pytest.fixture
def networks(kb):
    with kb.session() as db:
        return {"urbact": save_organisation(db, {"name": "URBACT", "kind": "programme"}, "carl").id,
                "oasc": save_organisation(db, {"name": "OASC", "kind": "network"}, "carl").id}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def call(network_id, title="Call", deadline="2099-03-31T17:00:00+02:00", **extra):
    return {"title": title, "network_id": network_id, "deadline": deadline, **extra}


def add(app, tokens, body) -> int:
    response = app.test_client().post("/api/calls", json=body, headers=bearer(tokens["curator"]))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_post_api_calls_is_201_for_a_curator_403_for_a_researcher_401_without_a_token(app, tokens, networks):
    client = app.test_client()
    assert client.post("/api/calls", json=call(networks["urbact"])).status_code == 401
    assert client.post("/api/calls", json=call(networks["urbact"]), headers=bearer(tokens["researcher"])
                       ).status_code == 403
    created = client.post("/api/calls", json=call(networks["urbact"]), headers=bearer(tokens["curator"]))
    assert created.status_code == 201 and created.get_json()["status"] == "open"


def test_a_bad_date_or_a_missing_deadline_is_422_with_a_message_per_field(app, tokens, networks):
    client = app.test_client()
    missing = client.post("/api/calls", json={"title": "x", "network_id": networks["urbact"]},
                          headers=bearer(tokens["curator"]))
    assert missing.status_code == 422 and missing.get_json()["fields"] == {"deadline": "This field is required."}
    bad = client.post("/api/calls", json=call(networks["urbact"], deadline="31/03/2030", opens="soon"),
                      headers=bearer(tokens["curator"]))
    assert bad.status_code == 422
    assert bad.get_json()["fields"] == {"deadline": "A date and time, such as 2030-09-21T09:00.",
                                        "opens": "A date and time, such as 2030-09-21T09:00."}
    unreachable = client.post("/api/calls", json=call(networks["urbact"], deadline="0001-01-01T00:00:00+05:00"),
                              headers=bearer(tokens["curator"]))  # not even movable to UTC
    assert unreachable.status_code == 422 and set(unreachable.get_json()["fields"]) == {"deadline"}


def test_get_api_calls_filters_by_status_and_orders_by_deadline(app, tokens, networks):
    late = add(app, tokens, call(networks["urbact"], "Late", "2099-12-01T12:00:00+01:00"))
    early = add(app, tokens, call(networks["oasc"], "Early", "2099-01-01T12:00:00+01:00", url="https://oasc.example"))
    add(app, tokens, call(networks["urbact"], "Past", "2020-01-01T12:00:00+01:00"))
    add(app, tokens, call(networks["urbact"], "Later", "2099-12-31T12:00:00+01:00", opens="2099-06-01T00:00:00Z"))
    client = app.test_client()
    open_calls = client.get("/api/calls?status=open").get_json()
    assert [c["id"] for c in open_calls] == [early, late]
    assert set(open_calls[0]) >= {"id", "title", "network", "deadline", "status", "url"}
    assert open_calls[0]["network"]["name"] == "OASC" and open_calls[0]["url"] == "https://oasc.example"
    assert [c["title"] for c in client.get("/api/calls").get_json()] == ["Past", "Early", "Late", "Later"]
    assert [c["status"] for c in client.get("/api/calls?status=upcoming").get_json()] == ["upcoming"]
    assert client.get("/api/calls?status=soon").status_code == 400
    for network in ("²", "1e3", "-1", "9" * 30):
        assert client.get("/api/calls", query_string={"network": network}).status_code == 400, network
        assert client.get("/calls.atom", query_string={"network": network}).status_code == 400, network


def test_a_curator_adds_and_edits_a_call_in_the_form_and_the_history_shows_both(app, kb, networks):
    curator = signed_in(app, "curator")
    form = curator.get(f"/calls/new?network={networks['urbact']}").get_data(as_text=True)
    assert f'<option value="{networks["urbact"]}" selected>' in form and 'type="datetime-local"' in form
    refused = curator.post("/calls", data={"title": "Pilots", "network_id": str(networks["urbact"]), "deadline": "",
                                           "zone": "Europe/Brussels", "countries": "BE, Belgium"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert field_error(html, "deadline") == "This field is required." and "Belgium" in field_error(html, "countries")
    saved = curator.post("/calls", data={"title": "Pilots", "network_id": str(networks["urbact"]),
                                         "deadline": "2099-05-01T17:00", "zone": "Europe/Brussels",
                                         "countries": "be, nl", "example": "yes"})
    assert saved.status_code == 303
    call_id = int(saved.headers["Location"].rsplit("/", 1)[1])
    edit = curator.get(f"/calls/{call_id}/edit").get_data(as_text=True)
    assert 'value="2099-05-01T17:00"' in edit and 'value="BE, NL"' in edit and "checked" in edit
    assert curator.post(f"/calls/{call_id}/edit", data={"title": "Pilot projects", "network_id": networks["urbact"],
                                                         "deadline": "2099-05-02T17:00", "zone": "Europe/Brussels"}
                        ).status_code == 303
    with kb.session() as db:
        actions = [e.action for e in db.query(AuditEvent).filter_by(entity="call").order_by(AuditEvent.id)]
        assert actions == ["create", "edit"]
    history = curator.get(f"/audit/call/{call_id}")
    rows = re.findall(r"<tr><td>.*?</tr>", history.get_data(as_text=True), re.S)
    assert history.status_code == 200 and len(rows) == 2
    assert "title, countries, deadline, deadline_utc, example" in rows[0]
    assert signed_in(app, "researcher").get("/calls/new").status_code == 403


def test_the_calls_page_lists_open_calls_first_with_facets_by_network_country_and_theme(app, tokens, networks):
    add(app, tokens, call(networks["urbact"], "Closed one", "2020-01-01T12:00:00Z", countries=["BE"]))
    add(app, tokens, call(networks["urbact"], "Open Belgian", "2099-02-01T12:00:00Z", countries=["BE"],
                          themes=["open data"]))
    add(app, tokens, call(networks["oasc"], "Open to all", "2099-03-01T12:00:00Z"))
    add(app, tokens, call(networks["oasc"], "Open Dutch", "2099-01-01T12:00:00Z", countries=["NL"]))
    client = app.test_client()
    html = client.get("/calls").get_data(as_text=True)
    order = re.findall(r'data-call-status="(\w+)"', html)
    assert order == ["open", "open", "open", "closed"]
    titles = re.findall(r'<h3><a href="/calls/\d+">([^<]+)</a>', html)
    assert titles == ["Open Dutch", "Open Belgian", "Open to all", "Closed one"]
    assert {'data-facet-group="network"', 'data-facet-group="country"', 'data-facet-group="theme"'} <= set(
        re.findall(r'data-facet-group="\w+"', html))
    belgian = client.get("/calls?country=BE").get_data(as_text=True)
    assert re.findall(r'<h3><a href="/calls/\d+">([^<]+)</a>', belgian) == ["Open Belgian", "Open to all",
                                                                           "Closed one"]
    by_network = client.get(f"/calls?network={networks['oasc']}&theme=open-data").get_data(as_text=True)
    assert "No calls match." in by_network
    dutch = client.get("/calls?lang_ui=nl").get_data(as_text=True)
    assert "<h1>Oproepen en kansen</h1>" in dutch and "Netwerk of programma" in dutch


def test_the_atom_feed_of_a_network_s_calls_parses_and_holds_only_its_calls(app, tokens, networks):
    add(app, tokens, call(networks["urbact"], "URBACT call", example=True, url="https://urbact.example/call"))
    add(app, tokens, call(networks["oasc"], "OASC call"))
    response = app.test_client().get(f"/calls.atom?network={networks['urbact']}")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed" and "URBACT" in feed.find(f"{ATOM}title").text
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["[example] URBACT call"]
    assert entries[0].find(f"{ATOM}link[@rel='related']").get("href") == "https://urbact.example/call"
    assert "EXAMPLE" in entries[0].find(f"{ATOM}summary").text


def unfolded(ics: str) -> list[str]:
    return ics.replace("\r\n ", "").split("\r\n")


def test_the_icalendar_feed_has_each_deadline_at_its_moment_in_utc(app, tokens, networks):
    add(app, tokens, call(networks["urbact"], "Winter call, with a comma", "2099-01-15T17:00:00+01:00"))
    add(app, tokens, call(networks["oasc"], "Summer call", "2099-07-15T17:00", zone="Europe/Lisbon"))
    response = app.test_client().get("/calls.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = unfolded(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines.count("BEGIN:VEVENT") == 2
    events = [dict(line.split(":", 1) for line in block.split("\n") if ":" in line)
              for block in "\n".join(lines).split("BEGIN:VEVENT")[1:]]
    assert [(e["SUMMARY"], e["DTSTART"]) for e in events] == [
        ("Deadline: Winter call\\, with a comma", "20990115T160000Z"),
        ("Deadline: Summer call", "20990715T160000Z")]


def test_a_call_page_marks_an_example_and_shows_the_deadline_in_its_own_zone_in_each_language(app, tokens,
                                                                                            networks):
    call_id = add(app, tokens, call(networks["urbact"], "Example call", "2099-03-31T17:00", zone="Europe/Athens",
                                    example=True))
    client = app.test_client()
    english = client.get(f"/calls/{call_id}").get_data(as_text=True)
    assert "31 March 2099, 17:00 (Europe/Athens)" in english and "It is not a real call" in english
    for lang, month in (("nl", "maart"), ("fr", "mars"), ("de", "März")):
        page = client.get(f"/calls/{call_id}?lang_ui={lang}").get_data(as_text=True)
        assert f"31 {month} 2099, 17:00" in page and "It is not a real call" not in page, lang


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
                    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children,
                                                                                      max_size=3), max_leaves=6)
MOMENTS = st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()) | st.text(max_size=30)
CALL_FIELDS = ("title", "network_id", "description", "eligibility", "countries", "themes", "url", "zone", "example")


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(CALL_FIELDS), JSON, max_size=5), opens=MOMENTS, deadline=MOMENTS)
def test_whatever_a_curator_sends_post_api_calls_answers_201_or_a_4xx_never_a_500(app, tokens, networks, body,
                                                                                 opens, deadline):
    response = app.test_client().post("/api/calls", json={**body, "opens": opens, "deadline": deadline},
                                      headers=bearer(tokens["curator"]))
    assert response.status_code in (201, 400, 422), response.get_data(as_text=True)[:500]


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(("members", "cases", "events")), JSON, max_size=3))
def test_whatever_a_curator_sends_as_a_network_s_links_the_answer_is_200_or_a_4xx(app, tokens, networks, body):
    response = app.test_client().put(f"/api/networks/{networks['oasc']}/links", json=body,
                                     headers=bearer(tokens["curator"]))
    assert response.status_code in (200, 400, 422), response.get_data(as_text=True)[:500]
