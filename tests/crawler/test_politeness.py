"""Every request a crawl makes waits for its host's turn: redirect hops of robots.txt and sitemaps too.

Two real hosts on loopback (127.0.0.1 and 127.0.0.2, each its own politeness key); each answer
is logged with the moment it came in and the moment it was ready, so the log shows whether two
requests to one host were ever in flight together, and whether the host rested its delay between.
"""

from __future__ import annotations

import threading
import time

import pytest

from crawler.politeness import HostBusy, HostGate, Turns
from crawler.urls import Scope

DELAY = 0.3
LATENCY = 0.15


class RequestLog:
    """(start, end, path) of every request one host answered, with its own lock."""

    def __init__(self):
        self.spans: list[tuple[float, float, str]] = []
        self.lock = threading.Lock()

    def route(
        self,
        body: str,
        status: int = 200,
        headers: dict | None = None,
        ctype: str = "text/html",
        latency: float = LATENCY,
    ):
        def answer(_handler):
            started = time.monotonic()
            time.sleep(latency)  # long enough for a second request to overlap, were one let through
            with self.lock:
                self.spans.append((started, time.monotonic(), _handler.path))
            return status, {"Content-Type": ctype, **(headers or {})}, body.encode()

        return answer

    def ordered(self) -> list[tuple[float, float, str]]:
        return sorted(self.spans)


def page(title: str, links=()) -> str:
    anchors = "".join(f"<a href='{href}'>{href}</a>" for href in links)
    return (
        f"<html lang='en'><head><title>{title}</title></head><body><main><p>The {title} of the city, "
        f"with its opening hours, its address and whom to ask.</p>{anchors}</main></body></html>"
    )


def assert_one_at_a_time_with_rest(log: RequestLog, rest: float) -> None:
    spans = log.ordered()
    for (_start, end, before), (start, _end, after) in zip(spans, spans[1:]):
        assert start >= end, f"{before} and {after} were in flight together"
        assert start - end >= rest - 0.01, f"{after} came {start - end:.3f} s after {before}"


@pytest.fixture
def two_hosts(sites):
    first, second = sites("127.0.0.1"), sites("127.0.0.2")
    return (first, RequestLog()), (second, RequestLog())


def test_robots_txt_moved_to_another_host_is_read_in_that_hosts_turn(two_hosts, crawl):
    (first, first_log), (second, log) = two_hosts
    # The first host's robots.txt and sitemap live on the second host (a CDN, www., https: all other hosts).
    first.routes["/robots.txt"] = first_log.route("", 301, {"Location": second.url + "/robots-first.txt"})
    first.routes["/sitemap.xml"] = first_log.route("", 301, {"Location": second.url + "/sitemap-first.xml"})
    first.routes["/"] = first_log.route(page("first home", ["/open.html", "/private/x.html"]))
    first.routes["/open.html"] = first_log.route(page("first open page"))
    second.routes["/robots-first.txt"] = log.route("User-agent: *\nDisallow: /private/\n", ctype="text/plain")
    second.routes["/sitemap-first.xml"] = log.route(
        f"<urlset><url><loc>{first.url}/listed.html</loc></url></urlset>", ctype="application/xml"
    )
    first.routes["/listed.html"] = first_log.route(page("first listed page"))
    second.routes["/robots.txt"] = log.route("User-agent: *\n", ctype="text/plain")
    second.routes["/"] = log.route(page("second home", [f"/p{n}.html" for n in range(4)]))
    for n in range(4):
        second.routes[f"/p{n}.html"] = log.route(page(f"second page {n}"))
    seeds = [first.url + "/", second.url + "/"]

    result = crawl(seeds, scope=Scope.of_seeds(seeds), delay=DELAY, concurrency=4, sleep=time.sleep)

    assert result.summary["stored"] == 3 + 5
    assert first.count("/private/x.html") == 0  # the moved robots.txt is the first host's rules
    assert result.summary["skipped"]["robots"] == 1
    paths = [path for _start, _end, path in log.ordered()]
    assert {"/robots-first.txt", "/sitemap-first.xml", "/robots.txt", "/"} <= set(paths)
    assert_one_at_a_time_with_rest(log, DELAY)
    assert_one_at_a_time_with_rest(first_log, DELAY)
    assert second.max_active == 1 and first.max_active == 1


def test_a_redirect_within_one_host_waits_for_the_hosts_delay(site, crawl):
    log = RequestLog()
    site.routes["/robots.txt"] = log.route("User-agent: *\n", ctype="text/plain")
    site.routes["/"] = log.route("", 302, {"Location": "/moved/"})
    site.routes["/moved/"] = log.route("", 302, {"Location": "/moved/here.html"})
    site.routes["/moved/here.html"] = log.route(page("moved home"))

    result = crawl([site.url + "/"], delay=DELAY, sleep=time.sleep)

    assert result.summary["stored"] == 1
    assert [path for _s, _e, path in log.ordered()][:4] == ["/robots.txt", "/", "/moved/", "/moved/here.html"]
    assert_one_at_a_time_with_rest(log, DELAY)


def test_a_visit_waits_for_a_busy_host_and_takes_its_turn():
    gate = HostGate()
    assert gate.try_acquire("other:80")
    threading.Timer(0.2, lambda: gate.release("other:80", 0.1)).start()
    started = time.monotonic()
    turns = Turns(gate, "http://own:80/", delay=0.5, patience=5.0)
    with turns.request("http://other:80/robots.txt"):
        waited = time.monotonic() - started
        assert "other:80" in gate.unavailable()
    assert waited >= 0.29  # busy for 0.2 s, then resting 0.1 s
    assert "other:80" in gate.unavailable() and gate.next_free_in() > 0.4  # and rests the delay after ours


def test_a_visit_gives_up_on_a_host_that_stays_busy():
    gate = HostGate()
    assert gate.try_acquire("other:80")
    turns = Turns(gate, "http://own:80/", delay=0.0, patience=0.2)
    with pytest.raises(HostBusy):
        with turns.request("http://other:80/robots.txt"):
            pass
    assert not gate.try_acquire("other:80")  # still the other visit's


def test_a_host_that_stays_busy_defers_the_visit_and_keeps_no_robots_rules(sites, kb):
    from crawler.crawl import Crawler
    from crawler.settings import CrawlSettings

    first, second = sites("127.0.0.1"), sites("127.0.0.2")
    first.page("/robots.txt", "", status=301, headers={"Location": second.url + "/robots.txt"})
    second.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", ctype="text/plain")
    first.page("/", page("first home", ["/private/x.html"]))
    gate = HostGate()
    second_key = second.url.split("//", 1)[1]
    assert gate.try_acquire(second_key)  # another crawl holds the second host for 1 s
    threading.Timer(1.0, lambda: gate.release(second_key, 0.0)).start()
    settings = CrawlSettings(delay=0.0, allow_private_hosts=True, connect_timeout=0.1, read_timeout=0.1)

    result = Crawler(kb, settings, gate=gate).run([first.url + "/"])

    assert result.summary["stored"] == 1
    assert first.count("/robots.txt") >= 2  # asked again after the deferral
    assert first.count("/private/x.html") == 0  # the rules read in the end were kept, not "unreachable"


def test_a_host_led_to_by_another_hosts_robots_txt_rests_its_own_crawl_delay(two_hosts, crawl):
    (first, first_log), (second, log) = two_hosts
    # Slow, so that the second host's own robots.txt is read before the redirect leads there.
    first.routes["/robots.txt"] = first_log.route("", 301, {"Location": second.url + "/robots-first.txt"}, latency=0.5)
    first.routes["/"] = first_log.route(page("first home"))
    second.routes["/robots-first.txt"] = log.route("User-agent: *\n", ctype="text/plain")
    second.routes["/robots.txt"] = log.route("User-agent: *\nCrawl-delay: 0.6\n", ctype="text/plain")
    second.routes["/"] = log.route(page("second home", [f"/p{n}.html" for n in range(2)]))
    for n in range(2):
        second.routes[f"/p{n}.html"] = log.route(page(f"second page {n}"))
    seeds = [second.url + "/", first.url + "/"]

    result = crawl(seeds, scope=Scope.of_seeds(seeds), delay=0.1, concurrency=2, sleep=time.sleep)

    assert result.summary["stored"] == 1 + 3
    spans = log.ordered()
    known = next(n for n, (_s, _e, path) in enumerate(spans) if path == "/robots.txt")
    after = RequestLog()
    after.spans = spans[known:]  # once its robots.txt is read, its Crawl-delay is its rest
    assert "/robots-first.txt" in [path for _s, _e, path in after.spans]
    assert_one_at_a_time_with_rest(after, 0.6)
