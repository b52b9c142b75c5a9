"""Indexing and searching a few imported documents."""

from __future__ import annotations

import json

import pytest

from index.build import build_index, check_index, sync_index
from index.problems import SHORT_WILDCARD, UNBALANCED_QUOTE, UNPARSABLE, WORD_RANGE, Problem, syntax_problems
from index.query import SearchRequest, search
from kb.formats import import_documents

DOCS = [
    {"url": "https://a.be/1", "title": "Digitaal loket in Kortrijk", "lang": "nl", "type": "case", "country": "BE",
     "text": "De stad opende een digitaal loket waar inwoners attesten aanvragen van thuis uit."},
    {"url": "https://a.fr/2", "title": "Guichet électronique à Lyon", "lang": "fr", "type": "case", "country": "FR",
     "text": "La ville propose un guichet électronique pour demander des documents en ligne."},
    {"url": "https://a.de/3", "title": "Bürgerbeteiligung in Ulm", "lang": "de", "type": "document", "country": "DE",
     "text": "Die Stadt Ulm fördert Bürgerbeteiligung mit einer Online-Plattform. <script>alert(1)</script>"},
    {"url": "https://a.uk/4", "title": "Open data in Manchester", "lang": "en", "type": "case", "country": "GB",
     "text": "Manchester publishes open data about air quality sensors across the city."},
]


@pytest.fixture
def indexed(kb, tmp_path):
    source = tmp_path / "docs.jsonl"
    source.write_text("\n".join(json.dumps(d) for d in DOCS), encoding="utf-8")
    with kb.session() as session:
        import_documents(session, source)
    build_index(kb, kb.settings.index_dir)
    return kb


def run(kb, q, **kwargs):
    return search(kb.settings.index_dir, SearchRequest(q=q, **kwargs))


def test_a_query_is_analysed_in_each_language(indexed):
    assert [h["title"] for h in run(indexed, "loketten").hits] == ["Digitaal loket in Kortrijk"]
    assert [h["title"] for h in run(indexed, "guichets").hits] == ["Guichet électronique à Lyon"]


def test_facets_count_values_and_filters_narrow_results(indexed):
    response = run(indexed, "")
    assert response.total == 4
    assert response.facets["type"] == {"case": 3, "document": 1}
    assert response.facets["lang"] == {"de": 1, "en": 1, "fr": 1, "nl": 1}
    filtered = run(indexed, "", filters={"type": ["case"], "country": ["BE", "FR"]})
    assert filtered.total == 2
    # counts of a facet ignore its own selection, so the user can widen it
    assert filtered.facets["country"] == {"BE": 1, "FR": 1, "GB": 1}


def test_snippets_are_escaped_before_matches_are_marked(indexed):
    hit = run(indexed, "Bürgerbeteiligung").hits[0]
    assert "<script>" not in hit["snippet"]
    assert "&lt;script&gt;" in hit["snippet"] or "script" not in hit["snippet"]
    assert "<mark" in hit["snippet"]


@pytest.mark.parametrize("query", ['"open data', "AND", "(open data", "open data)", "NOT", 'title:"x'])
def test_a_malformed_query_gives_a_message_and_best_effort_results(indexed, query):
    response = run(indexed, query)
    assert response.message
    assert response.total >= 0


def test_syntax_problems_are_named():
    assert syntax_problems('"open') == [Problem(UNBALANCED_QUOTE)]
    assert syntax_problems("open data") == []


def test_did_you_mean_comes_from_the_index_vocabulary(indexed):
    response = run(indexed, "manchestr")
    assert response.total == 0
    assert response.suggestion == "manchester"


def test_did_you_mean_leaves_words_of_one_or_two_letters_as_typed(indexed):
    response = run(indexed, "lyn manchestr ix")
    assert response.total == 0
    assert response.suggestion == "lyon manchester ix"  # three letters and more are corrected ("lyn" -> "lyon")
    assert run(indexed, "ul").suggestion is None  # not "ulm"


def test_did_you_mean_keeps_the_words_the_index_knows_and_fixes_only_the_misspelt_one(indexed):
    both_known = run(indexed, "manchester AND kortrijk")  # no page has both: nothing to correct
    assert both_known.total == 0 and both_known.suggestion is None
    assert run(indexed, "manchestr AND kortrijk").suggestion == "manchester kortrijk"


def test_incremental_update_and_check_keep_index_and_kb_consistent(indexed):
    from kb.models import Document

    with indexed.session() as session:
        doc = session.query(Document).filter_by(url="https://a.uk/4").one()
        doc.gone = True
    sync_index(indexed, indexed.settings.index_dir)
    assert run(indexed, "Manchester").total == 0
    report = check_index(indexed, indexed.settings.index_dir)
    assert report["missing_from_index"] == [] and report["not_in_kb"] == []


def test_a_query_the_whoosh_parser_chokes_on_is_searched_as_words(indexed):
    response = run(indexed, "title: NOT AND title: Manchester")
    assert response.problems == [Problem(UNPARSABLE)] and response.searched_words == "title title Manchester"
    assert response.message and response.total >= 1


def test_an_update_into_an_index_built_with_another_schema_asks_for_a_rebuild(indexed):
    """Updates never write into a generation of another schema: IndexOutdated fires first,
    so no update needs to tolerate missing fields; ``kb index --rebuild`` brings the new ones."""
    from index.errors import IndexOutdated
    from index.location import FINGERPRINT, current_generation
    from kb.models import Document

    generation = current_generation(indexed.settings.index_dir)
    (generation / FINGERPRINT).write_text("an-older-schema", encoding="utf-8")
    with indexed.session() as session:
        doc = session.query(Document).filter_by(url="https://a.be/1").one()
        doc.title = "Digitaal loket in Kortrijk en Brugge"
    with pytest.raises(IndexOutdated, match="kb index --rebuild"):
        sync_index(indexed, indexed.settings.index_dir)
    build_index(indexed, indexed.settings.index_dir)
    assert run(indexed, "Brugge").total == 1


def test_did_you_mean_candidates_are_those_of_whooshs_corrector(tmp_path):
    from whoosh import index as whoosh_index

    from index.spelling import _corrections, suggest
    from index.schema import spelling_fields

    from .helpers import build

    words = ["parking", "parting", "darting", "participation", "partition", "mobility", "mobile", "nobility"]
    path = build(tmp_path / "ix", [{"title": " ".join(words[i:i + 3]), "text": " ".join(words[:i + 1]),
                                   "lang": "en"} for i in range(len(words))])
    typos = ["parkng", "partiton", "mobilty", "nobilit", "parking", "pxrking", "m", "zzz", "partcipation"]
    with whoosh_index.open_dir(str(path)).searcher() as searcher:
        reader = searcher.reader()
        for name in spelling_fields():
            for typo in typos:
                assert _corrections(reader, name, typo) == reader.corrector(name).suggest(
                    typo, limit=2, maxdist=1, prefix=1), (name, typo)
        assert suggest(searcher, "mobilty partiton") == "mobility partition"
        assert suggest(searcher, "mobilty partiton") == "mobility partition"  # the remembered answer


def test_did_you_mean_prefers_the_word_the_index_uses_most_among_equally_close_ones(tmp_path):
    from .helpers import ask, build

    rows = [{"lang": "pl", "title": f"Raport {i}", "text": "cut " * 5} for i in range(8)]
    rows.append({"lang": "pl", "title": "Inny", "text": "cat"})
    path = build(tmp_path / "ix", rows)
    assert ask(path, "cxt").suggestion == "cut"


def test_a_field_wildcard_counts_only_the_documents_it_shows(tmp_path):
    from .helpers import ask, build

    rows = [{"lang": "nl", "title": "Digitaal loket", "text": "Gemeente"},
            {"lang": "pl", "title": "Cyfrowy urząd", "text": "Gmina"}]
    path = build(tmp_path / "ix", rows)
    response = ask(path, "title:*", filters={"lang": ["nl"]})
    assert response.total == len(response.hits)


def test_a_bare_star_lists_every_page_without_asking_each_field(indexed):
    from whoosh import query as wq

    from index.query import parse_query
    from index.schema import build_schema

    assert parse_query(build_schema(), "* *")[0] == wq.Every()
    every = run(indexed, "*")
    assert every.total == run(indexed, "").total > 0
    assert every.message is None


@pytest.mark.parametrize("text", ["a*", "*e", "body_en:*", "(k?t OR loket)", "title:?pen"])
def test_a_wildcard_with_fewer_than_two_letters_before_it_is_searched_as_plain_words(indexed, text):
    assert syntax_problems(text) == [Problem(SHORT_WILDCARD, {"letters": 2})]
    response = run(indexed, text)
    assert response.problems == [Problem(SHORT_WILDCARD, {"letters": 2})]
    assert response.message.startswith("Could not read the query as written (a wildcard needs 2 letters")


def test_a_wildcard_after_two_letters_still_finds_the_words_it_starts(indexed):
    assert syntax_problems("lo* ma?chester") == []
    assert {h["title"] for h in run(indexed, "lo*").hits} >= {"Digitaal loket in Kortrijk"}


@pytest.mark.parametrize("text", ["[a TO z]", "body_en:[a TO zzzz]", "title:{alpha TO omega}", "[2015 TO 2020]"])
def test_a_range_over_words_is_searched_as_plain_words(indexed, text):
    assert [problem.code for problem in syntax_problems(text)] == [WORD_RANGE]
    assert run(indexed, text).message.startswith("Could not read the query as written (ranges work on year:")


def test_a_range_of_years_still_filters(indexed):
    assert syntax_problems("year:[2015 TO 2020] loket") == []
    assert run(indexed, "year:[1900 TO 2100]").message is None


@pytest.mark.parametrize("text", ["-Manchester", "NOT Manchester", "(-Manchester)"])
def test_a_minus_or_a_leading_not_finds_every_page_without_the_word(indexed, text):
    response = run(indexed, text)
    assert response.message is None
    assert sorted(h["title"] for h in response.hits) == ["Bürgerbeteiligung in Ulm", "Digitaal loket in Kortrijk",
                                                         "Guichet électronique à Lyon"]


def test_a_minus_takes_a_word_out_of_a_search_but_a_hyphen_inside_a_word_does_not(indexed):
    assert [h["title"] for h in run(indexed, "stad -Ulm").hits] == ["Digitaal loket in Kortrijk"]
    assert [h["title"] for h in run(indexed, "Online-Plattform").hits] == ["Bürgerbeteiligung in Ulm"]


def test_a_hyphenated_query_word_also_finds_pages_that_write_it_apart(indexed):
    assert [h["title"] for h in run(indexed, "open-data").hits] == ["Open data in Manchester"]
    assert [h["title"] for h in run(indexed, "air-quality sensors").hits] == ["Open data in Manchester"]


def test_remembered_parses_are_bounded_and_the_least_recently_asked_go_first(monkeypatch):
    import index.query as query_module
    from index.schema import build_schema

    monkeypatch.setattr(query_module, "PARSES_KEPT", 6)
    monkeypatch.setattr(query_module, "_PARSES", query_module.OrderedDict())
    schema = build_schema()
    first = query_module._remembered(schema, "digital counter", False)  # its Whoosh parse, then the query
    for text in ("smart city", "open data"):
        query_module._remembered(schema, text, False)
    assert query_module._remembered(schema, "digital counter", False) is first  # asked again: kept, now newest
    query_module._remembered(schema, "air quality sensors", False)
    kept = [(key[1], key[2]) for key in query_module._PARSES]
    assert len(kept) == 6
    assert kept == [("smart city", False), ("open data", None), ("open data", False), ("digital counter", False),
                    ("air quality sensors", None), ("air quality sensors", False)]


def test_a_query_with_and_without_the_thesaurus_is_built_on_one_whoosh_parse(monkeypatch):
    import index.query as query_module
    from index.schema import build_schema

    monkeypatch.setattr(query_module, "_PARSES", query_module.OrderedDict())
    parses = []
    real = query_module._words_parsed
    monkeypatch.setattr(query_module, "_words_parsed", lambda *args: parses.append(args[1]) or real(*args))
    schema = build_schema()
    plain, _ = query_module.parse_query(schema, "digitaal loket", expand=False)
    expanded, _ = query_module.parse_query(schema, "digitaal loket", expand=True)
    assert parses == ["digitaal loket"]
    assert plain != expanded  # the thesaurus names the concept: its labels are added
    assert plain in expanded.subqueries
