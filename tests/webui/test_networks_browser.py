"""What a civil servant does in Chromium: open a case, follow its network, subscribe to its calls;
and axe-core on the network, calls and call pages (as `kb demo` builds them)."""

from __future__ import annotations

import json
import urllib.request
from xml.etree import ElementTree as ET

import pytest

from tests.webui.conftest import kb_serving
from tests.webui.test_accessibility import WIDTHS, axe_problems, serious_violations

pytestmark = pytest.mark.browser
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def demo_live_url(demo_curated_kb):
    """`kb serve` on a free port, on the data folder `kb demo` leaves (networks and calls included)."""
    knowledge_base, _, _ = demo_curated_kb
    with kb_serving(knowledge_base.settings.data_dir, "--workers", "1", env={"KB_EMBEDDING_MODEL": "none"}) as url:
        yield url


def case_id_of(demo_curated_kb, title_start: str) -> int:
    from kb.models import Case

    knowledge_base, _, _ = demo_curated_kb
    with knowledge_base.session() as session:
        return session.query(Case).filter(Case.title.startswith(title_start)).order_by(Case.id).first().id


@pytest.fixture(scope="module")
def live_url(demo_live_url):
    """Here conftest's browser_page opens the pages of the data folder `kb demo` leaves."""
    return demo_live_url


def test_a_civil_servant_opens_a_case_follows_its_network_and_subscribes_to_its_calls(browser_page, demo_curated_kb):
    page = browser_page
    page.goto(f"/cases/{case_id_of(demo_curated_kb, 'Smart Flanders: helping')}")
    networks = page.locator("section.case-networks")
    networks.get_by_role("link", name="Smart Flanders").click()
    page.wait_for_url("**/networks/*")
    assert page.locator("h1").inner_text() == "Smart Flanders"
    assert page.locator("#cases li").count() >= 2  # the cases that came out of it
    assert page.get_by_role("heading", name="Who may join").is_visible()
    feed_link = page.locator("a[data-feed='atom']")
    href = feed_link.get_attribute("href")
    assert "network=" in href
    feed = page.request.get(href)
    assert feed.ok and feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.body())
    assert root.tag == f"{ATOM}feed" and "Smart Flanders" in root.find(f"{ATOM}title").text
    titles = [entry.find(f"{ATOM}title").text for entry in root.findall(f"{ATOM}entry")]
    assert titles == ["[example] Example: call for open data pilot projects of the central cities"]
    calendar = page.request.get(page.locator("a[data-feed='ics']").get_attribute("href"))
    assert calendar.ok and calendar.text().startswith("BEGIN:VCALENDAR")
    # "More cases from this network" is one click from the case too
    page.go_back()
    case_url = page.url
    page.locator("a[data-more-cases]").first.click()
    page.wait_for_url("**/cases/?network=*")  # the cases browse, narrowed to the network
    assert "Smart Flanders" in page.locator("[data-chip^='network=']").inner_text()
    links = page.locator("ul.case-list li[data-case] > a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 2 and any(case_url.endswith(href) for href in hrefs)  # the case we came from too


def test_the_open_example_call_says_it_is_an_example_on_the_calls_page_and_its_own(chromium, demo_live_url):
    context = chromium.new_context(base_url=demo_live_url, locale="nl-BE")
    page = context.new_page()
    try:
        page.goto("/calls")
        first = page.locator(".call-list li").first
        assert first.get_attribute("data-call-status") == "open"
        assert "voorbeeld" in first.inner_text()
        first.locator("h3 a").click()
        assert "geen echte oproep" in page.locator("[data-example]").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", ["/networks", "network", "/calls", "/calls?status=open&country=BE", "call"])
def test_axe_finds_no_serious_violation_on_the_network_and_call_pages(chromium, demo_live_url, axe_script, path,
                                                                     width):
    if path in ("network", "call"):
        with urllib.request.urlopen(f"{demo_live_url}/api/{path}s") as response:
            first = json.load(response)[0]["id"]
        path = f"/{path}s/{first}"
    problems = serious_violations(chromium, demo_live_url, axe_script, path, width)
    assert not problems, f"{path} at {width}px:\n" + "\n".join(problems)


def test_axe_finds_no_serious_violation_on_the_curator_forms_of_calls_and_networks(chromium, demo_live_url,
                                                                                   axe_script, demo_curated_kb):
    knowledge_base, _, curator = demo_curated_kb
    password = (knowledge_base.settings.data_dir / "demo-curator-password.txt").read_text(encoding="utf-8").strip()
    with urllib.request.urlopen(f"{demo_live_url}/api/networks") as response:
        network_id = json.load(response)[0]["id"]
    with urllib.request.urlopen(f"{demo_live_url}/api/calls") as response:
        call_id = json.load(response)[0]["id"]
    context = chromium.new_context(base_url=demo_live_url, bypass_csp=True, locale="en-GB")
    problems = []
    try:
        page = context.new_page()
        page.goto("/auth/login")
        page.fill("input[name=name]", curator.name)
        page.fill("input[name=password]", password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        for path in ("/calls/new", f"/calls/{call_id}/edit", f"/networks/{network_id}/links"):
            response = page.goto(path)
            assert response.ok and page.locator("form button[type=submit]").count() >= 1, path
            problems += axe_problems(page, axe_script, path)
        page.goto("/calls/new")
        page.locator("main form button[type=submit]").click()  # nothing filled in: the messages, checked too
        page.wait_for_load_state()
        assert page.locator(".error-summary").is_visible()
        problems += axe_problems(page, axe_script, "refused form")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
