"""Network and programme pages and GET /api/networks: members, cases, events, who may join, in four languages."""

from __future__ import annotations

import re

import pytest

from kb.accounts import Actor, create_token
from kb.cases import create_case
from kb.events import create_event
from kb.networks import set_links
from kb.people import save_organisation
from tests.webui.test_people_forms import app, signed_in  # noqa: F401 (app is the fixture)


@pytest.fixture
def urbact(kb):
    """URBACT with Gent as a member, a validated case, a rejected one and an event."""
    curator = Actor("carl", "curator")
    with kb.session() as db:
        network = save_organisation(db, {"name": "URBACT", "kind": "programme", "website": "https://urbact.eu/",
                                         "description": "A European territorial cooperation programme.",
                                         "join_info": "Cities of the EU member states, Norway and Switzerland.",
                                         "join_url": "https://urbact.eu/get-involved"}, "carl")
        gent = save_organisation(db, {"name": "Gent", "kind": "municipality", "country": "BE"}, "carl")
        shown = create_case(db, {"title": "Gent open data", "summary": "s", "country": "BE"}, curator)
        hidden = create_case(db, {"title": "Rejected idea", "summary": "s"}, Actor("rita", "researcher"))
        hidden.review_state = "rejected"
        event = create_event(db, {"title": "URBACT City Festival", "starts": "2030-06-01T09:00:00+02:00",
                                  "ends": "2030-06-01T17:00:00+02:00"}, "carl")
        set_links(db, network, "members", [gent.id], "carl")
        set_links(db, network, "cases", [shown.id, hidden.id], "carl")
        set_links(db, network, "events", [event.id], "carl")
        return {"network": network.id, "gent": gent.id, "case": shown.id, "hidden": hidden.id, "event": event.id}


def test_get_api_networks_lists_each_with_members_cases_and_how_to_join(app, urbact):
    networks = app.test_client().get("/api/networks").get_json()
    assert networks == [{"id": urbact["network"], "name": "URBACT", "kind": "programme",
                         "members": [{"id": urbact["gent"], "name": "Gent"}],
                         "cases": [{"id": urbact["case"], "title": "Gent open data"}],
                         "join_url": "https://urbact.eu/get-involved",
                         "who_may_join": "Cities of the EU member states, Norway and Switzerland.",
                         "website": "https://urbact.eu/", "country": None}]


def test_a_case_page_links_its_network_and_more_cases_from_it_is_one_click(app, urbact):
    client = app.test_client()
    assert client.get(f"/api/cases/{urbact['case']}").get_json()["networks"] == [
        {"id": urbact["network"], "name": "URBACT", "kind": "programme"}]
    case_page = client.get(f"/cases/{urbact['case']}").get_data(as_text=True)
    more = re.search(r'<a href="([^"]+)" data-more-cases="\d+">More cases from this network</a>', case_page)
    assert more and more.group(1) == f"/cases/?network={urbact['network']}"
    more_cases = client.get(more.group(1)).get_data(as_text=True)  # the cases browse, narrowed to URBACT
    assert 'data-total="1"' in more_cases and "Gent open data" in more_cases and "Rejected idea" not in more_cases
    assert f'data-chip="network={urbact["network"]}"' in more_cases
    assert f'<a href="/networks/{urbact["network"]}">URBACT</a>' in case_page
    network_page = client.get(f"/networks/{urbact['network']}").get_data(as_text=True)
    cases = network_page.split('id="cases"')[1].split("</section>")[0]
    assert "Gent open data" in cases and "Rejected idea" not in cases
    assert "URBACT City Festival" in network_page and ">Gent</a>" in network_page
    assert 'href="https://urbact.eu/get-involved"' in network_page and "Norway and Switzerland" in network_page
    assert f'href="/calls.atom?network={urbact["network"]}"' in network_page
    organisation = client.get(f"/organisations/{urbact['gent']}").get_data(as_text=True)
    assert ">Takes part in</h2>" in organisation and f'href="/networks/{urbact["network"]}"' in organisation
    profile = client.get(f"/organisations/{urbact['network']}").get_data(as_text=True)
    assert f'<a href="/networks/{urbact["network"]}" data-network-page>' in profile
    assert f'href="/organisations/{urbact["network"]}"' in network_page


@pytest.mark.parametrize("lang,heading,join,takes_part,taking_part", [
    ("en", "Who may join", "Who takes part", "Takes part in", "1 organisation taking part"),
    ("nl", "Wie kan aansluiten", "Wie neemt deel", "Neemt deel aan", "1 deelnemende organisatie"),
    ("fr", "Qui peut adhérer", "Qui participe", "Participe à", "1 organisation participante"),
    ("de", "Wer beitreten kann", "Wer mitmacht", "Macht mit bei", "1 teilnehmende Organisation")])
def test_network_pages_speak_the_interface_language(app, urbact, lang, heading, join, takes_part, taking_part):
    client = app.test_client()
    page = client.get(f"/networks/{urbact['network']}?lang_ui={lang}").get_data(as_text=True)
    assert f">{heading}</h2>" in page and f">{join}</h2>" in page
    listing = client.get(f"/networks?lang_ui={lang}").get_data(as_text=True)
    assert 'data-network="' in listing and taking_part in listing  # a programme's members take part in it
    organisation = client.get(f"/organisations/{urbact['gent']}?lang_ui={lang}").get_data(as_text=True)
    assert f">{takes_part}</h2>" in organisation


def test_a_curator_edits_members_cases_and_events_in_a_form_and_unknown_cases_are_refused(app, kb, urbact):
    curator = signed_in(app, "curator")
    form = curator.get(f"/networks/{urbact['network']}/links").get_data(as_text=True)
    assert f'value="{urbact["gent"]}" checked' in form and f'value="{urbact["case"]}, {urbact["hidden"]}"' in form
    refused = curator.post(f"/networks/{urbact['network']}/links", data={"cases": "99999"})
    assert refused.status_code == 422 and 'role="alert"' in refused.get_data(as_text=True)
    saved = curator.post(f"/networks/{urbact['network']}/links", data={"cases": str(urbact["case"]),
                                                                      "members": [str(urbact["gent"])]})
    assert saved.status_code == 303
    data = app.test_client().get(f"/api/networks/{urbact['network']}").get_json()
    assert [c["id"] for c in data["cases"]] == [urbact["case"]] and data["events"] == []
    assert signed_in(app, "researcher").get(f"/networks/{urbact['network']}/links").status_code == 403


def test_links_are_replaced_through_the_api_by_curators_only(app, kb, urbact):
    from kb.accounts import find_user

    with kb.session() as db:
        curator, researcher = (create_token(db, find_user(db, role)) for role in ("curator", "researcher"))
    client, url = app.test_client(), f"/api/networks/{urbact['network']}/links"
    assert client.put(url, json={"members": []}).status_code == 401
    assert client.put(url, json={"members": []}, headers={"Authorization": f"Bearer {researcher}"}).status_code == 403
    bad = client.put(url, json={"members": [123456]}, headers={"Authorization": f"Bearer {curator}"})
    assert bad.status_code == 422 and "123456" in bad.get_json()["message"]
    done = client.put(url, json={"members": []}, headers={"Authorization": f"Bearer {curator}"})
    assert done.status_code == 200 and done.get_json()["members"] == []


def test_a_municipality_is_not_a_network_page(app, urbact):
    assert app.test_client().get(f"/networks/{urbact['gent']}").status_code == 404
    assert app.test_client().get(f"/api/networks/{urbact['gent']}").status_code == 404


def test_the_sitemap_lists_the_networks_and_the_calls_pages(app):
    from xml.etree import ElementTree as ET

    root = ET.fromstring(app.test_client().get("/sitemap.xml").data)
    locations = {loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert {"http://localhost/networks", "http://localhost/calls"} <= locations
