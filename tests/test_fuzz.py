"""Fuzzing the parts that read untrusted input: no unhandled exception, only typed errors."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.errors import SkipError
from crawler.extract import decode_html, extract_html, extract_pdf
from crawler.urls import canonical_url

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HTML_BITS = st.sampled_from(["<", ">", "</", "<p>", "<script>", "</script>", "<main>", "<a href='", "'>",
                             "<html lang='", "<meta charset='", "<!--", "-->", "&amp;", "&#x", ";", "\x00", "é",
                             "<script type='application/ld+json'>", "{\"@type\":", "[", "]", "\"", "<base href='"])


@FUZZ
@given(st.lists(st.one_of(HTML_BITS, st.text(max_size=20)), max_size=60))
def test_html_extraction_never_raises(parts):
    page = extract_html("".join(parts), "http://example.org/a/b.html")
    assert isinstance(page.text, str) and isinstance(page.links, list)


@FUZZ
@given(st.binary(max_size=400), st.sampled_from([None, "utf-8", "latin-1", "bogus-charset", "utf-16"]))
def test_decoding_any_bytes_gives_text(body, charset):
    assert isinstance(decode_html(body, charset), str)


@FUZZ
@given(st.binary(max_size=300))
def test_pdf_extraction_raises_only_value_error(body):
    try:
        extract_pdf(b"%PDF-1.4\n" + body, "http://example.org/x.pdf")
    except ValueError:
        pass


@FUZZ
@given(st.text(max_size=80), st.sampled_from([None, "http://example.org/a/", "https://h:8443/x?y=1"]))
def test_url_canonicalisation_is_total_and_idempotent(text, base):
    try:
        url = canonical_url(text, base=base)
    except (ValueError, SkipError):
        return
    assert canonical_url(url) == url


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    import json

    from index.build import build_index
    from kb.formats import import_documents
    from kb.settings import load_settings
    from kb.storage import open_kb

    settings_ = load_settings(tmp_path_factory.mktemp("fuzz") / "data", environ={})
    knowledge_base = open_kb(settings_)
    source = tmp_path_factory.mktemp("src") / "docs.jsonl"
    source.write_text("\n".join(json.dumps({"url": f"https://x.be/{i}", "title": t, "text": t * 3, "lang": lang})
                                for i, (t, lang) in enumerate([("Digitaal loket gemeente", "nl"),
                                                               ("Guichet unique commune", "fr"),
                                                               ("Open data platform city", "en")])),
                      encoding="utf-8")
    with knowledge_base.session() as session:
        import_documents(session, source)
    build_index(knowledge_base, settings_.index_dir)
    yield knowledge_base
    knowledge_base.close()


QUERY_BITS = st.sampled_from(['"', "(", ")", "AND", "OR", "NOT", "title:", "*", "?", "~", "^2", "[", "]", "TO",
                              "{", "}", ":", "-", "+", "loket", "open", "data", "é", "\\", "'", "/", "<script>"])


@FUZZ
@given(st.lists(st.one_of(QUERY_BITS, st.text(max_size=8)), max_size=12))
def test_the_query_parser_never_fails(small_index, parts):
    from index.query import SearchRequest, search

    response = search(small_index.settings.index_dir, SearchRequest(q=" ".join(parts)))
    assert response.total >= 0
    for hit in response.hits:
        assert "<script>" not in hit["snippet"]


@FUZZ
@given(st.dictionaries(st.sampled_from(["q", "page", "per_page", "sort", "lang", "type", "country", "theme", "year",
                                        "date_from", "date_to", "source", "municipality"]),
                       st.text(max_size=12), max_size=6))
def test_api_parameters_never_cause_a_server_error(small_index, params):
    from webui import create_app

    app = create_app(small_index.settings, kb=small_index)
    response = app.test_client().get("/api/search", query_string=params)
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    assert response.is_json
