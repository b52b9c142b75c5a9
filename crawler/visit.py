"""Visiting one URL, on a worker thread: scope, robots, fetch, then what the body is.

A visit never writes to the knowledge base (the crawl loop records it), so
workers only share the network and a read of the stored validators; the work a
page costs (extraction, language, SimHash, content hash, canonical links) is
done here, off the loop that writes. It ends as a ``Visit``: a skip with its reason, a page (extracted, its language and
SimHash known), a sitemap (its entries), "not modified" (a 304), "unchanged"
(not fetched at all: its sitemap ``<lastmod>`` is not newer than our copy), "deferred"
(robots.txt was fetched and the host must rest first), or "redirected" to another host (the
target joins the frontier and waits for that host's turn at the gate, robots.txt and delay).
The first visit to a site also names the sitemaps to read (those robots.txt lists, and
``/sitemap.xml``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from crawler.database import connection, decoder
from crawler.errors import SkipError
from crawler.extract import EXTRACTOR_VERSION, Page, decode_html, extract_html, extract_pdf, robots_directives
from crawler.fetch import Fetcher, Response
from crawler.frontier import Claim
from crawler.politeness import host_key
from crawler.robots import RobotsCache
from crawler.settings import CrawlSettings
from crawler.simhash import simhash
from crawler.store import MAX_LINKS_KEPT, content_hash
from crawler.sitemaps import (SITEMAP_MARKER, Sitemap, SitemapError, candidate_sitemaps, lastmod_of, looks_like_sitemap,
                              parse_sitemap, unchanged_since)
from crawler.urls import Scope, host_of
from kb.language import Detected, detect_language
from kb.models import Document, utcnow
from kb.storage import KnowledgeBase

HTML_TYPES = {"text/html", "application/xhtml+xml", ""}
PDF_TYPES = {"application/pdf", "application/x-pdf"}
# Asked for every page: SQL on the DBAPI connection (crawler.database says why).
STORED_QUERY = ("SELECT etag, last_modified, fetched_at, json_extract(meta, '$.sitemap_lastmod') FROM document "
                "WHERE url = ? AND extractor = ? AND gone IS 0")
_READ_WHEN = decoder(Document.__table__.c.fetched_at)


@dataclass(frozen=True)
class Stored:
    """Our copy of a page, as far as deciding whether to fetch it again goes."""

    etag: str | None
    last_modified: str | None
    fetched_at: datetime | None
    sitemap_lastmod: str | None

    def conditional_headers(self) -> dict:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


# Links followed from one page, in page order (Heritrix's default): a link farm or an endless
# calendar cannot put hundreds of thousands of addresses in the frontier from one page. The stored
# copy keeps as many, for a 304 to lead on to.
MAX_OUTLINKS = MAX_LINKS_KEPT


@dataclass
class Visit:
    """The outcome of one visit, for the crawl loop to record."""

    entry: Claim
    key: str
    delay: float
    skip: SkipError | None = None
    gone: bool = False
    not_modified: bool = False
    unchanged: bool = False  # not fetched: the sitemap's lastmod is not newer than our copy
    requested: bool = False  # a request was sent: only then does the host rest ``delay`` after it
    deferred: bool = False  # robots.txt was read, the host rests before the page: the URL is claimed again later
    needs_extraction: bool = False  # fetched, its body still to read (Visitor.extract)
    links_dropped: int = 0  # links of the page beyond MAX_OUTLINKS, not followed
    latency: float | None = None  # seconds the page's fetch took (the host's rest adapts to it)
    response: Response | None = None
    page: Page | None = None
    detected: Detected | None = None
    fingerprint: int | None = None
    digest: str | None = None
    inside: list[str] = field(default_factory=list)  # the page's links to follow, canonical
    outside: list[str] = field(default_factory=list)  # and those out of scope
    bad: list[tuple[str, str]] = field(default_factory=list)  # addresses met that cannot be read, and why
    sitemap: Sitemap | None = None
    new_sitemaps: list[str] = field(default_factory=list)
    redirect: str | None = None  # a redirect to another host: the target, fetched in that host's turn

    @property
    def rest(self) -> float:
        """How long the host rests after this visit: a skip without a request costs the host nothing."""
        return self.delay if self.requested else 0.0


class Visitor:
    """Everything a worker needs to visit URLs of one crawl."""

    def __init__(self, kb: KnowledgeBase, settings: CrawlSettings, fetcher: Fetcher, robots: RobotsCache,
                 scope: Scope):
        self.kb = kb
        self.settings = settings
        self.fetcher = fetcher
        self.robots = robots
        self.scope = scope

    def visit(self, entry: Claim) -> Visit:
        """The first part of a visit, holding the host: robots.txt, the request and what kind of answer it is."""
        visit = Visit(entry, host_key(entry.url), self.settings.delay)
        return _guarded(visit, self._read_sitemap if entry.detail == SITEMAP_MARKER else self._read_page)

    def _allowed(self, visit: Visit) -> bool:
        """Load the site's robots.txt (naming its sitemaps the first time) and obey it.

        False when robots.txt was just fetched and the host must rest before the page: the visit
        ends there (``deferred``) and the URL goes back to the frontier, so the worker serves
        other hosts meanwhile instead of sleeping through a long ``Crawl-delay``.
        """
        url = visit.entry.url
        rules, first = self.robots.load(url)
        visit.delay = max(self.settings.delay, rules.crawl_delay(self.robots.agent))
        visit.requested = first  # robots.txt was a request too: the host rests after it
        if first and rules.unavailable is None:
            parts = urlsplit(url)
            visit.new_sitemaps = candidate_sitemaps(urlunsplit((parts.scheme, parts.netloc, "/", "", "")),
                                                    rules.sitemaps(), visit.bad)
        if not rules.allows(url, self.robots.agent):
            raise SkipError("robots_unavailable" if rules.unavailable else "robots", rules.unavailable or "")
        visit.deferred = first and visit.delay > 0
        return not visit.deferred

    def _read_sitemap(self, visit: Visit) -> None:
        try:
            if not self._allowed(visit):
                return
            visit.requested = True
            response = self.fetcher.fetch(visit.entry.url, allowed=self.robots.allows, other_hosts=False)
        except SkipError as exc:
            raise SkipError("sitemap_missing", f"{exc.reason} {exc.detail}".strip(), exc.status) from None
        visit.response = response
        if response.moved_to:
            visit.redirect = response.moved_to
            return
        if response.status >= 400 or response.truncated:
            reason = "too large" if response.truncated else f"http {response.status}"
            raise SkipError("sitemap_missing", reason, response.status)
        try:
            visit.sitemap = parse_sitemap(response.body, response.final_url, self.settings.sitemap_max_bytes)
        except SitemapError as exc:
            raise SkipError("sitemap_unreadable", str(exc), response.status) from None
        visit.bad += visit.sitemap.bad

    def _read_page(self, visit: Visit) -> None:
        url = visit.entry.url
        if visit.entry.depth > 0 and not self.scope.allows(url):
            raise SkipError("out_of_scope")
        if not self._allowed(visit):
            return
        stored = self._stored(url)
        trusted_since = utcnow() - timedelta(days=self.settings.sitemap_trust_days)
        if (stored is not None and stored.fetched_at is not None and stored.fetched_at >= trusted_since
                and unchanged_since(lastmod_of(visit.entry.detail), stored.fetched_at, stored.sitemap_lastmod)):
            visit.unchanged = True  # the sitemap says our copy is current: no request at all
            return
        visit.requested = True
        started = time.monotonic()
        try:
            visit.response = response = self.fetcher.fetch(url, stored.conditional_headers() if stored else {},
                                                            allowed=self.robots.allows, other_hosts=False)
        finally:  # a timeout, or retries after 5xx and 429, say the host needs room too
            visit.latency = time.monotonic() - started
        if response.status == 304:
            visit.not_modified = True
            return
        if response.moved_to:
            self._moved_to_another_host(visit, response.moved_to)
            return
        visit.gone = response.status in (404, 410)
        if response.status >= 400:
            raise SkipError(f"http_{response.status}", status=response.status)
        if response.truncated:
            raise SkipError("too_large", f"body over {self.settings.max_bytes} bytes", response.status)
        if looks_like_sitemap(response.final_url, response.content_type, response.body):
            try:
                visit.sitemap = parse_sitemap(response.body, response.final_url, self.settings.sitemap_max_bytes)
                visit.bad += visit.sitemap.bad
                return
            except SitemapError:
                pass  # some other XML: judged by its type below
        visit.needs_extraction = True

    def _moved_to_another_host(self, visit: Visit, target: str) -> None:
        """A redirect to another host: the target is fetched in that host's turn (the loop queues it).

        A seed redirected to another host name (gent.be -> stad.gent): the site lives there now, so
        its host joins the crawl's scope (the loop takes the new scope up)."""
        visit.redirect = target
        moved_to = host_of(target)
        if visit.entry.depth == 0 and moved_to and not self.scope.covers(moved_to):
            self.scope = self.scope.with_host(moved_to)

    def extract(self, visit: Visit) -> Visit:
        """The second part of a page's visit, once its host is free again: what the body says."""
        visit.needs_extraction = False
        return _guarded(visit, self._read_body)

    def _read_body(self, visit: Visit) -> None:
        """Extract the page and what to do with it. A page that asks not to be indexed (robots meta,
        X-Robots-Tag) is skipped, and a stored copy marked gone; its links are still followed unless
        it says nofollow. A meta refresh is followed like a redirect, nofollow or not."""
        response = visit.response
        page = self._extract(response)
        agent, meta = self.robots.agent.lower(), page.meta.get("meta", {})
        directives = robots_directives((meta.get("robots"), meta.get(agent), response.headers.get("x-robots-tag")),
                                       agent)
        if "nofollow" in directives:
            page.links, page.bad_links = [page.refresh] if page.refresh else [], []  # kept as followed (a 304's)
        # Beyond --max-depth too: the crawl loop records those links as too_deep, so the limit shows.
        visit.links_dropped = max(0, len(page.links) - MAX_OUTLINKS)
        visit.inside, visit.outside, bad = self.scope.split(page.links[:MAX_OUTLINKS])
        visit.bad += bad + page.bad_links
        if "noindex" in directives:
            visit.gone = True
            raise SkipError("noindex", "the page asks not to be indexed (robots meta tag or X-Robots-Tag)",
                            response.status)
        if not page.text.strip():
            if page.refresh:
                raise SkipError("meta_refresh", f"refresh to {page.refresh}"[:1000], response.status)
            raise SkipError("empty", "no text found", response.status)
        visit.page = page
        visit.detected = detect_language(f"{page.title}\n{page.text}", page.declared_lang,
                                         languages=self.settings.languages)
        visit.fingerprint = simhash(page.text)
        visit.digest = content_hash(page.text)

    def _stored(self, url: str) -> Stored | None:
        """What we know of our copy of ``url``; None when there is none, one an older extractor made
        (fetched again in full, so every document gains what extraction learnt since), or one marked
        gone (a page that answered 404 must be asked again, or it could never come back)."""
        with connection(self.kb) as db:  # a read on a worker, from the pool
            rows = db.execute(STORED_QUERY, (url, EXTRACTOR_VERSION)).fetchall()
        if not rows:
            return None
        etag, last_modified, fetched_at, sitemap_lastmod = rows[0]
        return Stored(etag, last_modified, _READ_WHEN(fetched_at), sitemap_lastmod)

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


def _guarded(visit: Visit, step) -> Visit:
    """Run ``step`` on ``visit``: a skip, or any surprise, is recorded as its outcome."""
    try:
        step(visit)
    except SkipError as exc:
        visit.skip = exc
    except Exception as exc:  # noqa: BLE001 - one page's surprise must not end the crawl; it is recorded
        visit.skip = SkipError("crawler_error", f"{type(exc).__name__}: {exc}"[:500])
    return visit


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None
