"""Parallel crawling: several hosts at once, never two requests at once to one host, delays kept."""

from __future__ import annotations

import random
import threading
import time

from crawler.politeness import HostGate
from crawler.urls import Scope

WORDS = [f"{stem}{n}" for stem in ("city", "desk", "data", "street", "permit") for n in range(100)]


def html(title: str, links=()) -> str:
    text = " ".join(random.Random(title).sample(WORDS, 40)) + f" {title}"  # unlike every other page
    anchors = "".join(f"<a href='{href}'>{href}</a>" for href in links)
    return f"<html lang='en'><head><title>{title}</title></head><body><main><p>{text}</p>{anchors}</main></body></html>"


class Overlap:
    """Requests in flight over all fixture sites at once (the sites' own counters are per site)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.active = self.most = 0

    def __enter__(self):
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)

    def __exit__(self, *_exc):
        with self.lock:
            self.active -= 1


def slow_site(make_site, pages: int, latency: float, overlap: Overlap | None = None):
    site = make_site()
    overlap = overlap or Overlap()

    def answer(body):
        def route(_handler):
            with overlap:
                time.sleep(latency)
            return 200, {"Content-Type": "text/html"}, body.encode()
        return route

    site.routes["/"] = answer(html(f"home {site.url}", [f"/p{n}.html" for n in range(pages)]))
    for n in range(pages):
        site.routes[f"/p{n}.html"] = answer(html(f"page {n} of {site.url}"))
    return site


def page_times(site) -> list[float]:
    return [at for at, path in site.times if path.endswith(".html") or path == "/"]


def test_hosts_are_crawled_in_parallel_with_one_request_at_a_time_per_host(sites, crawl):
    overlap = Overlap()
    three = [slow_site(sites, pages=5, latency=0.1, overlap=overlap) for _ in range(3)]
    seeds = [site.url + "/" for site in three]
    result = crawl(seeds, scope=Scope.of_seeds(seeds), concurrency=3)
    assert result.summary["stored"] == 18
    assert [site.max_active for site in three] == [1, 1, 1]
    assert overlap.most >= 2  # pages of different hosts were being served at the same moment


def test_concurrency_one_crawls_the_hosts_one_after_another(sites, crawl):
    two = [slow_site(sites, pages=3, latency=0.1) for _ in range(2)]
    seeds = [site.url + "/" for site in two]
    crawl(seeds, scope=Scope.of_seeds(seeds), concurrency=1)
    spans = sorted((at, index) for index, site in enumerate(two) for at in page_times(site))
    overlaps = sum(1 for (a, i), (b, j) in zip(spans, spans[1:]) if i != j and b - a < 0.09)
    assert overlaps == 0


def test_the_per_host_delay_separates_two_requests_to_one_host(sites, crawl):
    site = slow_site(sites, pages=3, latency=0.0)
    crawl([site.url + "/"], delay=0.3, concurrency=4, sleep=time.sleep)
    times = [at for at, _path in site.times]  # robots.txt and the sitemap guess included
    assert len(times) == 6
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.29


def test_a_crawl_delay_in_robots_txt_raises_our_delay(sites, crawl):
    site = slow_site(sites, pages=2, latency=0.0)
    site.page("/robots.txt", "User-agent: *\nCrawl-delay: 0.5\n", ctype="text/plain")
    crawl([site.url + "/"], delay=0.0)
    times = page_times(site)
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.49


def test_a_first_visit_to_a_host_with_a_crawl_delay_lets_other_hosts_go_first(sites, crawl):
    patient, other = slow_site(sites, pages=1, latency=0.0), slow_site(sites, pages=3, latency=0.0)
    patient.page("/robots.txt", "User-agent: *\nCrawl-delay: 1\n", ctype="text/plain")
    seeds = [patient.url + "/", other.url + "/"]
    result = crawl(seeds, scope=Scope.of_seeds(seeds), concurrency=1, sleep=time.sleep)
    assert result.summary["stored"] == 2 + 4
    robots_at = next(at for at, path in patient.times if path == "/robots.txt")
    first_page_at = page_times(patient)[0]
    assert first_page_at - robots_at >= 0.99  # the host rested after its robots.txt
    assert sum(robots_at < at < first_page_at for at in page_times(other)) == 4  # while the other host went on


def test_two_sources_on_one_host_take_turns(sites, kb):
    from crawler.schedule import crawl_sources
    from crawler.settings import CrawlSettings
    from kb.sources.registry import add_source

    site = slow_site(sites, pages=6, latency=0.05)
    site.page("/robots.txt", "User-agent: *\n", ctype="text/plain")
    with kb.session() as session:
        ids = [add_source(session, site.url + "/").id, add_source(session, site.url + "/p1.html").id]
    outcomes = crawl_sources(kb, ids, CrawlSettings(delay=0.0, allow_private_hosts=True, concurrency=4))
    assert [o.error for o in outcomes] == [None, None]
    assert site.max_active == 1


def test_the_host_gate_lets_a_host_rest_for_its_delay():
    now = [100.0]
    gate = HostGate(clock=lambda: now[0])
    assert gate.try_acquire("a:80") and not gate.try_acquire("a:80")
    gate.release("a:80", 2.0)
    assert "a:80" in gate.unavailable() and not gate.try_acquire("a:80")
    assert gate.next_free_in() == 2.0
    now[0] += 2.0
    assert gate.try_acquire("a:80")


class GateTakenOnce(HostGate):
    """A gate whose first acquire loses a race, as when another source's crawl takes the host."""

    def __init__(self):
        super().__init__()
        self.lost = False

    def try_acquire(self, key: str) -> bool:
        if not self.lost:
            self.lost = True
            return False
        return super().try_acquire(key)


def test_a_host_taken_by_another_crawl_between_claim_and_acquire_is_asked_for_again(sites, kb):
    from crawler.crawl import Crawler
    from crawler.settings import CrawlSettings

    site = slow_site(sites, pages=2, latency=0.0)
    crawler = Crawler(kb, CrawlSettings(delay=0.0, allow_private_hosts=True), gate=GateTakenOnce())
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(result=crawler.run([site.url + "/"])), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "the crawl hung after losing the host once"
    assert outcome["result"].summary["stored"] == 3


def test_the_host_gate_rests_a_slow_host_at_least_its_smoothed_answering_time():
    now = [100.0]
    gate = HostGate(clock=lambda: now[0])
    gate.try_acquire("slow:80")
    gate.release("slow:80", 0.5, latency=3.0)
    assert gate.next_free_in() == 3.0
    now[0] += 3.0
    gate.try_acquire("slow:80")
    gate.release("slow:80", 0.5, latency=1.0)  # (3 + 1) / 2
    assert gate.next_free_in() == 2.0
    now[0] += 2.0
    gate.try_acquire("fast:80")
    gate.release("fast:80", 0.5, latency=0.1)  # never less than the delay
    assert gate.next_free_in() == 0.5
    now[0] += 0.5
    gate.try_acquire("own:80")
    gate.release("own:80", 0.0, latency=3.0)  # --delay 0: no pause at all
    assert gate.next_free_in() == 0.0


def test_a_slow_host_is_given_as_much_rest_as_it_takes_to_answer(sites, crawl):
    site = slow_site(sites, pages=3, latency=0.4)
    site.page("/robots.txt", "User-agent: *\n", ctype="text/plain")
    crawl([site.url + "/"], delay=0.05, concurrency=4, sleep=time.sleep)
    times = page_times(site)  # when each request arrived: answer (0.4 s) + rest (>= 0.4 s smoothed)
    assert len(times) == 4
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.75


def test_a_redirect_to_another_host_waits_for_that_hosts_robots_txt_and_delay(sites, crawl, kb):
    from sqlalchemy import select

    from kb.models import CrawlUrl

    first, second = sites(), sites()  # two ports: two hosts at the gate
    second.page("/robots.txt", "User-agent: *\nDisallow: /private/\nCrawl-delay: 0.4\n", ctype="text/plain")
    moves = {f"/go{n}": f"/p{n}.html" for n in range(3)} | {"/hide": "/private/x.html"}
    first.page("/", html("home", list(moves)))
    for path, target in moves.items():
        first.page(path, "", status=302, headers={"Location": second.url + target})
        second.page(target, html(f"moved {target}"))
    seeds = [first.url + "/"]
    result = crawl(seeds, scope=Scope.of_seeds([*seeds, second.url + "/"]), concurrency=4, sleep=time.sleep)
    assert result.summary["stored"] == 1 + 3
    assert result.summary["skipped"] == {"redirected": 4, "robots": 1}
    assert second.count("/private/x.html") == 0
    paths = [path for _at, path in second.times]
    assert paths[0] == "/robots.txt" and sorted(paths[1:]) == ["/p0.html", "/p1.html", "/p2.html", "/sitemap.xml"]
    times = [at for at, _path in second.times]
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.39  # robots.txt included
    with kb.session() as session:
        moved = session.scalars(select(CrawlUrl).where(CrawlUrl.url == first.url + "/go0")).one()
    assert (moved.status, moved.reason, moved.detail, moved.http_status) == (
        "done", "redirected", f"to {second.url}/p0.html", 302)
