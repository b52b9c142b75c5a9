"""A crawl killed with SIGKILL resumes without fetching pages again (beyond those in flight)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import select

from kb.models import Document

PAGES = 60
VOCABULARY = ("city town council residents request online desk data open platform sensor street district "
              "housing energy heat mobility bike park school library budget vote panel survey report app "
              "service permit certificate register privacy model twin map climate water waste river harbour").split()


def page_html(n: int, links) -> bytes:
    words = " ".join(random.Random(f"page {n}").choices(VOCABULARY, k=80))
    anchors = "".join(f"<a href='/p{m}.html'>p{m}</a>" for m in links)
    return (f"<html lang='en'><head><title>Page {n}</title></head><body><main><h1>Page {n}</h1>"
            f"<p>{words}</p>{anchors}</main></body></html>").encode()


def generated_site(site, latency: float) -> set[str]:
    def answer(body):
        def route(_handler):
            time.sleep(latency)
            return 200, {"Content-Type": "text/html"}, body
        return route

    site.routes["/"] = answer(page_html(-1, range(0, PAGES, 6)))
    for n in range(PAGES):
        site.routes[f"/p{n}.html"] = answer(page_html(n, [(n + 1) % PAGES, (n + 7) % PAGES]))
    return {"/"} | {f"/p{n}.html" for n in range(PAGES)}


def kb_crawl(data, url):
    return [sys.executable, "-c", "from kb.cli import main; main()", "--data", str(data), "crawl", url,
            "--allow-private-hosts", "--delay", "0", "--no-index", "--max-pages", "1000", "--max-depth", "60", "--json"]


def wait_for_pages(site, pages: set[str], count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while sum(1 for path in list(site.log) if path in pages) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"the crawl fetched fewer than {count} pages in {timeout} s")
        time.sleep(0.02)


@pytest.mark.both_engines
def test_a_killed_crawl_resumes_without_refetching_and_stores_every_page_once(site, tmp_path, settings):
    pages = generated_site(site, latency=0.05)
    data = tmp_path / "kill"
    first = subprocess.Popen(kb_crawl(data, site.url + "/"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_pages(site, pages, PAGES // 2)
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.communicate()
    fetched_before = Counter(path for path in site.log if path in pages)
    assert 0 < sum(fetched_before.values()) < len(pages), "the kill must land mid-crawl"
    second = subprocess.run(kb_crawl(data, site.url + "/"), capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    fetched = Counter(path for path in site.log if path in pages)
    refetched = sorted(path for path, count in fetched.items() if count > 1)
    assert len(refetched) <= 2, f"fetched again beyond the page in flight: {refetched}"
    assert set(fetched) == pages
    from kb.settings import load_settings
    from kb.storage import open_kb

    # the kb commands found the test's database in KB_DATABASE_URL (the settings fixture); SQLite: in ``data``
    knowledge_base = open_kb(load_settings(data, {"database_url": settings.database_url or None}, environ={}))
    try:
        with knowledge_base.session() as session:
            urls = [url.removeprefix(site.url) for url in session.scalars(select(Document.url))]
    finally:
        knowledge_base.close()
    assert sorted(urls) == sorted(pages)
