"""Thesaurus expansion: a query names a concept in one language and finds it in the others."""

from __future__ import annotations

import pytest

from index.concepts import default_labels
from index.expansion import concepts_in_query

from .helpers import ask, build

ROWS = [
    {"url": "https://example.org/nl", "lang": "nl", "title": "Een digitaal loket voor de gemeente",
     "text": "Inwoners vragen attesten aan via het digitaal loket."},
    {"url": "https://example.org/fr", "lang": "fr", "title": "Un guichet unique en ligne",
     "text": "La commune ouvre un guichet unique pour toutes les démarches."},
    {"url": "https://example.org/de", "lang": "de", "title": "Bürgerbeteiligung in Ulm",
     "text": "Die Stadt setzt auf Bürgerbeteiligung und offene Daten."},
    {"url": "https://example.org/en", "lang": "en", "title": "Participatory budgeting in Lisbon",
     "text": "Residents propose and vote on projects of the participatory budget."},
    {"url": "https://example.org/es", "lang": "es", "title": "Presupuestos participativos en Madrid",
     "text": "Los vecinos deciden una parte del presupuesto municipal."},
    {"url": "https://example.org/pt", "lang": "pt", "title": "Orçamentos participativos em Lisboa",
     "text": "Os munícipes propõem e votam projetos para a cidade."},
]


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    return build(tmp_path_factory.mktemp("expansion"), ROWS)


def urls(response):
    return [h["url"] for h in response.hits]


@pytest.mark.parametrize("query,concept", [
    ("digitaal loket", "one-stop-shop"), ("guichets uniques", "one-stop-shop"),
    ("participatory budgeting", "participatory-budgeting"), ("Smart Cities", "smart-city"),
    ("orçamentos participativos", "participatory-budgeting"), ("Loja do Cidadão", "one-stop-shop"),
])
def test_a_label_in_any_language_names_its_concept(query, concept):
    assert concept in concepts_in_query(default_labels(), query)


def test_a_label_is_matched_as_a_whole_phrase_only():
    assert "one-stop-shop" not in concepts_in_query(default_labels(), "shop one-stop")


def test_labels_of_stopwords_and_one_word_do_not_name_a_concept():
    # "Mijn Gemeente" must not turn every "gemeente" into the citizen-account concept
    assert "citizen-account" not in concepts_in_query(default_labels(), "gemeente")


def test_expansion_finds_the_other_languages_below_the_exact_match(path):
    expanded = urls(ask(path, "digitaal loket"))
    assert expanded[0] == "https://example.org/nl"
    assert "https://example.org/fr" in expanded
    assert urls(ask(path, "digitaal loket", expand=False)) == ["https://example.org/nl"]


def test_an_english_phrase_finds_the_spanish_case(path):
    assert "https://example.org/es" in urls(ask(path, "participatory budgeting"))
    assert "https://example.org/es" not in urls(ask(path, "participatory budgeting", expand=False))


def test_a_negated_word_excludes_pages_and_is_not_expanded(path):
    found = urls(ask(path, "participatory budgeting NOT presupuestos"))
    assert "https://example.org/en" in found and "https://example.org/es" not in found
    assert "https://example.org/nl" not in urls(ask(path, "digitaal loket NOT attesten"))


def test_a_dutch_query_finds_the_portuguese_case_through_its_portuguese_labels(path):
    assert "https://example.org/pt" in urls(ask(path, "burgerbegroting"))
    assert "https://example.org/pt" not in urls(ask(path, "burgerbegroting", expand=False))


def test_a_portuguese_query_finds_the_cases_in_other_languages(path):
    found = urls(ask(path, "orçamento participativo"))
    assert found[0] == "https://example.org/pt"
    assert {"https://example.org/en", "https://example.org/es"} <= set(found)
