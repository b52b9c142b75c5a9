"""A small static HTTP server for the bundled demo site, on 127.0.0.1.

It serves ``kb/demo/site`` as files, honours the redirects listed in the
site's ``_redirects`` file (``FROM TO STATUS`` per line) and never serves that
file itself. Used by ``kb demo`` and by the tests, which crawl it for real.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

SITE = Path(__file__).parent / "site"


def read_redirects(site: Path) -> dict[str, tuple[str, int]]:
    redirects = {}
    path = site / "_redirects"
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 2 and not line.startswith("#"):
                redirects[parts[0]] = (parts[1], int(parts[2]) if len(parts) > 2 else 301)
    return redirects


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files plus the site's redirects; quiet unless asked to log."""

    redirects: dict[str, tuple[str, int]] = {}
    log: list[str] | None = None

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = urlsplit(self.path).path
        if self.log is not None:
            self.log.append(path)
        if path in self.redirects:
            target, status = self.redirects[path]
            self.send_response(status)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path.rsplit("/", 1)[-1] == "_redirects":
            self.send_error(404)
            return
        super().do_GET()

    def log_message(self, format, *args):  # noqa: A002 (signature of the base class)
        pass


def start_site_server(host: str = "127.0.0.1", port: int = 0, site: Path = SITE, log: list | None = None):
    """Start serving ``site`` in a daemon thread; returns (server, base_url)."""
    handler = type("BoundSiteHandler", (SiteHandler,), {"redirects": read_redirects(site), "log": log})
    server = ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(site)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()
    return server, f"http://{host}:{server.server_address[1]}/"
