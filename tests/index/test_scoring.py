"""index.scoring ranks as Whoosh ranks: the same scores, the same order, over several segments."""

from __future__ import annotations

import math

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq

from index.bitmaps import from_ids
from index.postings import postings
from index.query import parse_query, prune
from index.records import document_fields
from index.scoring import rank, scores
from index.whoosh_internals import pattern_words

from .helpers import build, documents

ROWS = [
    {"lang": "en", "title": "Parking sensors", "text": "Smart parking sensors count free places in the city centre."},
    {"lang": "en", "title": "Open data portal", "text": "The city opens parking data and traffic data to everyone."},
    {"lang": "en", "title": "Street lighting", "text": "Smart street lighting pilot with sensors on every pole."},
    {"lang": "nl", "title": "Digitaal loket", "text": "Het digitaal loket van de gemeente: aanvragen van thuis uit."},
    {"lang": "nl", "title": "Slimme parkeersensoren", "text": "Parkeersensoren tellen vrije plaatsen; open data."},
    {"lang": "fr", "title": "Guichet unique", "text": "Le guichet unique numérique de la commune, données ouvertes."},
    {"lang": "de", "title": "Bürgerbeteiligung", "text": "Digitale Bürgerbeteiligung und offene Daten der Stadt."},
    {"lang": "en", "title": "Parking sensors", "text": "Smart parking sensors count free places in the city centre."},
]
MORE = [
    {"lang": "en", "title": "Traffic data",
     "text": "Traffic counts and parking data published every hour as open data."},
    {"lang": "en", "title": "Sensors", "text": "Air quality sensors in schools; the data is open."},
    {"lang": "nl", "title": "Open data", "text": "De gemeente publiceert open data over parkeren en verkeer."},
    {"lang": "en", "title": "Parking sensors", "text": "Smart parking sensors count free places in the city centre."},
]
QUERIES = ["parking", "parking sensors", "open data", '"open data"', "parking AND sensors", "parking NOT traffic",
           "title:parking^3 OR data", "digitaal loket", "smart street lighting", "sensors OR gemeente OR commune"]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    """Three segments: the first build, a second batch, and a deletion in the first."""
    path = build(tmp_path_factory.mktemp("scoring"), ROWS)
    ix = whoosh_index.open_dir(str(path))
    writer = ix.writer()
    for number, document in enumerate(documents(MORE), start=100):
        document.id = number
        writer.add_document(**document_fields(document, None))
    writer.commit(merge=False)
    writer = ix.writer()
    writer.delete_by_term("id", "2")
    writer.commit(merge=False)
    return path


@pytest.fixture()
def searcher(index_dir):
    with whoosh_index.open_dir(str(index_dir)).searcher() as opened:
        yield opened


def whoosh_scores(searcher, query) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in searcher.search(query, limit=None, optimize=False)}


def test_the_fixture_has_several_segments_and_a_deleted_document(searcher):
    assert len(searcher.leaf_searchers()) >= 2
    assert searcher.doc_count() < searcher.doc_count_all()


@pytest.mark.parametrize("text", QUERIES)
def test_every_match_scores_what_whoosh_scores(searcher, text):
    query = prune(parse_query(searcher.schema, text)[0], searcher)
    expected = whoosh_scores(searcher, query)
    assert expected, text  # the query matches something, or the comparison proves nothing
    got, matched = scores(searcher, query)
    live = {doc for doc in np.flatnonzero(matched) if not searcher.reader().is_deleted(int(doc))}
    assert live == set(expected)
    for doc, score in expected.items():
        assert math.isclose(got[doc], score, rel_tol=1e-9), (text, doc)


@pytest.mark.parametrize("text", QUERIES)
def test_the_best_pages_come_in_whoosh_order_with_ties_by_document_number(searcher, text):
    query = prune(parse_query(searcher.schema, text)[0], searcher)
    expected = searcher.search(query, limit=3, optimize=False)
    live = from_ids(searcher.reader().all_doc_ids())
    ranked = rank(searcher, query, from_ids(whoosh_scores(searcher, query)) & live, 3)
    assert [doc for doc, _ in ranked] == [hit.docnum for hit in expected]
    assert all(math.isclose(score, hit.score, rel_tol=1e-9) for (_, score), hit in zip(ranked, expected))


def test_identical_pages_tie_and_keep_document_order(searcher):
    query = prune(parse_query(searcher.schema, "free places")[0], searcher)
    ranked = rank(searcher, query, from_ids(whoosh_scores(searcher, query)), 10)
    assert len(ranked) == 3  # the same page three times, one of them in the second segment
    assert len({score for _, score in ranked}) == 1
    assert [doc for doc, _ in ranked] == sorted(doc for doc, _ in ranked)


def test_only_the_candidates_are_ranked(searcher):
    query = prune(parse_query(searcher.schema, "parking")[0], searcher)
    every = whoosh_scores(searcher, query)
    chosen = sorted(every)[1:3]
    assert [doc for doc, _ in rank(searcher, query, from_ids(chosen), 10)] == \
        sorted(chosen, key=lambda doc: (-every[doc], doc))


def test_a_disjunction_max_scores_a_page_by_the_best_part_it_matches(searcher):
    parts = [wq.Term("body_en", "park"), wq.Term("body_en", "sensor", boost=2.0), wq.Term("body_en", "data")]
    got, matched = scores(searcher, wq.DisjunctionMax(parts, boost=0.5))
    per_part = [whoosh_scores(searcher, part) for part in parts]
    docs = set().union(*per_part)
    assert {int(d) for d in np.flatnonzero(matched)} >= docs
    for doc in docs:
        assert math.isclose(got[doc], 0.5 * max(p[doc] for p in per_part if doc in p), rel_tol=1e-9)


def test_every_page_scores_as_whoosh_scores_it(searcher):
    query = wq.Or([wq.Every(), wq.Term("body_en", "park")])
    got, _ = scores(searcher, query)
    for doc, score in whoosh_scores(searcher, query).items():
        assert math.isclose(got[doc], score, rel_tol=1e-9)


@pytest.mark.parametrize("pattern", [wq.Prefix("body_en", "sens", boost=1.5), wq.Wildcard("body_en", "p*k"),
                                     wq.FuzzyTerm("body_en", "parkk", boost=2.0), wq.Prefix("title_en", "stree")])
def test_a_pattern_scores_as_the_or_of_its_words_and_matches_what_whoosh_matches(searcher, pattern):
    words = [word for word in pattern_words(pattern, searcher.reader()) if word]
    assert words
    as_terms = [wq.Term(pattern.field(), word) for word in words]
    reference = whoosh_scores(searcher, as_terms[0] if len(words) == 1 else wq.Or(as_terms, boost=pattern.boost))
    got, matched = scores(searcher, pattern)
    live = {doc for doc in np.flatnonzero(matched) if not searcher.reader().is_deleted(int(doc))}
    assert live == set(whoosh_scores(searcher, pattern)) == set(reference)
    for doc, score in reference.items():
        assert math.isclose(got[doc], score, rel_tol=1e-9)


def test_a_part_without_an_array_form_is_scored_by_whoosh(searcher):
    query = wq.Or([wq.Phrase("body_en", ["park", "sensor"]), wq.Term("body_en", "data")])
    assert whoosh_scores(searcher, query.subqueries[0])  # the phrase matches: its part is compared
    got, _ = scores(searcher, query)
    for doc, score in whoosh_scores(searcher, query).items():
        assert math.isclose(got[doc], score, rel_tol=1e-9)


def test_postings_are_whooshs_postings_without_the_deleted_documents(searcher):
    for leaf, _ in searcher.reader().leaf_readers():
        field, text = "body_en", searcher.schema["body_en"].to_bytes("park")
        if (field, text) not in leaf:
            continue
        ids, weights = postings(leaf, field, text)
        matcher = leaf.postings(field, text)
        expected = []
        while matcher.is_active():
            expected.append((matcher.id(), matcher.weight()))
            matcher.next()
        assert list(zip(ids.tolist(), weights.tolist())) == expected
        assert not any(leaf.is_deleted(doc) for doc in ids.tolist())


def test_kept_postings_follow_new_deletions(tmp_path):
    """A kept posting list is per segment and deletion count: deleting a page drops it from the list."""
    ix = whoosh_index.open_dir(str(build(tmp_path, ROWS)))
    text = ix.schema["body_en"].to_bytes("park")
    with ix.searcher() as before:
        leaf = before.reader().leaf_readers()[0][0]
        kept = postings(leaf, "body_en", text)[0].tolist()
        assert postings(leaf, "body_en", text)[0] is postings(leaf, "body_en", text)[0]  # kept, not decoded again
    victim = before_id = None
    with ix.searcher() as opened:
        victim = next(doc for doc in kept if not opened.reader().is_deleted(doc))
        before_id = opened.stored_fields(victim)["id"]
    writer = ix.writer()
    writer.delete_by_term("id", before_id)
    writer.commit(merge=False)
    with ix.searcher() as after:
        leaf = after.reader().leaf_readers()[0][0]
        assert postings(leaf, "body_en", text)[0].tolist() == [doc for doc in kept if doc != victim]
