"""A search's problems are codes with parameters, their English written once."""

from __future__ import annotations

from index.problems import (ENGLISH, LONE_OPERATOR, QUERY_PROBLEMS, SHORT_WILDCARD, UNBALANCED_PARENTHESIS,
                            UNBALANCED_QUOTE, UNPARSABLE, UNREADABLE_DATES, Problem, message, plain_words,
                            syntax_problems)


def test_each_syntax_problem_is_a_code_with_the_parameters_its_english_needs():
    assert syntax_problems('open (data "') == [Problem(UNBALANCED_QUOTE), Problem(UNBALANCED_PARENTHESIS)]
    assert syntax_problems("open data AND") == [Problem(LONE_OPERATOR, {"operator": "AND"})]
    assert syntax_problems("NOT open") == []  # every page but those with "open"
    assert Problem(LONE_OPERATOR, {"operator": "OR"}).english == "operator OR without a term"
    assert Problem(SHORT_WILDCARD, {"letters": 2}).to_json() == {"code": "short_wildcard", "params": {"letters": 2}}


def test_the_message_names_the_query_problems_then_the_others():
    problems = [Problem(UNBALANCED_QUOTE), Problem(UNREADABLE_DATES, {"date_from": "x", "date_to": ""})]
    assert message(problems, "open data") == (
        "Could not read the query as written (unbalanced quote); searched for the words: open data. "
        "Could not read the dates x.. (use YYYY, YYYY-MM or YYYY-MM-DD); not filtered by date.")
    assert message([Problem(UNPARSABLE)], "") == "Could not read the query as written; searched for the words: (none)."
    assert message([], None) is None


def test_every_code_but_the_dates_means_the_query_was_searched_as_plain_words():
    assert QUERY_PROBLEMS == set(ENGLISH) - {UNREADABLE_DATES}
    assert plain_words('title:"open data" AND -smart city*') == "title open data smart city"
