"""Visiting one URL, on a worker thread: scope, robots, fetch, then what the body is.

A visit never writes to the knowledge base (the crawl loop records it), so
workers only share the network and a read of the stored validators; the work a
page costs (extraction, language, SimHash, content hash, canonical links) is
done here, off the loop that writes. A visit runs in two parts: ``visit`` holds
the host (robots.txt, the request) and ends in an outcome (crawler.outcomes)
or, for a page, in ``Fetched``; ``extract`` reads the body once the host is
free again. What the visit gathers on its way (the sitemaps robots.txt names
on the first visit to a site, addresses that cannot be read, the rest its host
is owed) is kept in its ``Trip``, so that any outcome, a skip too, carries it.
Every request of a visit waits for its host's turn (crawler.politeness.Turns):
robots.txt moved to another host is read in that host's turn, and a visit that
cannot get it in time is ``Deferred``.
A seed redirected to another host name does not change the crawl's scope here:
its outcome names the host, and the loop widens the scope.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from crawler.database import connection, decoder
from crawler.directives import robots_directives
from crawler.errors import SkipError
from crawler.extract import EXTRACTOR_VERSION, Page, extract_html, extract_pdf
from crawler.fetch import Fetcher, Response
from crawler.frontier import Claim
from crawler.markup import decode_html
from crawler.outcomes import (Deferred, Links, NotModified, Outcome, PageRead, Redirected, SitemapRead, Skipped,
                              Unchanged)
from crawler.politeness import HostBusy, HostGate, Turns, host_key
from crawler.robots import RobotsCache
from crawler.settings import CrawlSettings
from crawler.simhash import simhash
from crawler.store import MAX_LINKS_KEPT, content_hash
from crawler.sitemaps import (SITEMAP_MARKER, SitemapError, candidate_sitemaps, lastmod_of, looks_like_sitemap,
                              parse_sitemap, unchanged_since)
from crawler.urls import Scope, host_of
from kb.language import detect_language
from kb.models import Document, utcnow
from kb.storage import KnowledgeBase

HTML_TYPES = {"text/html", "application/xhtml+xml", ""}
PDF_TYPES = {"application/pdf", "application/x-pdf"}
# Asked for every page: SQL on the DBAPI connection (crawler.database says why).
STORED_QUERY = ("SELECT etag, last_modified, fetched_at, json_extract(meta, '$.sitemap_lastmod') FROM document "
                "WHERE url = ? AND extractor = ? AND gone IS 0")
_READ_WHEN = decoder(Document.__table__.c.fetched_at)
# Links followed from one page, in page order (Heritrix's default): a link farm or an endless
# calendar cannot put hundreds of thousands of addresses in the frontier from one page. The stored
# copy keeps as many, for a 304 to lead on to.
MAX_OUTLINKS = MAX_LINKS_KEPT


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


@dataclass(frozen=True)
class HostTurn:
    """What a visit's first part owes its host, for the gate."""

    key: str
    rest: float  # seconds the host rests after the visit
    latency: float | None  # seconds the page's fetch took (the host's rest adapts to it)


@dataclass
class Trip:
    """What one visit gathers on its way, whatever it comes to. Used by one thread at a time: the
    worker, then (through the loop) the extractor."""

    entry: Claim
    scope: Scope  # the crawl's scope as the loop last gave it
    delay: float
    requested: bool = False  # a request was sent: only then does the host rest ``delay`` after it
    turns: Turns | None = None  # each request of the visit in its host's turn
    latency: float | None = None
    sitemaps: list[str] = field(default_factory=list)
    bad: list[tuple[str, str]] = field(default_factory=list)
    links: Links = field(default_factory=Links)  # the page's links, once its body is read

    def turn(self) -> HostTurn:
        """A skip without a request costs the host no rest."""
        return HostTurn(host_key(self.entry.url), self.delay if self.requested else 0.0, self.latency)

    def met(self) -> dict:
        """The fields every outcome has."""
        return {"entry": self.entry, "sitemaps": self.sitemaps, "bad": self.bad}

    def skipped(self, skip: SkipError, gone: bool = False) -> Skipped:
        return Skipped(**self.met(), skip=skip, gone=gone, links=self.links)


@dataclass(frozen=True)
class Fetched:
    """A page fetched, its body still to read (``Visitor.extract``) once its host is free."""

    trip: Trip
    response: Response


class Visitor:
    """Everything a worker needs to visit URLs of one crawl (the crawl's scope comes with each visit)."""

    def __init__(self, kb: KnowledgeBase, settings: CrawlSettings, fetcher: Fetcher, robots: RobotsCache,
                 gate: HostGate | None = None):
        self.kb = kb
        self.settings = settings
        self.fetcher = fetcher
        self.robots = robots
        self.gate = gate or HostGate()
        # How long a visit waits for another host's turn: that host's request in flight, then its rest.
        self.patience = settings.connect_timeout + settings.read_timeout + settings.delay

    def visit(self, entry: Claim, scope: Scope) -> tuple[HostTurn, Outcome | Fetched]:
        """The first part of a visit, holding the host: robots.txt, the request and what kind of answer it is."""
        trip = Trip(entry, scope, self.settings.delay)
        trip.turns = Turns(self.gate, entry.url, self.settings.delay, self.patience, self._rest_of)
        result = _guarded(trip, self._read_sitemap if entry.detail == SITEMAP_MARKER else self._read_page)
        return trip.turn(), result

    def extract(self, fetched: Fetched, scope: Scope) -> Outcome:
        """The second part of a page's visit, once its host is free again: what the body says."""
        fetched.trip.scope = scope
        return _guarded(fetched.trip, lambda trip: self._read_body(trip, fetched.response))

    def _allowed(self, trip: Trip) -> bool:
        """Load the site's robots.txt (naming its sitemaps the first time) and obey it.

        False when robots.txt was just fetched and the host must rest before the page: the visit
        ends there (``Deferred``) and the URL goes back to the frontier, so the worker serves
        other hosts meanwhile instead of sleeping through a long ``Crawl-delay``.
        """
        url = trip.entry.url
        rules, first = self.robots.load(url, trip.turns)
        trip.delay = trip.turns.delay = max(self.settings.delay, rules.crawl_delay(self.robots.agent))
        trip.requested = first  # robots.txt was a request too: the host rests after it
        if first and rules.unavailable is None:
            parts = urlsplit(url)
            trip.sitemaps = candidate_sitemaps(urlunsplit((parts.scheme, parts.netloc, "/", "", "")),
                                               rules.sitemaps(), trip.bad)
        if not rules.allows(url, self.robots.agent):
            raise SkipError("robots_unavailable" if rules.unavailable else "robots", rules.unavailable or "")
        return not (first and trip.delay > 0)

    def _rest_of(self, url: str) -> float:
        """How long another host a visit was led to rests after our request: our delay, or its Crawl-delay."""
        return max(self.settings.delay, self.robots.known_crawl_delay(url))

    def _robots_of(self, trip: Trip):
        """robots.txt's verdict on a redirect's target, its robots.txt read in the visit's turns."""
        return lambda url: self.robots.allows(url, trip.turns)

    def _read_sitemap(self, trip: Trip) -> Outcome:
        try:
            if not self._allowed(trip):
                return Deferred(**trip.met())
            trip.requested = True
            response = self.fetcher.fetch(trip.entry.url, allowed=self._robots_of(trip), other_hosts=False,
                                          turns=trip.turns)
        except SkipError as exc:
            raise SkipError("sitemap_missing", f"{exc.reason} {exc.detail}".strip(), exc.status) from None
        if response.moved_to:
            return Redirected(**trip.met(), target=response.moved_to, status=response.status)
        if response.status >= 400 or response.truncated:
            detail = "too large" if response.truncated else f"http {response.status}"
            raise SkipError("sitemap_missing", detail, response.status)
        try:
            sitemap = parse_sitemap(response.body, response.final_url, self.settings.sitemap_max_bytes)
        except SitemapError as exc:
            raise SkipError("sitemap_unreadable", str(exc), response.status) from None
        trip.bad += sitemap.bad
        return SitemapRead(**trip.met(), sitemap=sitemap, status=response.status)

    def _read_page(self, trip: Trip) -> Outcome | Fetched:
        url = trip.entry.url
        if trip.entry.depth > 0 and not trip.scope.allows(url):
            raise SkipError("out_of_scope")
        if not self._allowed(trip):
            return Deferred(**trip.met())
        stored = self._stored(url)
        if self._sitemap_says_current(stored, trip.entry):
            return Unchanged(**trip.met())  # no request at all
        trip.requested = True
        started = time.monotonic()
        try:
            response = self.fetcher.fetch(url, stored.conditional_headers() if stored else {},
                                          allowed=self._robots_of(trip), other_hosts=False, turns=trip.turns)
        finally:  # a timeout, or retries after 5xx and 429, say the host needs room too
            trip.latency = time.monotonic() - started
        return self._answer(trip, response)

    def _answer(self, trip: Trip, response: Response) -> Outcome | Fetched:
        """What kind of answer a page's request got: the body of a page is read later (``extract``)."""
        if response.status == 304:
            return NotModified(**trip.met(), status=response.status)
        if response.moved_to:
            return _moved_to_another_host(trip, response)
        if response.status >= 400:
            return trip.skipped(SkipError(f"http_{response.status}", status=response.status),
                                gone=response.status in (404, 410))
        if response.truncated:
            raise SkipError("too_large", f"body over {self.settings.max_bytes} bytes", response.status)
        if looks_like_sitemap(response.final_url, response.content_type, response.body):
            try:
                sitemap = parse_sitemap(response.body, response.final_url, self.settings.sitemap_max_bytes)
            except SitemapError:
                pass  # some other XML: judged by its type when extracted
            else:
                trip.bad += sitemap.bad
                return SitemapRead(**trip.met(), sitemap=sitemap, status=response.status)
        return Fetched(trip, response)

    def _sitemap_says_current(self, stored: Stored | None, entry: Claim) -> bool:
        """Our copy is current by the sitemap's lastmod (and was fetched recently enough to trust that)."""
        trusted_since = utcnow() - timedelta(days=self.settings.sitemap_trust_days)
        return (stored is not None and stored.fetched_at is not None and stored.fetched_at >= trusted_since
                and unchanged_since(lastmod_of(entry.detail), stored.fetched_at, stored.sitemap_lastmod))

    def _read_body(self, trip: Trip, response: Response) -> Outcome:
        """Extract the page and what to do with it. A page that asks not to be indexed (robots meta,
        X-Robots-Tag) is skipped, and a stored copy marked gone; its links are still followed unless
        it says nofollow. A meta refresh is followed like a redirect, nofollow or not."""
        page = self._extract(response)
        agent, meta = self.robots.agent.lower(), page.meta.get("meta", {})
        directives = robots_directives((meta.get("robots"), meta.get(agent), response.headers.get("x-robots-tag")),
                                       agent)
        if "nofollow" in directives:
            page.links, page.bad_links = [page.refresh] if page.refresh else [], []  # kept as followed (a 304's)
        # Beyond --max-depth too: the crawl loop records those links as too_deep, so the limit shows.
        inside, outside, bad = trip.scope.split(page.links[:MAX_OUTLINKS])
        trip.links = Links(inside, outside, max(0, len(page.links) - MAX_OUTLINKS))
        trip.bad += bad + page.bad_links
        if "noindex" in directives:
            return trip.skipped(SkipError("noindex", "the page asks not to be indexed (robots meta tag or "
                                          "X-Robots-Tag)", response.status), gone=True)
        if not page.text.strip():
            if page.refresh:
                return trip.skipped(SkipError("meta_refresh", f"refresh to {page.refresh}"[:1000], response.status))
            return trip.skipped(SkipError("empty", "no text found", response.status))
        detected = detect_language(f"{page.title}\n{page.text}", page.declared_lang, languages=self.settings.languages)
        return PageRead(**trip.met(), response=response, page=page, detected=detected, fingerprint=simhash(page.text),
                        digest=content_hash(page.text), links=trip.links)

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


def _moved_to_another_host(trip: Trip, response: Response) -> Redirected:
    """A redirect to another host: the target is fetched in that host's turn (the loop queues it).

    A seed redirected to another host name (gent.be -> stad.gent): the site lives there now, so
    its host joins the crawl's scope (the loop widens it when it records the outcome)."""
    moved_to = host_of(response.moved_to)
    joins = moved_to if trip.entry.depth == 0 and moved_to and not trip.scope.covers(moved_to) else None
    return Redirected(**trip.met(), target=response.moved_to, status=response.status, joins_scope=joins)


def _guarded(trip: Trip, step) -> Outcome | Fetched:
    """Run ``step`` on ``trip``: a skip, or any surprise, is its outcome."""
    try:
        return step(trip)
    except SkipError as exc:
        return trip.skipped(exc)
    except HostBusy:  # another host the visit was led to stayed busy: its own host was asked, and rests
        trip.requested = True
        return Deferred(**trip.met())
    except Exception as exc:  # noqa: BLE001 - one page's surprise must not end the crawl; it is recorded
        return trip.skipped(SkipError("crawler_error", f"{type(exc).__name__}: {exc}"[:500]))


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None
