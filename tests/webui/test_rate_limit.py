"""Expensive requests (searches by pattern or of many words, exports) are limited per client address;
a query whose wildcards match too many words is searched as words, said in the reader's language."""

from __future__ import annotations

import pytest

from index.build import build_index
from index.cost import MAX_EXPANDED_TERMS
from kb.models import Document

LIMIT = 3


@pytest.fixture
def settings(tmp_path):
    from kb.settings import load_settings

    return load_settings(tmp_path / "data", environ={"KB_EMBEDDING_MODEL": "none"})  # lexical: quick to build


@pytest.fixture
def app(kb):
    from webui import create_app

    with kb.session() as session:  # 1,200 distinct words starting "ab": "ab*" is past the budget
        session.add_all([Document(url=f"https://stad.test/{page}", title=f"Loket {page}", lang="en",
                                  doc_type="case", text=" ".join(f"ab{page * 50 + n:04d}" for n in range(50)))
                         for page in range(MAX_EXPANDED_TERMS // 50 + 4)])
    build_index(kb, kb.settings.index_dir)
    application = create_app(kb.settings, kb=kb)
    application.config.update(TESTING=True, EXPENSIVE_PER_MINUTE=LIMIT)
    return application


def test_a_client_past_the_limit_of_expensive_requests_gets_429_while_plain_searches_go_on(app):
    client = app.test_client()
    for n in range(LIMIT):
        assert client.get("/api/search", query_string={"q": f"ab00{n}*", "meaning": "off"}).status_code == 200
    refused = client.get("/api/search", query_string={"q": "ab01*", "meaning": "off"})
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    assert "Too many searches with wildcards" in refused.get_json()["message"]
    assert client.get("/export.csv", query_string={"q": "loket"}).status_code == 429  # exports count too
    long_query = " ".join(["loket"] * 40)
    assert client.get("/api/search", query_string={"q": long_query}).status_code == 429
    assert client.get("/api/search", query_string={"q": "loket", "meaning": "off"}).status_code == 200
    assert client.get("/", query_string={"q": "loket 3", "meaning": "off"}).status_code == 200
    other = client.get("/api/search", query_string={"q": "ab01*", "meaning": "off"},
                       environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


def test_the_refusal_is_in_the_readers_language(app):
    client = app.test_client()
    for _ in range(LIMIT):
        client.get("/export.json")
    page = client.get("/", query_string={"q": "ab0*", "lang_ui": "fr"})
    assert page.status_code == 429
    assert "Trop de recherches avec jokers" in page.get_data(as_text=True)


@pytest.mark.parametrize("lang, expected", [
    ("en", "Your wildcards (* or ?) match too many words to search them all; searched for the words: ab."),
    ("nl", "Uw jokertekens (* of ?) passen op te veel woorden"),
    ("fr", "Vos caractères jokers (* ou ?) correspondent à trop de mots"),
    ("de", "Ihre Platzhalter (* oder ?) passen auf zu viele Wörter"),
])
def test_a_query_past_the_cost_budget_is_searched_as_words_with_a_message_in_the_ui_language(app, lang, expected):
    page = app.test_client().get("/", query_string={"q": "ab*", "lang_ui": lang, "meaning": "off"})
    assert page.status_code == 200
    assert expected in page.get_data(as_text=True)


def test_behind_a_trusted_proxy_each_client_is_limited_by_its_own_address_and_otherwise_the_header_is_ignored(kb):
    from dataclasses import replace

    from webui import create_app

    build_index(kb, kb.settings.index_dir)
    for proxies, separate in ((1, True), (0, False)):
        app = create_app(replace(kb.settings, trusted_proxies=proxies), kb=kb)
        app.config.update(TESTING=True, EXPENSIVE_PER_MINUTE=LIMIT)
        client = app.test_client()
        answers = [client.get("/export.json", headers={"X-Forwarded-For": f"198.51.100.{n}"},
                              environ_base={"REMOTE_ADDR": f"10.0.0.{proxies}"}).status_code
                   for n in range(LIMIT + 2)]
        assert answers == [200] * (LIMIT + 2) if separate else answers == [200] * LIMIT + [429, 429]
