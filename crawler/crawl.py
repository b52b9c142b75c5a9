"""The crawl loop: take a URL from the frontier, check it, fetch it, keep it.

Politeness: robots.txt for our user agent, and a delay between two requests
to one host (raised by ``Crawl-delay``). Each outcome is written to the
frontier at once, so a killed crawl resumes where it stopped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select

from crawler.errors import SkipError
from crawler.extract import Page, decode_html, extract_html, extract_pdf
from crawler.fetch import Fetcher, Response
from crawler.frontier import Frontier, find_or_start_job
from kb.language import detect_language
from crawler.robots import RobotsCache
from crawler.settings import CrawlSettings
from crawler.store import store_page
from crawler.urls import Scope, canonical_url, host_of
from kb.models import CrawlJob, Document, utcnow
from kb.storage import KnowledgeBase

HTML_TYPES = {"text/html", "application/xhtml+xml", ""}
PDF_TYPES = {"application/pdf", "application/x-pdf"}


@dataclass
class CrawlResult:
    job_id: int
    resumed: bool
    summary: dict = field(default_factory=dict)
    document_ids: list[int] = field(default_factory=list)


class Crawler:
    """One crawl job over a set of seeds within a scope."""

    def __init__(self, kb: KnowledgeBase, settings: CrawlSettings, progress: Callable[[str, str], None] | None = None,
                 sleep=time.sleep):
        self.kb = kb
        self.settings = settings
        self.progress = progress or (lambda _url, _outcome: None)
        self.sleep = sleep
        self.fetcher = Fetcher(settings, sleep=sleep)
        self.robots = RobotsCache(self.fetcher, settings.user_agent)
        self.last_request: dict[str, float] = {}
        self.document_ids: list[int] = []

    def run(self, seeds: list[str], scope: Scope | None = None, source_id: int | None = None) -> CrawlResult:
        seeds = list(dict.fromkeys(canonical_url(s) for s in seeds))
        scope = scope or Scope.of_seeds(seeds)
        job_id, resumed = find_or_start_job(self.kb, seeds, {"max_pages": self.settings.max_pages}, source_id)
        frontier = Frontier(self.kb, job_id)
        if resumed:
            frontier.requeue_in_flight()
        frontier.add([(s, 0, None) for s in seeds])
        try:
            self._loop(frontier, scope, source_id)
        finally:
            self.fetcher.close()
        summary = frontier.summary()
        self._close_job(job_id, summary)
        return CrawlResult(job_id, resumed, summary, self.document_ids)

    def _loop(self, frontier: Frontier, scope: Scope, source_id: int | None) -> None:
        while True:
            if frontier.summary()["stored"] >= self.settings.max_pages:
                frontier.skip_pending("max_pages")
                return
            entry = frontier.claim_next()
            if entry is None:
                return
            outcome = self._visit(frontier, entry, scope, source_id)
            self.progress(entry.url, outcome)

    def _visit(self, frontier: Frontier, entry, scope: Scope, source_id: int | None) -> str:
        try:
            if entry.depth > 0 and not scope.allows(entry.url):
                raise SkipError("out_of_scope")
            if not self.robots.allows(entry.url):
                rules = self.robots.for_url(entry.url)
                raise SkipError("robots_unavailable" if rules.unavailable else "robots", rules.unavailable or "")
            response = self._polite_fetch(entry.url)
            document_id, links, reason = self._keep(entry.url, response, source_id)
        except SkipError as exc:
            frontier.finish(entry.id, "skipped", exc.reason, exc.detail, exc.status)
            return exc.reason
        frontier.finish(entry.id, "done", reason, None, response.status, document_id)
        if entry.depth < self.settings.max_depth:
            self._enqueue(frontier, links, entry, scope)
        return reason or "stored"

    def _enqueue(self, frontier: Frontier, links: list[str], entry, scope: Scope) -> None:
        inside, outside = [], []
        for link in links:
            url = canonical_url(link)
            (inside if scope.allows(url) else outside).append((url, entry.depth + 1, entry.url))
        frontier.add(inside)
        frontier.add(outside, status="skipped", reason="out_of_scope")

    def _polite_fetch(self, url: str) -> Response:
        host = host_of(url)
        delay = max(self.settings.delay, self.robots.for_url(url).crawl_delay(self.robots.agent))
        wait = self.last_request.get(host, 0.0) + delay - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        try:
            return self.fetcher.fetch(url, self._conditional_headers(url))
        finally:
            self.last_request[host] = time.monotonic()

    def _conditional_headers(self, url: str) -> dict:
        with self.kb.session() as session:
            doc = session.scalars(select(Document).where(Document.url == url)).first()
            if doc is None:
                return {}
            headers = {}
            if doc.etag:
                headers["If-None-Match"] = doc.etag
            if doc.last_modified:
                headers["If-Modified-Since"] = doc.last_modified
            return headers

    def _keep(self, url: str, response: Response, source_id: int | None):
        """(document id, outgoing links, reason): reason is None for a stored page."""
        if response.status == 304:
            doc_id, links = self._touch(url)
            return doc_id, links, "not_modified"
        if response.status in (404, 410):
            self._mark_gone(url)
        if response.status >= 400:
            raise SkipError(f"http_{response.status}", status=response.status)
        if response.truncated:
            raise SkipError("too_large", f"body over {self.settings.max_bytes} bytes", response.status)
        page = self._extract(response)
        if not page.text.strip():
            raise SkipError("empty", "no text found", response.status)
        detected = detect_language(f"{page.title}\n{page.text}", page.declared_lang)
        key = canonical_url(page.canonical) if page.canonical and host_of(page.canonical) == host_of(url) else url
        with self.kb.session() as session:
            document, duplicate = store_page(session, key, page, detected, response, source_id)
            if key != url:
                from crawler.store import add_also_at

                add_also_at(document, url)
            doc_id = document.id
        if duplicate:
            self.document_ids.append(doc_id)
            raise SkipError("duplicate", f"same text as document {doc_id}", response.status)
        self.document_ids.append(doc_id)
        return doc_id, page.links, None

    def _extract(self, response: Response) -> Page:
        ctype = response.content_type
        head = response.body[:1024]
        if ctype in PDF_TYPES or head.startswith(b"%PDF-"):
            try:
                return extract_pdf(response.body, response.final_url)
            except ValueError as exc:
                raise SkipError("unreadable_pdf", str(exc), response.status) from None
        if ctype not in HTML_TYPES:
            raise SkipError("unsupported_type", ctype, response.status)
        if b"\x00" in head:
            raise SkipError("binary_content", "binary data served as HTML", response.status)
        charset = _charset(response.headers.get("content-type", ""))
        return extract_html(decode_html(response.body, charset), response.final_url)

    def _touch(self, url: str) -> tuple[int | None, list[str]]:
        """A 304: the stored page is still right; follow the links it had."""
        with self.kb.session() as session:
            doc = session.scalars(select(Document).where(Document.url == url)).first()
            if doc is None:
                return None, []
            doc.checked_at = utcnow()
            return doc.id, list((doc.meta or {}).get("links", []))

    def _mark_gone(self, url: str) -> None:
        with self.kb.session() as session:
            doc = session.scalars(select(Document).where(Document.url == url)).first()
            if doc is not None:
                doc.gone = True
                doc.checked_at = utcnow()
                self.document_ids.append(doc.id)

    def _close_job(self, job_id: int, summary: dict) -> None:
        with self.kb.session() as session:
            job = session.get(CrawlJob, job_id)
            job.status, job.stats, job.finished_at = "done", summary, utcnow()


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None
