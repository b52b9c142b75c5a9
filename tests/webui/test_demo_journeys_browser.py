"""The three users of the demo, end to end in Chromium, asserting on what each sees.

A civil servant searches in Dutch, finds a case written in French, narrows by country, sends the
address to a colleague, reads a case in both its languages and narrows the cases to places of her
own size (population band); a researcher registers a source and imports a list of cases,
which wait for review; a workshop expert builds a collection, notes its cases and shares its link
with someone who is not signed in; a researcher proposes a case through the form, the demo curator
validates it, builds a public collection with it for the upcoming workshop and links it to the event, and a
signed-out visitor sees the case validated, reads the collection from the event and registers (not
without consent). One `kb serve` for the module, on a copy of the data folder
`kb demo` leaves, so that what the journeys add stays out of the other modules' demo.
"""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.webui.conftest import ARTIFACTS, kb_serving

pytestmark = pytest.mark.browser
RESEARCHER, RESEARCHER_PASSWORD = "rosa-researcher", "a researcher's long password"
TITLE = "Digital front desks: reading for the next workshop"


@pytest.fixture(scope="module")
def journey_data(demo_curated_kb, tmp_path_factory):
    """A copy of the demo's data folder (database, index, settings, curator password) with a researcher."""
    from index.backup import copy_index
    from kb.accounts import create_user
    from kb.backup import backup_database, copy_config
    from kb.demo.curation import PASSWORD_FILE
    from kb.settings import load_settings
    from kb.storage import open_kb

    knowledge_base, _, _ = demo_curated_kb
    folder = tmp_path_factory.mktemp("journeys") / "data"
    folder.mkdir()
    backup_database(knowledge_base.settings.db_path, folder / "kb.sqlite3")
    copy_config(knowledge_base.settings.data_dir, folder)
    shutil.copy2(knowledge_base.settings.data_dir / PASSWORD_FILE, folder / PASSWORD_FILE)
    copy_index(knowledge_base.settings.index_dir, folder / "index")
    copy = open_kb(load_settings(folder, {"embedding_model": "none"}, environ={}))
    with copy.session() as session:
        create_user(session, RESEARCHER, "researcher", RESEARCHER_PASSWORD)
    copy.close()
    return folder


@pytest.fixture(scope="module")
def journey_url(journey_data):
    with kb_serving(journey_data, "--workers", "1", env={"KB_EMBEDDING_MODEL": "none"}) as url:
        yield url


@pytest.fixture
def open_page(request, chromium, journey_url):
    """A page in a fresh browser context (its own cookies) in the given locale; closed after the test, the
    first one photographed into test-artifacts/ when the test failed."""
    contexts = []

    def new_page(locale: str = "en-GB"):
        context = chromium.new_context(base_url=journey_url, locale=locale, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield new_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and contexts:
        ARTIFACTS.mkdir(exist_ok=True)
        contexts[0].pages[0].screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    for context in contexts:
        context.close()


def sign_in(page, name: str, password: str) -> None:
    page.goto("/auth/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    expect(page.locator(".account-nav")).to_contain_text(name)


def test_a_civil_servant_searches_in_dutch_narrows_by_country_shares_the_address_and_filters_by_population(open_page):
    page = open_page("nl-BE")
    page.goto("/")
    expect(page.locator("form[role=search] button[type=submit]")).to_have_text("Zoeken")
    page.fill("#q", "digitaal loket")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=digitaal\+loket"))
    luxembourg = page.locator("[data-result]", has=page.locator("h3[lang=fr]", has_text="Guichet.lu"))
    expect(luxembourg).to_have_count(1)  # written in French only, found with Dutch words ("guichet")
    assert luxembourg.locator("mark").count() >= 1, "the snippet shows the words that matched"

    for country in ("BE", "LU"):  # two values of one facet: either country
        page.locator(f'a[data-facet="country"][data-value="{country}"]').click()
        page.wait_for_url(re.compile(f"country={country}"))
    expect(page.locator("[data-chip='country=BE']")).to_contain_text("België")
    expect(page.locator("[data-chip='country=LU']")).to_contain_text("Luxemburg")
    places = page.locator("[data-result] .country").all_inner_texts()
    assert places and all(p.startswith(("België", "Luxemburg")) for p in places), places
    expect(luxembourg).to_have_count(1)
    titles = page.locator("[data-result] h3").all_inner_texts()
    heading = page.locator("#results-h").inner_text()

    colleague = open_page("fr-BE")  # the address, sent to a French-speaking colleague, shows the same results
    colleague.goto(page.url)
    expect(colleague.locator("[data-chip='country=BE']")).to_contain_text("Belgique")
    assert colleague.locator("#q").input_value() == "digitaal loket"
    assert colleague.locator("[data-result] h3").count() == len(titles)
    # the same cases, each in the colleague's language where it has a version in it
    expect(colleague.locator("[data-result] h3[lang=fr]", has_text="IRISbox")).to_contain_text("Bruxelles")
    assert re.findall(r"\d+", colleague.locator("#results-h").inner_text()) == re.findall(r"\d+", heading)

    page.locator("[data-result] h3 a", has_text="IRISbox").click()  # a Brussels case, in Dutch
    page.wait_for_url(re.compile(r"/documents/\d+"))
    expect(page.locator("h1")).to_have_attribute("lang", "nl")
    page.locator("section.also-in a[hreflang=fr]").click()  # and its French version
    page.wait_for_url(re.compile(r"/documents/\d+"))
    expect(page.locator("h1")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_contain_text("IRISbox")
    expect(page.locator("html")).to_have_attribute("lang", "nl")  # the interface stays Dutch

    page.goto("/cases/")  # the Belgian cases of places of over a million inhabitants (regions)
    page.locator('a[data-facet="country"][data-value="BE"]').click()
    page.wait_for_url(re.compile(r"country=BE"))
    page.locator('a[data-facet="population"][data-value="1M+"]').click()
    page.wait_for_url(re.compile(r"population=1M"))
    expect(page.locator('a[data-facet="population"][data-value="1M+"]')).to_have_attribute("aria-current", "true")
    listed = page.locator("li[data-case]")
    expect(listed.filter(has_text="IRISbox")).to_have_count(1)  # the Brussels-Capital Region
    texts = listed.all_inner_texts()
    assert len(texts) == 9 and all("1M+" in t and "België" in t for t in texts), texts
    assert not any("Antwerp" in t or "Gent" in t for t in texts), texts  # cities of under a million


CASE_LIST = (
    "title,summary,municipality,country,themes,years,status\n"
    '"Mechelen: digitale assistent voor het loket","Inwoners stellen hun vragen aan een digitale assistent.",'
    "Mechelen,BE,digital-services,2023,ongoing\n"
    '"Leuven: open data over parkeren","De stad publiceert de bezetting van haar parkings als open data.",'
    "Leuven,BE,open-data,2021-2022,completed\n"
    '"Zonder beschrijving","",Gent,BE,,,\n'
)


def test_a_researcher_registers_a_source_and_imports_a_case_list_that_waits_for_review(open_page):
    page = open_page()
    sign_in(page, RESEARCHER, RESEARCHER_PASSWORD)
    page.goto("/sources/")
    waiting = int(page.locator("[data-waiting]").get_attribute("data-waiting"))
    page.fill("#url", "https://www.vvsg.be/kennisitems/")
    page.fill("#name", "VVSG knowledge items")
    page.fill("#why", "Cases of Flemish municipalities")
    page.get_by_role("button", name="Queue for crawling").click()
    row = page.locator("table tr", has_text="VVSG knowledge items")
    expect(row).to_contain_text("queued")
    assert int(page.locator("[data-waiting]").get_attribute("data-waiting")) == waiting + 1

    page.goto("/cases/")
    page.get_by_text("Import cases").click()
    page.set_input_files("#file", {"name": "cases.csv", "mimeType": "text/csv", "buffer": CASE_LIST.encode()})
    page.get_by_role("button", name="Import").click()
    expect(page.locator("h1")).to_have_text("Case import")
    expect(page.locator("main")).to_contain_text("Stored 2, updated 0, rejected 1.")
    expect(page.locator("main li")).to_contain_text("Row 4: no description")

    page.get_by_role("link", name="Review the proposed cases").click()
    for title in ("Mechelen: digitale assistent voor het loket", "Leuven: open data over parkeren"):
        item = page.locator("li[data-case]", has=page.get_by_role("link", name=title))
        expect(item).to_contain_text("proposed")
    page.get_by_role("link", name="Leuven: open data over parkeren").click()
    expect(page.locator("main")).to_contain_text("proposed, not yet reviewed")
    expect(page.locator("dl.facts dt:has-text('Themes') + dd")).to_have_text("open data")  # named, not open-data
    expect(page.locator("dl.facts dt:has-text('Country') + dd")).to_have_text("Belgium")
    expect(page.get_by_role("button", name="Validate")).to_have_count(0)  # a curator reviews it


def test_a_workshop_expert_builds_a_collection_notes_its_cases_and_shares_the_link(open_page, journey_data):
    from kb.demo.curation import PASSWORD_FILE

    page = open_page()
    sign_in(page, "demo-curator", (journey_data / PASSWORD_FILE).read_text(encoding="utf-8").strip())
    irisbox = case_number(page, "/cases/?q=IRISbox")
    page.goto("/collections/new")
    page.fill("#title", TITLE)
    page.select_option("#visibility", "unlisted")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/collections/\d+"))

    page.goto("/cases/?q=loket")  # a case is added from its page, where it was found
    first_case = page.locator("ul.case-list li[data-case] > a").filter(has_not_text="IRISbox").first
    first_title = first_case.inner_text()
    first_case.click()
    page.select_option("form.add-to-collection select", label=TITLE)
    page.get_by_role("button", name="Add to collection").click()
    expect(page.locator("h1")).to_contain_text(TITLE)
    page.fill("#case_id", str(irisbox))  # and by its number
    page.fill("#new-note", "Brussels: one front desk for nineteen municipalities, in two languages.")
    page.get_by_role("button", name="Add", exact=True).click()
    items = page.locator("ol.items > li")
    expect(items).to_have_count(2)
    items.first.locator("textarea").fill("Start here: what residents ask for first.")
    items.first.get_by_role("button", name="Save note").click()
    expect(items.first.locator("p.note")).to_have_text("Start here: what residents ask for first.")
    share = page.locator("p.notice code").inner_text()
    assert "key=" in share

    visitor = open_page("nl-BE")  # signed out, another language
    visitor.goto(share)
    expect(visitor.locator("h1")).to_contain_text(TITLE)
    expect(visitor.locator("ol.items > li")).to_have_count(2)
    expect(visitor.locator("ol.items > li").first).to_contain_text(first_title)
    expect(visitor.locator("ol.items")).to_contain_text("nineteen municipalities")
    expect(visitor.locator("textarea, button:has-text('Remove')")).to_have_count(0)  # reads, cannot edit
    visitor.goto(share.split("?")[0])  # without the key the collection stays private
    expect(visitor.locator("h1")).not_to_contain_text(TITLE)


def case_number(page, browse: str) -> int:
    """The number of the first case a browse lists, read from its link."""
    page.goto(browse)
    return int(page.locator("ul.case-list li[data-case] > a").first.get_attribute("href").rstrip("/").split("/")[-1])


PROPOSAL = "Mechelen: wijkloket aan huis"
WORKSHOP_READING = "Reading for the upcoming workshop"


def test_a_proposed_case_is_validated_read_for_the_next_workshop_and_a_visitor_registers_for_it(
    open_page, journey_data
):
    from kb.demo.curation import PASSWORD_FILE

    researcher = open_page()  # proposes a case through the form
    sign_in(researcher, RESEARCHER, RESEARCHER_PASSWORD)
    researcher.goto("/cases/")
    researcher.get_by_role("link", name="Propose a case").click()
    researcher.fill("#title", PROPOSAL)
    researcher.fill("#summary", "Civil servants visit residents who cannot come to the front desk.")
    researcher.fill("#municipality", "Mechelen")
    researcher.fill("#country", "BE")
    researcher.fill("#themes", "digital-services")
    researcher.fill("#years", "2024")
    researcher.get_by_role("button", name="Propose").click()
    researcher.wait_for_url(re.compile(r"/cases/\d+$"))
    expect(researcher.locator("main")).to_contain_text("proposed, not yet reviewed")
    proposal_url = researcher.url

    curator = open_page()  # finds it among the proposals and validates it
    sign_in(curator, "demo-curator", (journey_data / PASSWORD_FILE).read_text(encoding="utf-8").strip())
    curator.goto("/cases/?state=proposed")
    curator.get_by_role("link", name=PROPOSAL).click()
    assert curator.url == proposal_url
    curator.get_by_role("button", name="Validate").click()
    expect(curator.locator("main")).to_contain_text(re.compile(r"validated by demo-curator on \d{4}-\d{2}-\d{2}"))

    curator.goto("/events")  # the next workshop: the one open for registration
    upcoming = curator.locator("ul.event-list li", has_text="Registration open")
    expect(upcoming).to_have_count(1)
    workshop = upcoming.locator("a").inner_text()
    day = upcoming.locator("time").first.get_attribute("datetime")[:10]
    curator.goto("/collections/new")  # a public collection for that workshop, with the new case, noted
    curator.fill("#title", WORKSHOP_READING)
    curator.select_option("#visibility", "public")
    curator.fill("#event_name", workshop)
    curator.fill("#event_start", day)
    curator.get_by_role("button", name="Create").click()
    curator.wait_for_url(re.compile(r"/collections/\d+"))
    curator.goto(proposal_url)
    curator.select_option("form.add-to-collection select", label=WORKSHOP_READING)
    curator.get_by_role("button", name="Add to collection").click()
    item = curator.locator("ol.items > li")
    expect(item).to_have_count(1)
    item.locator("textarea").fill("Read before the workshop: a front desk that comes to the residents.")
    item.get_by_role("button", name="Save note").click()
    expect(item.locator("p.note")).to_contain_text("comes to the residents")
    curator.goto("/events")  # and links it to the event
    curator.get_by_role("link", name=workshop).click()
    event_url = curator.url
    curator.get_by_role("link", name="Edit event").click()
    curator.get_by_label("Collection for the event").select_option(label=WORKSHOP_READING)
    curator.get_by_role("button", name="Save").click()
    curator.wait_for_url(event_url)
    expect(curator.locator("dl.facts dt:has-text('Collection') + dd")).to_have_text(WORKSHOP_READING)

    visitor = open_page()  # signed out: sees the case validated, reads the workshop's collection, registers
    visitor.goto(f"/cases/?q={PROPOSAL}")
    listed = visitor.locator("li[data-case]", has=visitor.get_by_role("link", name=PROPOSAL))
    expect(listed.locator(".badge")).to_have_text("validated")
    visitor.goto("/events")
    visitor.get_by_role("link", name=workshop).click()
    places = visitor.locator("dl.facts dt:has-text('Places') + dd")
    left = int(re.search(r"(\d+) left", places.inner_text()).group(1))
    visitor.get_by_role("link", name=WORKSHOP_READING).click()
    expect(visitor.locator("section.event h2")).to_have_text(workshop)
    expect(visitor.locator("ol.items > li")).to_contain_text(PROPOSAL)
    expect(visitor.locator("ol.items p.note")).to_contain_text("comes to the residents")
    visitor.go_back()
    visitor.fill("#reg-name", "Vera Visitor")
    visitor.fill("#reg-email", "vera@example.org")
    visitor.fill("#reg-org", "City of Mechelen")
    visitor.get_by_role("button", name="Register").click()
    expect(visitor.locator("input[name=consent]:invalid")).to_have_count(1)  # not without consent
    assert visitor.url == event_url
    visitor.get_by_label(re.compile("I agree that Casebook stores my name")).check()
    visitor.get_by_role("button", name="Register").click()
    expect(visitor.locator("h1")).to_contain_text(f"Your registration: {workshop}")
    expect(visitor.locator("[role=status]")).to_have_text("You are registered.")
    visitor.goto(event_url)
    expect(places).to_contain_text(f"{left - 1} left")
