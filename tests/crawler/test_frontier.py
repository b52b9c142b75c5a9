"""The frontier's rows, written in SQL on the DBAPI connection, as the rest of Casebook reads them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crawler.database import transaction
from crawler.frontier import Claim, Frontier, find_or_start_job
from kb.models import CrawlUrl, utcnow


def frontier_of(kb) -> Frontier:
    job_id, _resumed = find_or_start_job(kb, ["http://a.test/"], {}, None)
    return Frontier(kb, job_id)


def rows(kb) -> dict[str, tuple]:
    with kb.session() as session:
        return {row.url: (row.status, row.reason, row.detail, row.http_status, row.depth, row.referrer)
                for row in session.scalars(select(CrawlUrl))}


def test_urls_are_added_once_per_job_and_the_count_says_how_many_were_new(kb):
    frontier = frontier_of(kb)
    assert frontier.add([("http://a.test/", 0, None), ("http://a.test/b", 1, "http://a.test/", "lastmod=2024")]) == 2
    assert frontier.add([("http://a.test/b", 2, "http://a.test/x"), ("http://a.test/c", 1, "http://a.test/")]) == 1
    assert frontier.add([("http://b.test/", 1, "http://a.test/")], status="skipped", reason="out_of_scope") == 1
    assert rows(kb) == {"http://a.test/": ("pending", None, None, None, 0, None),
                        "http://a.test/b": ("pending", None, "lastmod=2024", None, 1, "http://a.test/"),
                        "http://a.test/c": ("pending", None, None, None, 1, "http://a.test/"),
                        "http://b.test/": ("skipped", "out_of_scope", None, None, 1, "http://a.test/")}


def test_a_claim_takes_the_shallowest_url_on_a_free_host_and_marks_it_in_flight(kb):
    frontier = frontier_of(kb)
    frontier.add([("http://a.test/deep", 2, None), ("http://bxc.test/", 1, None), ("http://a.test/", 0, None),
                  ("http://b_c.test/", 1, None)])
    before = utcnow()
    assert frontier.claim_next() == Claim(3, "http://a.test/", 0, None, None)
    # "_" is a LIKE wildcard: leaving host b_c out must not leave bxc out
    assert frontier.claim_next(frozenset({"a.test", "b_c.test"})) == Claim(2, "http://bxc.test/", 1, None, None)
    assert frontier.claim_next(frozenset({"a.test", "b_c.test"})) is None
    assert frontier.claim_next(frozenset({"b_c.test", "bxc.test"})) == Claim(1, "http://a.test/deep", 2, None, None)
    assert frontier.claim_next(frozenset({"a.test"})) == Claim(4, "http://b_c.test/", 1, None, None)
    with kb.session() as session:
        claimed = session.get(CrawlUrl, 3)
        assert claimed.status == "in_flight" and claimed.updated_at >= before


def test_a_released_url_is_claimed_again_and_a_finished_one_keeps_its_outcome(kb):
    frontier = frontier_of(kb)
    frontier.add([("http://a.test/", 0, None), ("http://a.test/b", 1, None)])
    with transaction(kb) as db:  # one turn: release one, finish the other
        first = frontier.claim_next(db=db)
        frontier.release(first.id, db=db)
        again = frontier.claim_next(db=db)
        second = frontier.claim_next(db=db)
        frontier.finish(second.id, "skipped", "http_404", "x" * 2000, 404, db=db)
    assert again == first and rows(kb)["http://a.test/b"] == ("skipped", "http_404", "x" * 1000, 404, 1, None)
    assert frontier.summary() == {"fetched": 1, "stored": 0, "skipped": {"http_404": 1}, "sitemaps": 0}
    assert frontier.has_pending()  # the first one is in flight


def test_a_turn_that_fails_leaves_its_claims_pending(kb):
    frontier = frontier_of(kb)
    frontier.add([("http://a.test/", 0, None)])
    with pytest.raises(KeyError), transaction(kb) as db:
        assert frontier.claim_next(db=db) is not None
        raise KeyError("the recording failed")
    assert rows(kb)["http://a.test/"][0] == "pending"


def test_a_url_first_met_too_deep_is_fetched_after_all_when_met_again_within_the_depth_limit(kb):
    frontier = frontier_of(kb)
    frontier.add([("http://a.test/x", 3, "http://a.test/b", "beyond max depth 2")], status="skipped",
                 reason="too_deep")
    assert frontier.add([("http://a.test/x", 4, "http://a.test/c")], status="skipped", reason="too_deep") == 0
    assert frontier.add([("http://a.test/x", 1, "http://a.test/")]) == 1
    assert frontier.add([("http://a.test/x", 2, "http://a.test/d")]) == 0  # pending already: left as it is
    assert rows(kb)["http://a.test/x"] == ("pending", None, None, None, 1, "http://a.test/")
    assert frontier.claim_next().url == "http://a.test/x"


@pytest.mark.both_engines
def test_claims_made_at_once_by_many_threads_take_each_url_once(kb):
    import threading

    frontier = frontier_of(kb)
    frontier.add([(f"http://a.test/{n}", 1, None) for n in range(60)])
    claimed, barrier = [], threading.Barrier(6)

    def claim_all():
        barrier.wait()
        while (claim := frontier_of(kb).claim_next()) is not None:
            claimed.append(claim.url)

    threads = [threading.Thread(target=claim_all) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(f"http://a.test/{n}" for n in range(60))
    assert {status for status, *_ in rows(kb).values()} == {"in_flight"}


@pytest.mark.both_engines
def test_a_starting_worker_puts_back_its_own_and_expired_claims_but_not_a_live_workers(kb):
    from datetime import timedelta

    job_id, _resumed = find_or_start_job(kb, ["http://a.test/"], {}, None)
    live = Frontier(kb, job_id, "worker-a")
    live.add([(f"http://a.test/{n}", 1, None) for n in range(6)])
    restarted = Frontier(kb, job_id, "worker-b")
    fetching = [live.claim_next().url for _ in range(2)]  # worker a is fetching these
    stale = live.claim_next().url  # and this one, claimed long ago (as by a worker that died then)
    killed = [restarted.claim_next().url for _ in range(2)]  # worker b's, when it was killed
    with kb.session() as session:
        row = session.scalar(select(CrawlUrl).where(CrawlUrl.url == stale))
        row.claimed_at = utcnow() - timedelta(seconds=901)
    assert Frontier(kb, job_id, "worker-b").requeue_in_flight(lease=900) == 3
    state = {url: (row.status, row.claimed_by) for url, row in claims(kb).items()}
    assert {url: state[url] for url in fetching} == {url: ("in_flight", "worker-a") for url in fetching}
    assert {url: state[url] for url in [stale, *killed]} == {url: ("pending", None) for url in [stale, *killed]}
    # put back, they are claimed again, once; worker a's stay its own
    again = [claim.url for claim in iter(restarted.claim_next, None)]
    assert sorted(again) == sorted([stale, *killed, "http://a.test/5"])
    assert Frontier(kb, job_id, "worker-b").requeue_in_flight(lease=900) == 4
    assert {claims(kb)[url].status for url in fetching} == {"in_flight"}


def claims(kb) -> dict[str, CrawlUrl]:
    with kb.session() as session:
        return {row.url: row for row in session.scalars(select(CrawlUrl))}
