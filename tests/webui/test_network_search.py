"""Networks and calls are search documents (types network and call), with the type facet."""

from __future__ import annotations

import re

import pytest


@pytest.fixture(scope="module")
def curated_client(demo_curated_kb):
    from webui import create_app

    knowledge_base, _, _ = demo_curated_kb
    app = create_app(knowledge_base.settings, kb=knowledge_base)
    app.config["TESTING"] = True
    return app.test_client()


def test_a_smart_city_network_to_join_is_found_first_among_networks(curated_client):
    data = curated_client.get("/api/search", query_string={"q": "smart city network to join"}).get_json()
    assert data["facets"]["type"].get("network", 0) >= 3
    assert data["hits"][0]["type"] == "network"
    networks = curated_client.get("/api/search", query_string={"q": "smart city network to join",
                                                               "type": "network"}).get_json()
    assert networks["hits"] and {h["type"] for h in networks["hits"]} == {"network"}


def test_calls_are_found_by_their_words_and_filtered_by_type(curated_client):
    data = curated_client.get("/api/search", query_string={"q": "digital twins pilots", "type": "call"}).get_json()
    assert [h["title"] for h in data["hits"]][:1] == ["Example: pilots of local digital twins in small and "
                                                      "medium-sized cities"]
    assert {h["type"] for h in data["hits"]} == {"call"} and data["facets"]["type"]["call"] == data["total"]


def test_a_hit_on_a_network_or_call_leads_to_its_own_page(curated_client):
    for q, kind, path in (("Eurocities", "network", "/networks/"), ("transfer networks", "call", "/calls/")):
        hit = curated_client.get("/api/search", query_string={"q": q, "type": kind}).get_json()["hits"][0]
        response = curated_client.get(f"/documents/{hit['id']}")
        assert response.status_code == 302 and response.headers["Location"].startswith(path), q
        assert curated_client.get(response.headers["Location"]).status_code == 200


def test_the_search_page_names_the_new_types_in_the_interface_language(curated_client):
    html = curated_client.get("/?q=network&lang_ui=nl").get_data(as_text=True)
    assert "Netwerk of programma" in html


def test_organisation_network_and_call_hits_name_no_source_in_the_results(curated_client):
    for q, kind in (("Eurocities", "network"), ("Stad Gent", "organisation"), ("digital twins pilots", "call")):
        data = curated_client.get("/api/search", query_string={"q": q, "type": kind}).get_json()
        assert data["hits"] and all(h["source"] is None and h["source_name"] == "" for h in data["hits"]), q
        assert "unknown" not in data["facets"].get("source", {}), q
    for lang, type_label in (("en", "network or programme"), ("nl", "netwerk of programma"),
                             ("fr", "réseau ou programme"), ("de", "Netzwerk oder Programm")):
        html = curated_client.get("/", query_string={"q": "Eurocities", "type": "network", "lang_ui": lang})
        hits = re.findall(r'<li class="hit".*?</li>', html.get_data(as_text=True), re.S)
        assert hits and all('class="source"' not in hit and "unknown" not in hit for hit in hits), lang
        assert all(f'<span class="type">{type_label}</span>' in hit for hit in hits), lang
    pages = curated_client.get("/", query_string={"q": "open data Gent"}).get_data(as_text=True)
    assert 'class="source" data-source="' in pages  # crawled pages still name their source
