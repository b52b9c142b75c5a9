"""Crawl the bundled demo site through a real HTTP server, index it, search it from the web UI and API."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def client(demo_kb):
    from webui import create_app

    knowledge_base, _ = demo_kb
    app = create_app(knowledge_base.settings, kb=knowledge_base)
    app.config["TESTING"] = True
    return app.test_client()


def test_the_demo_crawl_stores_pages_and_never_fetches_the_robots_disallowed_area(demo_kb, demo_site):
    _, result = demo_kb
    _, log = demo_site
    assert result.summary["stored"] >= 50
    assert not any(path.startswith("/admin") for path in log)
    assert result.summary["skipped"].get("robots", 0) >= 1


def test_a_dutch_query_finds_a_dutch_page_through_the_api(client):
    data = client.get("/api/search?q=gemeentehuis&lang=nl").get_json()
    assert data["total"] >= 1
    assert {hit["lang"] for hit in data["hits"]} == {"nl"}
    assert set(data) >= {"query", "total", "page", "hits", "facets"}
    assert set(data["hits"][0]) >= {"id", "url", "title", "lang", "type", "score", "snippet"}


def test_an_english_query_finds_an_english_page_in_the_search_page(client):
    page = client.get("/?q=digital+twin&lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count("data-result") >= 1
    assert 'lang="en"' in html


def test_facet_links_carry_their_filter_and_counts(client):
    data = client.get("/api/search?q=").get_json()
    assert len(data["facets"]["lang"]) >= 4
    html = client.get("/?q=").get_data(as_text=True)
    assert 'href="?q=&amp;lang=nl"' in html


def test_a_broken_query_is_a_message_not_an_error_page(client):
    for query in ('"smart city', "AND", "open (data"):
        page = client.get("/", query_string={"q": query})
        assert page.status_code == 200
        assert "Could not read the query" in page.get_data(as_text=True)


def test_bad_parameters_are_a_400_with_a_json_message(client):
    response = client.get("/api/search?q=x&page=zero")
    assert response.status_code == 400
    assert "page" in response.get_json()["message"]


def test_the_document_page_shows_provenance(client):
    hit = client.get("/api/search?q=Antwerpen").get_json()["hits"][0]
    html = client.get(f"/documents/{hit['id']}").get_data(as_text=True)
    for label in ("Source URL", "Fetched at", "Language", "Content hash"):
        assert label in html
    assert client.get("/documents/999999").status_code == 404
