"""Hosts' turns shared by crawler workers through the knowledge base (crawl_host).

The ledger itself runs on both engines; crawls take hosts in it on PostgreSQL, where workers on other
machines share the frontier. Two workers are two ``Crawler`` objects under their own names, each with
its own gate, on one job and one real HTTP server on 127.0.0.1 that logs when each answer began and ended.
"""

from __future__ import annotations

import threading
import time

import pytest

from crawler.crawl import Crawler
from crawler.host_ledger import LOOK_AGAIN, HostLedger, host_gate
from crawler.politeness import HostGate, SharedGate
from crawler.settings import CrawlSettings
from tests.crawler.test_politeness import RequestLog
from tests.crawler.test_resume import page_html


@pytest.fixture
def ledger(kb):
    """A factory of ledgers of ``kb`` (a worker each), closed at the end (on PostgreSQL each keeps a connection)."""
    made = []

    def make(worker: str, lease: float) -> HostLedger:
        made.append(HostLedger(kb, worker, lease))
        return made[-1]

    yield make
    for each in made:
        each.close()


@pytest.mark.both_engines
def test_a_host_held_by_one_worker_is_refused_to_another_until_given_back_and_rested(ledger):
    first, second = ledger("first", 60), ledger("second", 60)
    assert first.take("a.test") is None
    assert second.take("a.test") == LOOK_AGAIN
    assert first.take("a.test") == LOOK_AGAIN  # held is held, even by oneself: one request at a time
    first.give_back("a.test", rest=0.4)
    wait = second.take("a.test")
    assert 0.2 < wait <= 0.4
    time.sleep(wait)
    assert second.take("a.test") is None
    assert first.take("b.test") is None  # another host is another turn


@pytest.mark.both_engines
def test_a_dead_workers_host_is_taken_over_when_its_lease_runs_out_and_a_restarted_one_lets_go(ledger):
    dead, live = ledger("dead", 0.3), ledger("live", 0.3)
    assert dead.take("a.test") is None and dead.take("b.test") is None
    time.sleep(0.35)
    assert live.take("a.test") is None
    dead.give_back("a.test", rest=0)  # too late: it is no longer its to give back
    assert ledger("third", 0.3).take("a.test") == LOOK_AGAIN
    ledger("live", 60).renew()
    time.sleep(0.35)
    assert ledger("third", 0.3).take("a.test") == LOOK_AGAIN  # renewed: still live's
    assert dead.take("c.test") is None
    ledger("dead", 60).let_go()  # "dead" restarted: what it held is free at once
    assert live.take("c.test") is None


@pytest.mark.both_engines
def test_of_workers_taking_one_host_at_once_exactly_one_gets_it(ledger):
    ledgers = [ledger(f"worker-{n}", 60) for n in range(8)]
    barrier, got = threading.Barrier(len(ledgers)), []

    def take(ledger):
        barrier.wait()
        got.append(ledger.take("a.test") is None)

    threads = [threading.Thread(target=take, args=(ledger,)) for ledger in ledgers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(got) == [False] * 7 + [True]


@pytest.mark.both_engines
def test_a_crawl_takes_hosts_in_the_ledger_on_postgresql_only(kb, db_engine):
    gate = host_gate(kb, CrawlSettings(worker_id="w"))
    assert isinstance(gate, SharedGate) == (db_engine == "postgresql")
    assert isinstance(gate, HostGate)
    gate.close()


DELAY = 0.2
LATENCY = 0.08


@pytest.mark.both_engines
def test_two_workers_on_one_frontier_never_ask_one_host_twice_at_once_and_rest_between(sites, kb, db_engine):
    if db_engine == "sqlite":
        pytest.skip("one crawling process per SQLite data folder: its hosts' turns are kept in memory")
    hosts, logs = [sites(), sites()], [RequestLog(), RequestLog()]
    for number, (site, log) in enumerate(zip(hosts, logs)):  # every page's words its own: no duplicates
        site.routes["/robots.txt"] = log.route("User-agent: *\nAllow: /\n", ctype="text/plain", latency=LATENCY)
        links = "".join(f"<a href='{other.url}/p{n}'>p{n}</a>" for other in hosts for n in range(8))
        site.routes["/"] = log.route(page_html(100 * number + 99, ()).decode().replace("</main>", links + "</main>"),
                                     latency=LATENCY)
        for n in range(8):
            site.routes[f"/p{n}"] = log.route(page_html(100 * number + n, ()).decode(), latency=LATENCY)
    seeds = [site.url + "/" for site in hosts]
    results = []

    def work(name):
        cfg = CrawlSettings(delay=DELAY, allow_private_hosts=True, retries=0, worker_id=name, concurrency=2)
        results.append(Crawler(kb, cfg, sleep=time.sleep).run(seeds))

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results[0].job_id == results[1].job_id
    for log in logs:
        spans = log.ordered()
        pages = sorted(path for _s, _e, path in spans if path != "/robots.txt")
        assert pages == sorted(["/", *(f"/p{n}" for n in range(8))])  # each once; robots.txt once per worker
        for (_start, end, before), (start, _end, after) in zip(spans, spans[1:]):
            assert start >= end + DELAY * 0.9, f"{after} began {start - end:.3f} s after {before} ended"
    with kb.session() as session:
        from sqlalchemy import select

        from kb.models import CrawlUrl

        claimers = set(session.scalars(select(CrawlUrl.claimed_by).where(CrawlUrl.reason.is_(None))))
    assert claimers == {"worker-0", "worker-1"}, "both workers took part"
