"""What a person types or a missing index never becomes a 500."""

from __future__ import annotations

import pytest


def test_a_parser_failure_is_searched_again_as_plain_words(web, monkeypatch):
    import webui.context

    real_search = webui.context.search

    def fragile_search(index_dir, req):
        if "(" in req.q:
            raise IndexError("list index out of range")  # as Whoosh's parser once did on odd input
        return real_search(index_dir, req)

    monkeypatch.setattr(webui.context, "search", fragile_search)
    page = web.get("/", query_string={"q": "open data ("})
    assert page.status_code == 200 and "Could not read the query" in page.get_data(as_text=True)
    data = web.get("/api/search", query_string={"q": "open data ("}).get_json()
    assert data["total"] >= 1 and data["query"] == "open data (" and "open data" in data["message"]


@pytest.fixture
def empty_app(settings, kb):
    from webui import create_app

    app = create_app(settings, kb=kb)
    app.config["TESTING"] = True
    return app


def test_without_an_index_pages_say_so_and_the_api_answers_503(empty_app):
    client = empty_app.test_client()
    home = client.get("/")
    assert home.status_code == 200 and "The index is empty" in home.get_data(as_text=True)
    page = client.get("/?q=open+data")
    assert page.status_code == 503 and "The index is empty" in page.get_data(as_text=True)
    api = client.get("/api/search?q=x")
    assert api.status_code == 503 and api.get_json()["status"] == 503
    assert client.get("/export.csv?q=x").status_code == 503
    assert client.get("/sitemap.xml").status_code == 200
