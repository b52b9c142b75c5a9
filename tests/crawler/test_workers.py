"""Two `kb crawl` workers on one PostgreSQL frontier; one is killed with SIGKILL mid-crawl (issue 20).

Three hosts on 127.0.0.1 (one port each, so three politeness keys) log the start and end of every
answer. The workers are two processes with data folders of their own, as on two machines, sharing
only the database. Worker a is killed while it holds URLs in flight; worker b keeps running, takes
over a's URLs once their lease (2 s) runs out, and finishes the crawl; or a is restarted under its
name, puts its URLs back at once, and both finish it. The server's log must show
every reachable page fetched, at most a's pages in flight fetched twice, and never two requests to
one host at once nor closer than the delay; the database, every page stored once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from sqlalchemy import func, select

from crawler.crawl import Crawler
from crawler.settings import CrawlSettings
from kb.models import CrawlUrl, Document
from tests.crawler.test_politeness import RequestLog
from tests.crawler.test_resume import page_html

HOSTS, PAGES, DELAY, LATENCY, LEASE, CONCURRENCY = 3, 20, 0.05, 0.03, 2.0, 2
RESTART_LEASE = 40.0


def three_hosts(sites) -> tuple[list, list[RequestLog], set[str]]:
    """Each host: a home page linking to its pages, each page to the next on its host and on the next host."""
    hosts = [sites() for _ in range(HOSTS)]
    logs = [RequestLog() for _ in hosts]
    pages = set()
    for number, (site, log) in enumerate(zip(hosts, logs)):
        following = hosts[(number + 1) % HOSTS]
        site.routes["/robots.txt"] = log.route("User-agent: *\nAllow: /\n", ctype="text/plain", latency=LATENCY)
        site.routes["/"] = log.route(page_html(1000 * number + 500, range(0, PAGES, 5)).decode(), latency=LATENCY)
        pages.add(site.url + "/")
        for n in range(PAGES):
            links = f"<a href='/p{(n + 1) % PAGES}.html'>next</a><a href='{following.url}/p{n}.html'>there</a>"
            body = page_html(1000 * number + n, ()).decode().replace("</main>", links + "</main>")
            site.routes[f"/p{n}.html"] = log.route(body, latency=LATENCY)
            pages.add(f"{site.url}/p{n}.html")
    return hosts, logs, pages


def kb_crawl(data, seeds, worker: str, lease: float) -> list[str]:
    return [sys.executable, "-c", "from kb.cli import main; main()", "--data", str(data), "crawl", *seeds,
            "--allow-private-hosts", "--delay", str(DELAY), "--no-index", "--max-pages", "1000", "--max-depth", "60",
            "--concurrency", str(CONCURRENCY), "--worker-id", worker, "--claim-lease", str(lease), "--json"]


def fetched(hosts, logs) -> Counter:
    """How often each page was asked for, from the servers' logs (robots.txt left out)."""
    return Counter(f"{site.url}{path}" for site, log in zip(hosts, logs) for _s, _e, path in list(log.spans)
                   if path != "/robots.txt")


def claims_of(knowledge_base, worker: str) -> Counter:
    """How many URLs ``worker`` has in flight and done."""
    with knowledge_base.session() as session:
        return Counter(dict(session.execute(select(CrawlUrl.status, func.count()).where(
            CrawlUrl.claimed_by == worker).group_by(CrawlUrl.status)).all()))


@pytest.mark.parametrize("killed", ["stays dead", "restarts"])
def test_two_workers_one_killed_mid_crawl_store_every_page_once_one_request_per_host(killed, sites, tmp_path,
                                                                                        postgres_cluster):
    from kb.settings import load_settings
    from kb.storage import open_kb

    hosts, logs, pages = three_hosts(sites)
    # Restarted, a puts back its URLs in flight at once: b, which must not finish the job before a comes
    # back (a would start a new one), is kept waiting on them by a lease longer than the restart takes.
    lease = LEASE if killed == "stays dead" else RESTART_LEASE
    seeds = [site.url + "/" for site in hosts]
    url = postgres_cluster.create_database("workers")
    env = {**os.environ, "KB_DATABASE_URL": url, "KB_EMBEDDING_MODEL": "none"}
    knowledge_base = open_kb(load_settings(tmp_path / "observer", {"database_url": url}, environ={}))
    started = time.monotonic()
    first = subprocess.Popen(kb_crawl(tmp_path / "a", seeds, "worker-a", lease), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    second = subprocess.Popen(kb_crawl(tmp_path / "b", seeds, "worker-b", lease), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 40
        # mid-crawl: a third of the pages fetched, worker a with pages done and URLs in flight
        while sum(fetched(hosts, logs).values()) < len(pages) // 3 or not (
                (held := claims_of(knowledge_base, "worker-a"))["in_flight"] and held["done"] >= 3):
            assert time.monotonic() < deadline, "worker a never took part mid-crawl"
            assert first.poll() is None, first.communicate()[1].decode()[-2000:]
            time.sleep(0.01)
        os.kill(first.pid, signal.SIGKILL)
        killed_at, fetched_before = time.monotonic(), sum(fetched(hosts, logs).values())
        first.communicate()
        if killed == "restarts":  # under its name: it puts back its URLs in flight and lets go of its hosts at once
            first = subprocess.Popen(kb_crawl(tmp_path / "a", seeds, "worker-a", lease), env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            _out, restarted_err = first.communicate(timeout=60)
            assert first.returncode == 0, restarted_err.decode()[-2000:]
        out, err = second.communicate(timeout=60)
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert second.returncode == 0, err.decode()[-2000:]
    took = time.monotonic() - started
    assert took < RESTART_LEASE - 5, "the restarted worker put its URLs back at once, the dead one's came back"

    counts = fetched(hosts, logs)
    assert fetched_before < len(pages), "the kill must land mid-crawl"
    assert set(counts) == pages, f"never fetched: {sorted(pages - set(counts))}"
    refetched = sorted(page for page, count in counts.items() if count > 1)
    # a's visits under way when it died: requests (CONCURRENCY) and a page being extracted
    assert len(refetched) <= CONCURRENCY + 1 and max(counts.values()) <= 2, f"fetched again: {refetched}"
    first_fetch = {}
    for site, log in zip(hosts, logs):
        for start, _end, path in log.spans:
            first_fetch.setdefault(f"{site.url}{path}", start)
    assert all(first_fetch[page] < killed_at for page in refetched), "only pages a was fetching are fetched twice"

    for site, log in zip(hosts, logs):
        spans = log.ordered()
        for (_start, end, before), (start, _end, after) in zip(spans, spans[1:]):
            assert start >= end, f"{site.url}: {before} and {after} were in flight together"
            assert start - end >= DELAY * 0.9, f"{site.url}: {after} began {start - end:.3f} s after {before}"

    with knowledge_base.session() as session:
        stored = Counter(session.scalars(select(Document.url)))
        claimers = set(session.scalars(select(CrawlUrl.claimed_by).where(CrawlUrl.status == "done")))
        left = session.scalar(select(func.count()).where(CrawlUrl.status.in_(("pending", "in_flight"))))
    knowledge_base.close()
    assert stored == Counter(pages), "every reachable page stored, once"
    assert claimers == {"worker-a", "worker-b"} and left == 0
    summary = json.loads(out.decode().strip().splitlines()[-1])
    assert summary["stored"] == len(pages)
    first_request = min(start for log in logs for start, _end, _path in log.spans)
    print(f"two workers, a {killed}: first request at {first_request - started:.1f} s, a killed at "
          f"{killed_at - started:.1f} s after {fetched_before} pages; {len(pages)} pages in {took:.1f} s, "
          f"{len(refetched)} fetched twice")



SHARED_HOSTS, SHARED_PAGES = 4, 15


def hosts_linking_to_every_page(sites) -> tuple[list, list[RequestLog], list[str]]:
    """Hosts whose every page links to every page of every host, each page in an order of its own."""
    hosts = [sites() for _ in range(SHARED_HOSTS)]
    logs = [RequestLog() for _ in hosts]
    pages = [f"{site.url}/" for site in hosts] + [f"{site.url}/s{n}.html" for site in hosts
                                                  for n in range(SHARED_PAGES)]
    for number, (site, log) in enumerate(zip(hosts, logs)):
        site.routes["/robots.txt"] = log.route("User-agent: *\nAllow: /\n", ctype="text/plain", latency=0.002)
        for n, path in enumerate(["/", *(f"/s{m}.html" for m in range(SHARED_PAGES))]):
            links = random.Random(f"{number} {path}").sample(pages, len(pages))
            anchors = "".join(f"<a href='{link}'></a>" for link in links)  # no words: no near-duplicates
            body = page_html(1000 * number + n, ()).decode().replace("</main>", anchors + "</main>")
            site.routes[path] = log.route(body, latency=0.002)
    return hosts, logs, pages


@pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)
def test_two_workers_linking_to_the_same_pages_in_different_orders_never_deadlock(sites, kb, db_engine,
                                                                                   postgres_cluster):
    """Each of the two workers records several pages a transaction, each adding the same 64 links in
    an order of its own, and links to the pages the other is recording: no deadlock is detected (the
    server's log says so, not only the workers), every page is fetched and stored once, none is lost."""
    hosts, logs, pages = hosts_linking_to_every_page(sites)
    deadlocks_before = postgres_cluster.log.read_text(errors="replace").count("deadlock detected")
    results, errors = [], []

    def work(name: str) -> None:
        cfg = CrawlSettings(delay=0, allow_private_hosts=True, retries=0, worker_id=name, concurrency=4)
        try:
            results.append(Crawler(kb, cfg).run([site.url + "/" for site in hosts]))
        except Exception as exc:  # noqa: BLE001 (the test reports what a worker died of)
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors
    assert len(results) == 2 and results[0].job_id == results[1].job_id
    assert postgres_cluster.log.read_text(errors="replace").count("deadlock detected") == deadlocks_before

    assert fetched(hosts, logs) == Counter(pages), "every page fetched once"
    with kb.session() as session:
        stored = Counter(session.scalars(select(Document.url)))
        rows = session.execute(select(CrawlUrl.url, CrawlUrl.status, CrawlUrl.reason, CrawlUrl.document_id,
                                      CrawlUrl.claimed_by)).all()
    assert stored == Counter(pages), "every page stored, once"
    assert not [row for row in rows if row.status in ("pending", "in_flight")]
    rows = [row for row in rows if not row.url.endswith("/sitemap.xml")]  # the sitemaps guessed, not found
    assert sorted(row.url for row in rows) == sorted(pages), "one frontier row a page"
    assert {(row.status, row.reason) for row in rows} == {("done", None)}
    assert len({row.document_id for row in rows}) == len(pages)
    assert {row.claimed_by for row in rows} == {"worker-0", "worker-1"}, "both workers took part"
