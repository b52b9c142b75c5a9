"""Hostile pages: script, event-handler and javascript: payloads in crawled pages never run in the
browser and are shown as text (issue 8). The pages are crawled for real, then served by `kb serve`."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

JSON_LD = json.dumps({"@type": "Article", "additionalType": "case", "name": "x",
                      "spatialCoverage": {"name": "<img src=x onerror=\"window.__pwned='facet'\">",
                                          "address": {"addressCountry": "BE"}}, "temporalCoverage": "2020"})
HOSTILE = f"""<!doctype html><html lang="en"><head>
<title>Hostile &lt;script&gt;window.__pwned='title'&lt;/script&gt; "&gt;&lt;img src=x onerror=window.__pwned='t2'&gt;</title>
<meta name="description" content="&quot;&gt;&lt;script&gt;window.__pwned='meta'&lt;/script&gt;">
<link rel="alternate" hreflang="fr" href="javascript:window.__pwned='hreflang'">
<script type="application/ld+json">{JSON_LD}</script></head>
<body><main><h1>Hostile page about open data sensors</h1>
<p>Open data sensors text &lt;script&gt;window.__pwned='body'&lt;/script&gt; and
&lt;img src=x onerror="window.__pwned='img'"&gt; shown as text. <a href="javascript:window.__pwned='link'">link</a></p>
<p>More words about open data sensors so that the language is clear and the page has enough text.</p>
</main></body></html>""".encode()  # noqa: E501 (hostile markup as a page sends it)


class Site(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = HOSTILE if self.path == "/" else b"<h1>no</h1>"
        self.send_response(200 if self.path == "/" else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory, chromium):
    site = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    data = tmp_path_factory.mktemp("hostile") / "data"
    kb = [sys.executable, "-c", "from kb.cli import main; main()", "--data", str(data)]
    crawl = subprocess.run([*kb, "crawl", f"http://127.0.0.1:{site.server_address[1]}/", "--allow-private-hosts",
                            "--delay", "0", "--json"], capture_output=True, text=True, timeout=120)
    assert json.loads(crawl.stdout)["stored"] == 1, crawl.stderr
    port = _port()
    server = subprocess.Popen([*kb, "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(url + "/robots.txt", timeout=2).close()
            break
        except OSError:
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=10)
    site.shutdown()
    site.server_close()


def _visit(chromium, url: str) -> dict:
    context = chromium.new_context()
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    result = page.evaluate("""() => ({
        pwned: window.__pwned === undefined ? null : String(window.__pwned),
        injected: document.querySelectorAll('img[src="x"], a[href^="javascript:"]').length,
        scripts: [...document.scripts].filter(s => s.textContent.includes('__pwned')).length,
        text: document.body.innerText })""")
    for link in page.locator("[data-result] a, .provenance a, .facets a").all()[:20]:
        href = link.get_attribute("href") or ""
        assert not href.strip().lower().startswith("javascript:"), href
    context.close()
    return {**result, "dialogs": dialogs}


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/?q=sensors", "/?q=sensors&country=BE", "/"])
def test_payloads_in_search_pages_do_not_run_and_show_as_text(chromium, hostile_server, path):
    seen = _visit(chromium, hostile_server + path)
    assert seen["pwned"] is None and seen["dialogs"] == []
    assert seen["injected"] == 0 and seen["scripts"] == 0
    if "q=" in path:
        assert "window.__pwned='title'" in seen["text"]  # the title is shown, as text


@pytest.mark.browser
def test_payloads_on_the_document_page_do_not_run_and_show_as_text(chromium, hostile_server):
    hit = json.loads(urllib.request.urlopen(hostile_server + "/api/search?q=sensors").read())["hits"][0]
    seen = _visit(chromium, f"{hostile_server}/documents/{hit['id']}")
    assert seen["pwned"] is None and seen["dialogs"] == []
    assert seen["injected"] == 0 and seen["scripts"] == 0
    assert "window.__pwned='body'" in seen["text"]
