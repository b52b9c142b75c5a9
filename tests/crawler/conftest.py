"""A real HTTP server on 127.0.0.1 serving a scripted fixture site (Scrapy's mockserver idea)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class FixtureSite:
    """Routes: path -> (status, headers, body) or a callable(handler) returning that triple."""

    def __init__(self):
        self.routes: dict = {}
        self.log: list[str] = []
        self.times: list[tuple[float, str]] = []  # (monotonic time the request arrived, path)
        self.url = ""
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()

    def page(self, path, body, status=200, ctype="text/html; charset=utf-8", headers=None):
        self.routes[path] = (status, {"Content-Type": ctype, **(headers or {})},
                             body.encode("utf-8") if isinstance(body, str) else body)

    def count(self, path: str) -> int:
        return self.log.count(path)


def _handler(site: FixtureSite):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            with site.lock:
                site.log.append(self.path)
                site.times.append((time.monotonic(), self.path))
                site.active += 1
                site.max_active = max(site.max_active, site.active)
            try:
                status, headers, body = self._route()
            finally:
                # Counted as active until the answer is ready, not until it is written: once written,
                # the client may rightly send its next request before this thread runs again.
                with site.lock:
                    site.active -= 1
            self._send(status, headers, body)

        def _route(self):
            route = site.routes.get(self.path)
            if route is None:
                return 404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>"
            return route(self) if callable(route) else route

        def _send(self, status, headers, body):
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the crawler stopped reading (a body cut at max_bytes)

        def log_message(self, *args):
            pass

    return Handler


def start_site(host: str = "127.0.0.1") -> tuple[FixtureSite, ThreadingHTTPServer]:
    fixture = FixtureSite()
    server = ThreadingHTTPServer((host, 0), _handler(fixture))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fixture.url = f"http://{host}:{server.server_address[1]}"
    return fixture, server


@pytest.fixture
def site():
    fixture, server = start_site()
    yield fixture
    server.shutdown()
    server.server_close()


@pytest.fixture
def sites():
    """A factory of fixture sites, each on its own port (a host of its own for politeness); any loopback address."""
    servers = []

    def make(host: str = "127.0.0.1") -> FixtureSite:
        fixture, server = start_site(host)
        servers.append(server)
        return fixture

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def crawl(kb):
    """Run a crawl of the fixture site with no delay; returns the CrawlResult."""
    from crawler.crawl import Crawler
    from crawler.settings import CrawlSettings

    def run(seeds, scope=None, sleep=None, **overrides):
        options = {"delay": 0.0, "allow_private_hosts": True, "retries": 1, **overrides}
        sleep = sleep or (lambda s: time.sleep(min(s, 0.05)))
        return Crawler(kb, CrawlSettings(**options), sleep=sleep).run(seeds, scope)

    return run
