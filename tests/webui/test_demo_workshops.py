"""The demo's workshops as a visitor sees them: upcoming and past events, agendas, places and collections."""

from __future__ import annotations

import re

import pytest

from kb.models import Event


@pytest.fixture(scope="module")
def curated_app(demo_curated_kb):
    from webui import create_app

    knowledge_base, _, _ = demo_curated_kb
    app = create_app(knowledge_base.settings, kb=knowledge_base)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


@pytest.fixture
def client(curated_app):
    return curated_app.test_client()


def event_id(demo_curated_kb, title_start: str) -> int:
    knowledge_base, _, _ = demo_curated_kb
    with knowledge_base.session() as session:
        return session.query(Event.id).filter(Event.title.startswith(title_start)).scalar()


def test_the_events_page_lists_the_example_as_upcoming_and_the_series_as_past_newest_first(client):
    html = client.get("/events").get_data(as_text=True)
    upcoming, past = html.split("Past events")
    assert "Example event" in upcoming and "Registration open" in upcoming
    titles = re.findall(r'<a href="/events/\d+">([^<]+)</a>', past)
    assert len(titles) == 5 and "digital town hall" in titles[0] and "Smart city governance" in titles[-1]


def test_the_first_workshop_shows_its_two_day_agenda_place_collection_and_closed_registration(client, demo_curated_kb):
    html = client.get(f"/events/{event_id(demo_curated_kb, 'Workshop series')}").get_data(as_text=True)
    assert "Brussels, Belgium, and online" in html and "hybrid (on site and online)" in html
    assert html.count('<table class="agenda">') == 2 and "Procurement of smart city solutions" in html
    assert "Workshop 1: Smart city governance (21-22 September 2022)" in html
    assert "Registration for this event is closed." in html and 'name="consent"' not in html


@pytest.mark.parametrize("lang, starts, day", [
    ("en", "Wednesday 21 September 2022, 09:30 GMT+02:00", "Thursday 22 September 2022"),
    ("nl", "woensdag 21 september 2022, 09:30 GMT+02:00", "donderdag 22 september 2022"),
])
def test_the_workshop_times_read_as_dates_in_the_interface_language_not_as_iso(client, demo_curated_kb, lang, starts,
                                                                                 day):
    path = f"/events/{event_id(demo_curated_kb, 'Workshop series')}?lang_ui={lang}"
    html = client.get(path).get_data(as_text=True)
    assert f'<time datetime="2022-09-21T09:30:00+02:00">{starts}</time>' in html
    assert f'<time datetime="2022-09-22">{day}</time>' in html


def test_the_example_event_offers_registration_with_its_places_waiting_list_and_consent_text(client, demo_curated_kb):
    html = client.get(f"/events/{event_id(demo_curated_kb, 'Example event')}").get_data(as_text=True)
    assert "25 · 25 left" in html and "further registrations go on a waiting list" in html
    assert 'name="consent"' in html and "deleted after the event" in html


def test_a_workshop_collection_shows_each_item_with_the_curators_note(client, demo_curated_kb):
    knowledge_base, _, _ = demo_curated_kb
    with knowledge_base.session() as session:
        collection_id = session.get(Event, event_id(demo_curated_kb, "Online workshop: Open data")).collection_id
    html = client.get(f"/collections/{collection_id}").get_data(as_text=True)
    assert "Gent: open data van de stad op één portaal" in html
    assert "A city portal with mobility and population data" in html and "recommended reading" in html


@pytest.mark.parametrize("lang, upcoming, closed", [
    ("nl", "Binnenkort", "De inschrijving voor dit evenement is gesloten."),
    ("fr", "À venir", "Les inscriptions à cet événement sont closes."),
    ("de", "Demnächst", "Die Anmeldung für diese Veranstaltung ist geschlossen.")])
def test_the_workshop_pages_speak_the_interface_language(client, demo_curated_kb, lang, upcoming, closed):
    assert upcoming in client.get(f"/events?lang_ui={lang}").get_data(as_text=True)
    first = event_id(demo_curated_kb, "Workshop series")
    assert closed in client.get(f"/events/{first}?lang_ui={lang}").get_data(as_text=True)
