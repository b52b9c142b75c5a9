"""Date range filter, sort by date, recency as a tie-breaker, field boosts."""

from __future__ import annotations

import pytest

from index.query import date_range

from .helpers import ask, build

ROWS = [
    {"url": "https://example.org/old", "lang": "en", "title": "Street lighting", "text": "Smart street lighting pilot.",
     "published": "2015-03-01"},
    {"url": "https://example.org/mid", "lang": "en", "title": "Street lighting", "text": "Smart street lighting pilot.",
     "published": "2019-06-15"},
    {"url": "https://example.org/new", "lang": "en", "title": "Street lighting", "text": "Smart street lighting pilot.",
     "published": "2023-11-30"},
    {"url": "https://example.org/body", "lang": "en", "title": "A report", "text": "Parking sensors and parking data.",
     "published": "2021-01-01"},
    {"url": "https://example.org/title", "lang": "en", "title": "Parking", "text": "A report on the city centre.",
     "published": "2020-01-01"},
]


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    return build(tmp_path_factory.mktemp("ranking"), ROWS)


def urls(response):
    return [h["url"] for h in response.hits]


def test_a_date_range_keeps_pages_dated_within_it_inclusive(path):
    assert set(urls(ask(path, "lighting", date_from="2019", date_to="2023-11-30"))) == {
        "https://example.org/mid", "https://example.org/new"}
    assert urls(ask(path, "lighting", date_to="2015-03")) == ["https://example.org/old"]


def test_facet_counts_respect_the_date_range(path):
    response = ask(path, "", date_from="2020")
    assert response.total == 3
    assert response.facets["lang"] == {"en": 3}


def test_an_unreadable_date_is_a_message_not_an_error(path):
    response = ask(path, "lighting", date_from="last week")
    assert response.total == 3 and "dates" in response.message


def test_sort_by_date_puts_the_newest_first(path):
    assert urls(ask(path, "", sort="date"))[:2] == ["https://example.org/new", "https://example.org/body"]


def test_sort_by_date_puts_pages_without_a_date_last_and_keeps_relevance_scores(tmp_path):
    rows = [{"url": "https://example.org/undated", "lang": "en", "title": "Parking", "text": "Parking, parking."},
            {"url": "https://example.org/2019", "lang": "en", "title": "A note", "text": "Some parking.",
             "published": "2019-05-01"},
            {"url": "https://example.org/2021", "lang": "en", "title": "A report", "text": "On parking.",
             "published": "2021-05-01"},
            {"url": "https://example.org/2021-best", "lang": "en", "title": "Parking report",
             "text": "Parking data and parking sensors.", "published": "2021-05-01"}]
    index_dir = build(tmp_path, rows)
    by_date = ask(index_dir, "parking", sort="date")
    assert urls(by_date) == ["https://example.org/2021-best", "https://example.org/2021",
                             "https://example.org/2019", "https://example.org/undated"]
    by_relevance = {hit["url"]: hit["score"] for hit in ask(index_dir, "parking").hits}
    assert all(hit["score"] == by_relevance[hit["url"]] for hit in by_date.hits)  # scores, not date keys
    assert max(by_relevance, key=by_relevance.get) == "https://example.org/undated"


def test_recency_breaks_ties_between_equally_relevant_pages(path):
    assert urls(ask(path, "street lighting", recency=True)) == [
        "https://example.org/new", "https://example.org/mid", "https://example.org/old"]


def test_a_title_match_ranks_above_a_body_match(path):
    assert urls(ask(path, "parking"))[0] == "https://example.org/title"


def test_date_range_reads_years_months_and_days():
    query, problem = date_range("2020-02", "2020-02")
    assert problem is None
    assert (query.startdate.day, query.enddate.month, query.enddate.day) == (1, 2, 29)
    assert date_range(None, None) == (None, None)


def test_a_search_after_a_commit_sees_the_new_document(tmp_path):
    from whoosh import index as whoosh_index

    from index.location import switch_to
    from index.query import SearchRequest, search
    from index.records import document_fields

    from .helpers import documents

    generation = build(tmp_path / "gen-0001", ROWS[:1])
    switch_to(tmp_path, generation)
    assert search(tmp_path, SearchRequest(q="parking")).total == 0
    writer = whoosh_index.open_dir(str(generation)).writer()
    writer.add_document(**document_fields(documents(ROWS)[4], None))
    writer.commit()
    assert search(tmp_path, SearchRequest(q="parking")).total == 1
    assert search(tmp_path, SearchRequest(q="")).facets["lang"] == {"en": 2}  # the facet sets were rebuilt
