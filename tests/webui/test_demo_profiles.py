"""The demo's organisations and example experts as a visitor sees them: profiles, cases and agendas."""

from __future__ import annotations

import re

import pytest

from kb.demo.events import Lookup
from kb.models import Event, Organisation, Person


@pytest.fixture(scope="module")
def client(demo_curated_kb):
    from webui import create_app

    knowledge_base, _, _ = demo_curated_kb
    app = create_app(knowledge_base.settings, kb=knowledge_base)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app.test_client()


@pytest.fixture(scope="module")
def ids(demo_curated_kb):
    knowledge_base, _, _ = demo_curated_kb
    with knowledge_base.session() as session:
        organisations = {o.name: o.id for o in session.query(Organisation)}
        return {"city_of_things": Lookup(session, {}).case("antwerpen-city-of-things").id,
                "antwerp": organisations["Stad Antwerpen"], "imec": organisations["imec"],
                "flanders": organisations["Vlaamse overheid"],
                "an": session.query(Person).filter_by(name="An Peeters (example)").one().id,
                "first": session.query(Event.id).filter(Event.title.startswith("Workshop series")).scalar()}


def test_a_case_page_links_each_organisation_it_names_to_its_profile(client, ids):
    html = client.get(f"/cases/{ids['city_of_things']}").get_data(as_text=True)
    linked = [int(n) for n in re.findall(r'data-organisation="(\d+)"', html)]
    assert linked == [ids["antwerp"], ids["imec"], ids["flanders"]]
    assert "An Peeters (example)" in html  # the contact, with a link to the profile


def test_an_organisation_profile_lists_the_cases_that_name_it(client, ids):
    html = client.get(f"/organisations/{ids['antwerp']}").get_data(as_text=True)
    assert [int(n) for n in re.findall(r'data-organisation-case="(\d+)"', html)].count(ids["city_of_things"]) == 1
    assert "Antwerp Nieuw Zuid" in html and "Cases that name this organisation" in html


def test_an_expert_profile_says_it_is_an_example_and_lists_its_cases_and_workshops(client, ids):
    html = client.get(f"/people/{ids['an']}").get_data(as_text=True)
    assert "An Peeters (example)" in html and "this person does not exist" in html
    cases, talks = html.split("Contact for")[1].split("Speaker at")
    assert "Smart Flanders" in cases and "Smart city governance" in talks and "Example event" in talks


def test_the_first_workshops_agenda_names_its_speakers_with_links_to_their_profiles(client, ids):
    html = client.get(f"/events/{ids['first']}").get_data(as_text=True)
    assert f'<a href="/people/{ids["an"]}">An Peeters (example)</a>' in html
    assert "Jonas Weber (example)" in html


@pytest.mark.parametrize("lang, contact, cases", [
    ("nl", "Contactpersoon voor", "Cases die deze organisatie als contactorganisatie noemen."),
    ("fr", "Personne de contact pour", "Les cas qui citent cette organisation comme organisation de contact."),
    ("de", "Ansprechperson für", "Fälle, die diese Organisation als Kontaktorganisation nennen.")])
def test_the_profile_pages_speak_the_interface_language(client, ids, lang, contact, cases):
    assert contact in client.get(f"/people/{ids['an']}?lang_ui={lang}").get_data(as_text=True)
    assert cases in client.get(f"/organisations/{ids['antwerp']}?lang_ui={lang}").get_data(as_text=True)
