"""What a person sees: Playwright drives Debian's Chromium against `kb serve` on a free port.

One journey through the search page (type, facet, chip, back, Dutch, document)
and the no-JavaScript fallbacks that matter. Screenshots of failures go to
test-artifacts/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def facet_link(page, facet: str, value: str):
    return page.locator(f'a[data-facet="{facet}"][data-value="{value}"]')


def test_type_click_a_facet_remove_the_chip_go_back_switch_to_dutch_and_open_a_document(browser_page):
    page = browser_page
    page.goto("/?q=")
    page.fill("#q", "open data")
    page.wait_for_url(re.compile(r"q=open\+data"))  # results as you type, the URL follows
    expect(page.locator("#results-h")).to_contain_text("open data")
    typed_total = page.locator("#results-h").inner_text()

    facet_link(page, "lang", "fr").click()
    page.wait_for_url(re.compile(r"lang=fr"))
    assert page.locator("[data-chip='lang=fr']").count() == 1
    hit_langs = page.locator("[data-result] h3").evaluate_all("els => els.map(e => e.lang)")
    assert hit_langs and set(hit_langs) == {"fr"}

    page.locator("[data-chip='lang=fr']").click()
    page.wait_for_url(lambda url: "lang=fr" not in url)
    assert page.locator("[data-chip]").count() == 0
    assert page.locator("#results-h").inner_text() == typed_total

    page.go_back()
    page.wait_for_url(re.compile(r"lang=fr"))
    assert page.locator("[data-chip='lang=fr']").count() == 1

    page.locator("a[data-ui-lang='nl']").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    assert page.locator("form[role=search] button[type=submit]").inner_text() == "Zoeken"
    assert "Frans" in page.locator("[data-chip='lang=fr']").inner_text()

    first = page.locator("[data-result] h3 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/documents/\d+"))
    assert page.locator("h1").inner_text() == title
    assert page.locator("html").get_attribute("lang") == "nl", "the language choice is remembered"
    assert page.locator("#prov").inner_text() == "Over dit document"


def test_the_in_facet_search_narrows_a_long_facet(browser_page):
    page = browser_page
    page.goto("/?q=")
    group = page.locator("[data-facet-group='country']")
    box = group.locator("input[data-facet-filter]")
    assert box.is_visible()
    box.fill("slov")
    visible = group.locator(".facet-values li:visible .label").all_inner_texts()
    assert visible == ["Slovenia"]


def test_the_sort_select_applies_itself(browser_page):
    page = browser_page
    page.goto("/?q=smart")
    page.select_option("#sort", "date")
    page.wait_for_url(re.compile(r"sort=date"))
    assert page.locator("#sort").input_value() == "date"


def test_without_javascript_show_more_and_the_search_form_still_work(chromium, live_url):
    context = chromium.new_context(base_url=live_url, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        page.goto("/?q=")
        group = page.locator("[data-facet-group='country']")
        assert not group.locator("input[data-facet-filter]").is_visible()
        group.locator("summary").click()
        assert group.locator("details .facet-values li").first.is_visible()
        page.fill("#q", "digital twin")
        page.locator("form[role=search] button[type=submit]").click()
        page.wait_for_url(re.compile(r"q=digital\+twin"))
        assert page.locator("[data-result]").count() >= 1
    finally:
        context.close()


def test_the_first_tab_reaches_a_visible_skip_link_that_moves_focus_to_the_content(browser_page):
    page = browser_page
    page.goto("/?q=smart")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is on screen"
    assert skip.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_live_results_announce_the_new_total(browser_page):
    page = browser_page
    page.goto("/?q=")
    page.fill("#q", "digital twin")
    expect(page.locator("#live-status")).to_contain_text("digital twin")
    expect(page).to_have_title("digital twin – search · Casebook")


@pytest.mark.parametrize("path", ["/", "/?q=open+data&lang=nl&lang=fr&theme=open-data", "/api/"])
def test_pages_fit_a_360_pixel_screen_without_sideways_scrolling(chromium, live_url, path):
    context = chromium.new_context(base_url=live_url, viewport={"width": 360, "height": 740}, locale="nl-BE")
    try:
        page = context.new_page()
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.locator("html").get_attribute("lang") == "nl"
    finally:
        context.close()
