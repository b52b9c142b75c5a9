"""A query's cost budget: wildcards that expand to too many words are searched as plain words."""

from __future__ import annotations

from whoosh import index as whoosh_index

from index.cost import MAX_EXPANDED_TERMS, expansion_cost
from index.problems import COSTLY_WILDCARDS, Problem
from index.query import parse_query
from tests.index.helpers import ask, build

WORDS_PER_PAGE = 50
PAGES = MAX_EXPANDED_TERMS // WORDS_PER_PAGE + 4  # "ab*" matches more words than the budget allows


def many_words(tmp_path):
    """Pages whose bodies hold 1,200 distinct words starting "ab" (ab0000 ... ab1199)."""
    rows = [{"title": f"Page {page}", "lang": "en",
             "text": " ".join(f"ab{page * WORDS_PER_PAGE + n:04d}" for n in range(WORDS_PER_PAGE))}
            for page in range(PAGES)]
    return build(tmp_path / "ix", rows)


def test_a_query_whose_wildcards_match_too_many_words_is_searched_as_plain_words_with_a_message(tmp_path):
    path = many_words(tmp_path)
    response = ask(path, "ab* ab0012", meaning=False)
    assert response.problems == [Problem(COSTLY_WILDCARDS)] and response.searched_words == "ab ab0012"
    assert response.message == ("Could not read the query as written (its wildcards match too many words); "
                                "searched for the words: ab ab0012.")
    assert [hit["title"] for hit in response.hits] == ["Page 0"]  # ab0012, as a plain word


def test_a_wildcard_within_the_budget_still_finds_every_word_it_starts(tmp_path):
    path = many_words(tmp_path)
    response = ask(path, "ab00*", meaning=False)  # ab0000 ... ab0099: pages 0 and 1
    assert response.message is None
    assert sorted(hit["title"] for hit in response.hits) == ["Page 0", "Page 1"]


def test_counting_a_querys_expansions_stops_at_the_budget(tmp_path):
    path = many_words(tmp_path)
    with whoosh_index.open_dir(str(path)).searcher() as searcher:
        query, _ = parse_query(searcher.schema, "ab*")
        assert expansion_cost(searcher.reader(), query).terms == MAX_EXPANDED_TERMS + 1
        assert expansion_cost(searcher.reader(), query, max_terms=10).terms == 11
        by_postings = expansion_cost(searcher.reader(), query, max_postings=30)
        assert by_postings.over and by_postings.postings == 31 and by_postings.terms == 31
        narrow = expansion_cost(searcher.reader(), parse_query(searcher.schema, "ab01*")[0])
        assert not narrow.over and narrow.terms == 100 and narrow.postings == 100


def test_a_query_of_more_wildcards_than_allowed_is_searched_as_words_even_when_each_matches_few(tmp_path):
    from index.query import MAX_WILDCARDS

    path = build(tmp_path / "small", [{"title": "Digitaal loket", "lang": "nl", "text": "Inwoners vragen attesten."}])
    text = " ".join(["loket*"] * (MAX_WILDCARDS + 1))
    response = ask(path, text, meaning=False)
    assert response.problems == [Problem(COSTLY_WILDCARDS)]
    assert response.total == 1  # "loket", as a word
    assert ask(path, " ".join(["loket*"] * MAX_WILDCARDS), meaning=False).message is None
