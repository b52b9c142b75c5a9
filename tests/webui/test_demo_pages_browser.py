"""In Chromium, on the data folder `kb demo` leaves: axe-core on the map, workshop and profile pages at
1280 and 360 pixels, and a visitor without JavaScript choosing a country on the map."""

from __future__ import annotations

import pytest

from tests.webui.test_accessibility import WIDTHS, serious_violations
from tests.webui.test_networks_browser import demo_live_url  # noqa: F401 (a fixture: kb serve on the demo)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_paths(demo_curated_kb):
    from kb.models import Event, Organisation, Person

    knowledge_base, _, _ = demo_curated_kb
    with knowledge_base.session() as session:
        first = session.query(Event).filter(Event.title.startswith("Workshop series")).one()
        example = session.query(Event).filter(Event.title.startswith("Example event")).one()
        antwerp = session.query(Organisation).filter_by(name="Stad Antwerpen").one()
        expert = session.query(Person).filter_by(name="An Peeters (example)").one()
        return {"home": "/", "cases": "/cases/?country=BE", "events": "/events", "workshop": f"/events/{first.id}",
                "example event": f"/events/{example.id}", "collection": f"/collections/{first.collection_id}",
                "organisation": f"/organisations/{antwerp.id}", "expert": f"/people/{expert.id}"}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["home", "cases", "events", "workshop", "example event", "collection",
                                  "organisation", "expert"])
def test_axe_finds_nothing_serious_on_the_demos_pages(chromium, demo_live_url, axe_script, demo_paths, name,
                                                      width):
    problems = serious_violations(chromium, demo_live_url, axe_script, demo_paths[name], width)
    assert not problems, f"{name} at {width}px:\n" + "\n".join(problems)


def test_without_javascript_a_country_on_the_map_opens_its_cases(chromium, demo_live_url):
    context = chromium.new_context(base_url=demo_live_url, java_script_enabled=False, locale="en-GB",
                                   viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto("/")
        belgium = page.locator("a[data-map-country='BE']")
        count = int(belgium.get_attribute("aria-label").split(": ")[1].split()[0])
        belgium.click()
        page.wait_for_url("**/cases/?country=BE")
        assert int(page.locator("[data-total]").get_attribute("data-total")) == count
        assert page.locator("a[data-map-country='BE'][aria-current='true']").count() == 1
    finally:
        context.close()


def test_the_map_fits_a_360_pixel_screen(chromium, demo_live_url):
    context = chromium.new_context(base_url=demo_live_url, viewport={"width": 360, "height": 740}, locale="nl-BE")
    try:
        page = context.new_page()
        page.goto("/")
        box = page.locator(".europe-map svg").bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= 360 and box["height"] > 200
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()
