"""In a real browser: a curator creates a workshop with an agenda item, a visitor registers for it."""

from __future__ import annotations

from datetime import datetime

import pytest

from kb.accounts import create_user
from kb.events import create_event
from kb.models import Person
from tests.webui.test_accessibility import axe_problems

pytestmark = pytest.mark.browser


@pytest.fixture
def organiser(demo_kb):
    """A curator account, a public expert profile and an event in the data folder `kb serve` runs on."""
    knowledge_base, _ = demo_kb
    with knowledge_base.session() as db:
        if db.query(Person).filter_by(name="Dr. Ada Stadsdata").first() is None:
            create_user(db, "event-curator", "curator", "event-curator-password")
            db.add(Person(name="Dr. Ada Stadsdata", consent_at=datetime(2024, 1, 1), consent_by="Ada",
                          consent_purpose="workshop speaker"))
            create_event(db, {"title": "Online follow-up", "starts": "2031-06-02T14:00:00+02:00",
                              "ends": "2031-06-02T16:00:00+02:00", "mode": "online"}, "event-curator")
    return "event-curator", "event-curator-password"


def test_a_curator_creates_an_event_with_an_agenda_item_and_a_visitor_registers(browser_page, chromium, live_url,
                                                                                 organiser):
    page = browser_page
    page.goto("/auth/login")
    page.fill("#name", organiser[0])
    page.fill("#password", organiser[1])
    page.click("main button[type=submit]")

    page.goto("/events")
    page.click("text=New event")
    page.fill("#f-starts", "2031-05-12T09:00")
    page.fill("#f-ends", "2031-05-13T16:30")
    page.click("main button[type=submit]")  # no title: the form says so, beside the field
    page.wait_for_selector(".error-summary", state="visible")  # waits for the answer to the post
    assert page.locator("#f-title-error").inner_text().endswith("This field is required.")
    assert page.input_value("#f-starts") == "2031-05-12T09:00"  # what was typed stays
    page.fill("#f-title", "Smart city governance")
    page.select_option("#f-zone", "Europe/Brussels")
    page.select_option("#f-mode", "hybrid")
    page.fill("#f-place", "Brussels, Résidence Palace")
    page.fill("#f-online_link", "https://meet.example.org/scg-2031")
    page.fill("#f-capacity", "40")
    page.click("main button[type=submit]")

    assert "Event created" in page.locator("main").inner_text()
    page.select_option("#f-day", "2031-05-13")
    page.fill("#f-time", "09:30")
    page.fill("#f-title", "Data governance in practice")
    page.check("label:has-text('Dr. Ada Stadsdata') input")
    page.click("button:has-text('Add to the agenda')")
    assert "Data governance in practice" in page.locator("table.agenda").inner_text()
    event_path = page.locator("a:has-text('Event page')").get_attribute("href")

    visitor = chromium.new_context(base_url=live_url, locale="en-GB")
    guest = visitor.new_page()
    guest.set_default_timeout(10_000)
    guest.goto(event_path)
    agenda = guest.locator("table.agenda").inner_text()
    assert "Data governance in practice" in agenda and "Dr. Ada Stadsdata" in agenda
    assert "meet.example.org" not in guest.content()
    guest.fill("#reg-name", "Piet Bezoeker")
    guest.fill("#reg-email", "piet@gemeente.example")
    guest.check("input[name=consent]")
    guest.click("button:has-text('Register')")
    assert "You are registered." in guest.locator("main").inner_text()
    assert "https://meet.example.org/scg-2031" in guest.locator("main").inner_text()
    guest.goto(event_path.rstrip("/") + "/participants")
    assert "piet@gemeente.example" not in guest.content()  # sent to sign in, never shown
    visitor.close()

    page.goto(event_path.rstrip("/") + "/participants")
    assert "piet@gemeente.example" in page.locator("table").inner_text()


@pytest.mark.parametrize("width", (1280, 360))
def test_the_curator_forms_with_their_messages_pass_axe(chromium, live_url, axe_script, organiser, width):
    """WCAG 2.1 AA on the forms as a curator meets them, messages shown, at desktop and phone widths."""
    context = chromium.new_context(base_url=live_url, bypass_csp=True, locale="en-GB",
                                   viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/auth/login")
    page.fill("#name", organiser[0])
    page.fill("#password", organiser[1])
    page.click("main button[type=submit]")
    found = {}

    def check(name):
        found[name] = axe_problems(page, axe_script)

    page.goto("/events/new")
    page.fill("#f-capacity", "-1")
    page.click("main form button[type=submit]")
    check("event form with messages")
    page.goto("/people/new")
    page.fill("#f-expertise-1", "Quantum weaving")
    page.click("main form button[type=submit]")
    check("expert form with messages")
    page.goto("/organisations/new")
    check("organisation form")
    page.goto("/events")
    page.locator(".event-list a").first.click()
    page.click("text=Edit agenda")
    check("agenda")
    page.click("text=Participants")
    check("participants")
    context.close()
    assert len(found) == 5 and found == {name: [] for name in found}
