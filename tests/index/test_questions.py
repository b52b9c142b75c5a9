"""A question typed as a question: its "?" is punctuation, not a wildcard."""

from __future__ import annotations

import json

import pytest

from index.build import build_index
from index.problems import BOOST_OUT_OF_RANGE, Problem, syntax_problems
from index.query import SearchRequest, search
from kb.formats import import_documents

DOCS = [
    {"url": "https://a.be/1", "title": "Digitaal loket in Kortrijk", "lang": "nl", "type": "case",
     "text": "De stad opende een digitaal loket waar inwoners attesten aanvragen van thuis uit."},
    {"url": "https://a.de/2", "title": "Bürgerbeteiligung in Ulm", "lang": "de", "type": "case",
     "text": "Die Stadt Ulm fördert Bürgerbeteiligungen mit einer Online-Plattform für alle Bürgerbüros."},
    {"url": "https://a.uk/3", "title": "Colour sensors in Leeds", "lang": "en", "type": "case",
     "text": "Leeds measures the colour of the river with sensors."},
]


@pytest.fixture
def indexed(kb, tmp_path):
    source = tmp_path / "docs.jsonl"
    source.write_text("\n".join(json.dumps(d) for d in DOCS), encoding="utf-8")
    with kb.session() as session:
        import_documents(session, source)
    build_index(kb, kb.settings.index_dir)
    return kb


def run(kb, q):
    return search(kb.settings.index_dir, SearchRequest(q=q))


@pytest.mark.parametrize("question, plain", [
    ("Welche Städte haben ein digitales Bürgerbüro?", "Welche Städte haben ein digitales Bürgerbüro"),
    ("Wie werkt met een digitaal loket?", "Wie werkt met een digitaal loket"),
    ("Bürgerbeteiligung? Ulm", "Bürgerbeteiligung Ulm"),
    ("who measures colour??", "who measures colour"),
    ('"digitaal loket"? Kortrijk', '"digitaal loket" Kortrijk'),
])
def test_a_question_mark_ending_a_word_is_punctuation(indexed, question, plain):
    asked, written = run(indexed, question), run(indexed, plain)
    assert asked.total == written.total > 0
    assert [(h["id"], h["score"]) for h in asked.hits] == [(h["id"], h["score"]) for h in written.hits]
    assert asked.message is None


def test_the_last_word_of_a_question_keeps_its_stemming(indexed):
    # "Bürgerbeteiligungen?" read as a wildcard would need one more letter, and find nothing
    assert [h["title"] for h in run(indexed, "Bürgerbeteiligungen?").hits] == ["Bürgerbeteiligung in Ulm"]


def test_a_question_mark_inside_a_word_stays_a_wildcard(indexed):
    assert syntax_problems("col?ur") == []
    assert [h["title"] for h in run(indexed, "col?ur").hits] == ["Colour sensors in Leeds"]
    assert run(indexed, "co?our").total == 1
    assert run(indexed, "sens*").total == 1


def test_an_absurd_boost_is_searched_as_plain_words_with_a_message(indexed):
    response = run(indexed, "loket^" + "9" * 400)
    assert response.problems == [Problem(BOOST_OUT_OF_RANGE, {"max": 100})]
    assert response.message.startswith("Could not read the query as written (a boost (^) must be a number")
    assert response.total == 1 and all(abs(hit["score"]) < 1e6 for hit in response.hits)
    assert run(indexed, "loket^3 Kortrijk").message is None
