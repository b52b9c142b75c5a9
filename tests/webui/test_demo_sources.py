"""The demo's sources page as the demo curator sees it: the crawled demo site and the catalogue waiting."""

from __future__ import annotations

from html import unescape

import pytest

from kb.demo.curation import demo_curator
from kb.sources.catalogue import load_catalogue


@pytest.fixture(scope="module")
def curator_client(demo_curated_kb):
    from webui import create_app

    knowledge_base, _, _ = demo_curated_kb
    with knowledge_base.session() as session:
        actor, password = demo_curator(session, knowledge_base.settings.data_dir)
    app = create_app(knowledge_base.settings, kb=knowledge_base)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    assert client.post("/auth/login", data={"name": actor.name, "password": password}).status_code == 302
    return client


def test_the_sources_page_shows_the_crawled_demo_site_and_every_catalogue_source_waiting_for_a_worker(
        curator_client):
    html = curator_client.get("/sources/").get_data(as_text=True)
    entries, text = load_catalogue(), unescape(html)
    assert "Casebook demo site" in text and all(entry.name in text for entry in entries)
    assert f'data-waiting="{len(entries)}"' in html and "`kb worker`" in html
    assert html.count(">queued</span>") == len(entries) and html.count(">done</span>") == 1


@pytest.mark.parametrize("lang, words", [("nl", "wachten op hun eerste crawl"), ("fr", "attendent leur première"),
                                         ("de", "warten auf ihren ersten Crawl")])
def test_the_waiting_note_speaks_the_interface_language(curator_client, lang, words):
    assert words in curator_client.get(f"/sources/?lang_ui={lang}").get_data(as_text=True)
