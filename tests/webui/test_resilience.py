"""What a person types or a missing index never becomes a 500."""

from __future__ import annotations

import pytest


def test_a_parser_failure_is_searched_again_as_plain_words(web, monkeypatch):
    import index.query

    real_search = index.query.run_search

    def fragile_search(searcher, req, meaning=None):
        if "(" in req.q:
            raise IndexError("list index out of range")  # as Whoosh's parser once did on odd input
        return real_search(searcher, req, meaning)

    monkeypatch.setattr(index.query, "run_search", fragile_search)
    page = web.get("/", query_string={"q": "open data ("})
    assert page.status_code == 200 and "Could not read the query" in page.get_data(as_text=True)
    data = web.get("/api/search", query_string={"q": "open data ("}).get_json()
    assert data["total"] >= 1 and data["query"] == "open data (" and "open data" in data["message"]
    assert data["problems"] == [{"code": "unparsable", "params": {}}] and data["searched_words"] == "open data"


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


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

WEB_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PARAM_NAMES = st.sampled_from(["q", "lang", "country", "theme", "type", "year", "sort", "page", "per_page", "lang_ui",
                               "source", "municipality"])
PARAM_VALUES = st.one_of(st.sampled_from(['"', "(", "AND", "nl", "BE", "date", "0", "-1", "99999", "<script>", "%00",
                                          "\x00", "é", " ", "title:", "*"]), st.text(max_size=20))


@WEB_FUZZ
@given(params=st.lists(st.tuples(PARAM_NAMES, PARAM_VALUES), max_size=6),
       path=st.sampled_from(["/", "/api/search", "/api/facets", "/export.ris", "/feed.atom"]))
def test_no_combination_of_parameters_is_a_server_error(demo_app, params, path):
    response = demo_app.test_client().get(path, query_string=params)
    assert response.status_code in (200, 400), (path, params, response.status_code)
    if response.status_code == 400 and path.startswith("/api/"):
        assert response.get_json()["message"]
