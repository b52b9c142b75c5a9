"""WCAG 2.1 AA with axe-core (from the npm registry) in Chromium: no serious or critical violation.

axe is injected with the page's CSP bypassed (the page itself allows only its
own scripts); the pages are checked at desktop and phone widths.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser

PAGES = {"home": "/", "search with filters": "/?q=open+data&lang=nl&lang=fr&theme=open-data&sort=date",
         "empty search": "/?q=loketz&country=FR", "api": "/api/"}
WIDTHS = (1280, 360)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="module")
def document_path(live_url):
    import urllib.request

    with urllib.request.urlopen(live_url + "/api/search?q=Smart+Flanders&lang=nl") as response:
        hit = json.load(response)["hits"][0]
    return f"/documents/{hit['id']}"


def axe_problems(page, axe_script, where: str = "") -> list[str]:
    """axe-core run on the page as it is (its context made with bypass_csp=True): the serious and critical
    violations, each said in a line that starts with ``where``."""
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    prefix = f"{where}: " if where else ""
    return [f"{prefix}{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def serious_violations(chromium, live_url, axe_script, path: str, width: int) -> list[str]:
    context = chromium.new_context(base_url=live_url, bypass_csp=True, viewport={"width": width, "height": 900},
                                   locale="en-GB")
    try:
        page = context.new_page()
        response = page.goto(path)
        assert response.ok, f"{path} answered {response.status}"
        return axe_problems(page, axe_script)
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", [*PAGES, "document"])
def test_axe_finds_no_serious_or_critical_violation(chromium, live_url, axe_script, document_path, name, width):
    path = document_path if name == "document" else PAGES[name]
    problems = serious_violations(chromium, live_url, axe_script, path, width)
    assert not problems, f"{name} at {width}px:\n" + "\n".join(problems)


@pytest.fixture(scope="module")
def curator_login(demo_kb):
    """A curator with one collection in the demo kb: (name, password)."""
    from kb.accounts import create_user
    from kb.collections import create_collection

    knowledge_base, _ = demo_kb
    with knowledge_base.session() as session:
        user = create_user(session, "axe-curator", "curator", "axe-curator-password")
        session.flush()
        create_collection(session, {"title": "Axe shortlist", "visibility": "private"}, user, "axe-curator")
        session.commit()
    return "axe-curator", "axe-curator-password"


def test_axe_finds_no_serious_violation_on_what_a_curator_sees(chromium, live_url, axe_script, document_path,
                                                              curator_login):
    context = chromium.new_context(base_url=live_url, bypass_csp=True, locale="en-GB")
    try:
        page = context.new_page()
        page.goto("/auth/login")
        page.fill("input[name=name]", curator_login[0])
        page.fill("input[name=password]", curator_login[1])
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        problems = []
        for path in ("/?q=open+data&lang=nl", document_path):
            page.goto(path)
            assert page.locator("form.add-to-collection").count() >= 1, f"signed in as a curator on {path}"
            problems += axe_problems(page, axe_script, path)
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_axe_finds_no_serious_violation_on_a_public_collection_page(chromium, live_url, axe_script, demo_kb,
                                                                    curator_login):
    from kb.models import Collection

    knowledge_base, _ = demo_kb
    with knowledge_base.session() as session:
        collection = session.query(Collection).filter_by(title="Axe shortlist").one()
        collection.visibility = "public"
        session.commit()
        path = f"/collections/{collection.id}"
    problems = serious_violations(chromium, live_url, axe_script, path, 1280)
    problems += serious_violations(chromium, live_url, axe_script, path, 360)
    assert not problems, "\n".join(problems)
