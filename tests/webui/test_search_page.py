"""The search page with Flask's test client: facets, chips, sort, pages, empty results, fragments."""

from __future__ import annotations

import re
from html import unescape

import pytest


def html_of(web, url, **kwargs) -> str:
    response = web.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_every_facet_value_is_a_link_carrying_its_filter(web):
    html = html_of(web, "/?q=smart")
    links = re.findall(r'<a href="([^"]*)" data-facet="(\w+)" data-value="([^"]*)"', html)
    assert len(links) >= 20
    for href, facet, _value in links:
        assert href.startswith("?q=smart&amp;")
        assert f"{facet}=" in unescape(href)


def test_facet_counts_ignore_their_own_selection_and_selected_values_are_marked(web):
    html = html_of(web, "/?q=&lang=nl")
    assert re.search(r'data-facet="lang" data-value="nl" aria-current="true"', html)
    assert re.search(r'data-facet="lang" data-value="fr"', html), "other languages stay offered to widen the search"


def test_long_facets_hide_their_tail_behind_show_more_without_javascript(web):
    html = html_of(web, "/?q=")
    country = html[html.index('data-facet-group="country"'):html.index('data-facet-group="municipality"')]
    assert "<details" in country and "<summary>Show" in country
    assert re.search(r'<label class="facet-filter" hidden>', country), "the in-facet search box waits for JavaScript"


def test_selected_filters_are_chips_that_remove_themselves_and_clear_all_keeps_the_query(web):
    html = html_of(web, "/?q=data&lang=nl&country=BE")
    chips = dict(re.findall(r'<a class="chip" href="([^"]*)" data-chip="([^"]*)"', html))
    assert set(chips.values()) == {"lang=nl", "country=BE"}
    by_chip = {v: unescape(k) for k, v in chips.items()}
    assert by_chip["lang=nl"] == "?q=data&country=BE"
    assert by_chip["country=BE"] == "?q=data&lang=nl"
    clear = re.search(r'<a class="chip clear" href="([^"]*)" data-clear-filters>', html)
    assert clear and unescape(clear.group(1)) == "?q=data"


def test_chips_and_facets_show_names_in_the_ui_language(web):
    html = html_of(web, "/?q=&country=BE&lang=nl&theme=smart-city")
    assert "Country: Belgium" in html and "Language: Dutch" in html
    assert "Theme: Smart city" in html or "Theme: smart city" in html.lower()


def test_results_carry_data_result_badge_type_source_and_language(web):
    html = html_of(web, "/?q=gemeentehuis&lang=nl")
    results = re.findall(r'<li class="hit" data-result data-id="(\d+)">(.*?)</li>\s*(?=<li class="hit"|</ol>)', html,
                         re.S)
    assert results
    for _, body in results:
        assert '<h3 lang="nl">' in body and 'class="badge"' in body and "127.0.0.1" in body
        assert re.search(r'<span class="type">(case|document|event|report)</span>', body)


def test_results_say_which_other_languages_a_case_is_in(web):
    html = html_of(web, "/?q=Smart+Flanders&lang=nl")
    assert "Also in:" in html
    assert re.search(r'<a href="/documents/\d+" hreflang="(en|de|fr)"', html), "a translation we hold links to our page"


def test_snippets_mark_matches_and_escape_document_html(web):
    html = html_of(web, "/?q=gemeentehuis")
    assert "<mark" in html
    assert "<script" not in html.split("</head>")[1]


def test_sort_select_and_pages_keep_the_state_in_the_url(web):
    html = html_of(web, "/?q=&lang=en&sort=date")
    assert re.search(r'<option value="date" selected>', html)
    next_link = re.search(r'<a href="([^"]*)" rel="next"', html)
    assert next_link
    assert unescape(next_link.group(1)) == "?q=&lang=en&sort=date&page=2"
    page2 = html_of(web, "/?q=&lang=en&sort=date&page=2")
    assert re.search(r'aria-current="page"><span class="visually-hidden">Page </span>2<', page2)
    assert 'rel="prev"' in page2


def test_a_page_past_the_end_is_empty_and_links_back_not_an_error(web):
    html = html_of(web, "/?q=gemeentehuis&page=500")
    assert "data-result" not in html
    assert re.search(r'<a href="\?q=gemeentehuis&amp;page=\d+" data-last-page>', html)


def test_no_results_say_so_suggest_a_spelling_and_offer_to_drop_filters(web):
    html = html_of(web, "/?q=loketz&country=FR")
    assert "Nothing found." in html and "data-empty" in html
    assert "Search without filters" in html
    suggestion = re.search(r'<a href="([^"]*)" data-suggestion>([^<]*)</a>', html)
    assert suggestion and suggestion.group(2) == "loket"
    assert unescape(suggestion.group(1)) == "?country=FR&q=loket"


@pytest.mark.parametrize("query", ['"smart city', "AND", "open (data", "title:", "*", "((((", "NOT NOT"])
def test_query_syntax_errors_are_a_message_on_a_200_page(web, query):
    response = web.get("/", query_string={"q": query})
    assert response.status_code == 200


def test_a_repaired_query_is_explained_in_the_ui_language(web):
    html = html_of(web, "/", query_string={"q": '"digitaal loket', "lang_ui": "nl"})
    assert "De zoekvraag kon niet gelezen worden" in html and "digitaal loket" in html


@pytest.mark.parametrize("lang, expected", [("nl", "Een jokerteken (* of ?) heeft minstens twee letters"),
                                             ("en", "A wildcard (* or ?) needs at least two letters"),
                                             ("de", "Ein Platzhalter (* oder ?) braucht mindestens zwei")])
def test_a_too_short_wildcard_is_explained_in_the_ui_language(web, lang, expected):
    # "d?" at the end of a query is a question now, so the too-short wildcard is "a*"
    html = unescape(html_of(web, "/", query_string={"q": "lo* a*", "lang_ui": lang}))
    assert expected in html and "searched for the words" not in html.replace(expected, "") or lang == "en"
    assert "lo a" in html


@pytest.mark.parametrize("url", ["/?q=x&page=0", "/?q=x&page=abc", "/?q=x&per_page=1000", "/?q=x&sort=sideways"])
def test_bad_parameters_are_a_400_page(web, url):
    response = web.get(url)
    assert response.status_code == 400
    assert "text/html" in response.content_type
    assert "must" in response.get_data(as_text=True)


def test_the_results_fragment_is_the_results_alone_for_live_search(web):
    response = web.get("/?q=open+data", headers={"X-Casebook-Fragment": "1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "X-Casebook-Fragment" in response.headers["Vary"]
    assert "data-result" in body and "<html" not in body and "<header" not in body


def test_export_links_carry_the_search(web):
    html = html_of(web, "/?q=open+data&lang=fr")
    for fmt in ("csv", "json", "ris", "bib"):
        assert f'href="/export.{fmt}?q=open+data&amp;lang=fr"' in html
    assert 'href="/feed.atom?q=open+data&amp;lang=fr"' in html


def test_pages_have_no_inline_scripts_or_styles(web):
    for url in ("/", "/?q=smart&lang=en", "/api/"):
        html = html_of(web, url)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert "<style" not in html and " style=" not in html and " onclick=" not in html, url
