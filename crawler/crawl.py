"""The crawl loop: claim URLs from the frontier, visit them on workers, record outcomes.

Several hosts are crawled in parallel (``concurrency`` workers), one request
at a time per host with a rest after each (``HostGate``: our delay, raised by
``Crawl-delay``). A host is free again as soon as its answer is read; the page
is extracted on another thread meanwhile. This loop alone writes to the
knowledge base: each turn is one short transaction holding the outcomes that
came in, the links they add and the next claims, so a crawl killed at any
moment resumes where it stopped: only URLs that were in flight are fetched
again. Near-duplicates (SimHash) of a page already stored on the crawl's hosts,
by this crawl or an earlier one, are merged into it as "also at", like exact
duplicates; a merged page still leads on to the pages it links to, as does one
answered 304 or unchanged (the links its stored copy had). Links beyond
``max_depth`` are recorded as ``too_deep``, so the limit shows. A redirect to
another host is queued, not followed at once: the target waits for its host's
turn at the gate, its robots.txt and its delay.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import and_, or_, select

from crawler.boilerplate import RepeatedLines
from crawler.database import transaction
from crawler.fetch import Fetcher
from crawler.frontier import Claim, Frontier, find_or_start_job
from crawler.politeness import HostGate, host_key
from crawler.robots import RobotsCache
from crawler.settings import CrawlSettings
from crawler.simhash import NearDuplicateIndex
from crawler.sitemaps import SITEMAP_MARKER, lastmod_detail, lastmod_of
from crawler.store import (Known, add_also_at, address_and_languages, mark_gone, own_and_duplicate, store_page,
                           strip_learnt_boilerplate, touch)
from crawler.urls import MAX_URL_CHARS, Scope, canonical_url, host_of
from crawler.visit import MAX_OUTLINKS, Visit, Visitor
from kb.language import primary_subtag
from kb.models import CrawlJob, Document, utcnow
from kb.storage import KnowledgeBase

MAX_SITEMAPS = 500  # sitemap files read per crawl, however deep the indexes nest
IDLE_WAIT = 0.05
# Threads extracting fetched pages (parsing, language, SimHash): Python work under one lock, so a
# second thread gave no more pages/s in bench.crawl. Requests stop being started while
# concurrency + EXTRACTORS pages are under way, so fetched bodies never pile up.
EXTRACTORS = 1
DEFERRED = "deferred"  # not an outcome: the URL went back to the frontier (its host rests after robots.txt)


@dataclass
class CrawlResult:
    job_id: int
    resumed: bool
    summary: dict = field(default_factory=dict)


@dataclass
class _Job:
    """What the loop knows about the job it runs."""

    frontier: Frontier
    scope: Scope
    source_id: int | None
    stored: int
    near: NearDuplicateIndex
    stored_ids: set[int] = field(default_factory=set)  # documents this run stored (a second address finds them)
    repeated: RepeatedLines = field(default_factory=RepeatedLines)  # their lines, counted per host and language
    sitemaps: int = 0
    version: int = 0  # bumped whenever the frontier may have gained a URL to claim
    nothing_for: tuple | None = None  # (version, unavailable hosts) of the last claim that found nothing


@dataclass
class _Stages:
    """The visits under way: requests (each holding its host and a slot), then extractions (holding neither)."""

    fetching: dict[Future, Claim] = field(default_factory=dict)
    extracting: dict[Future, Claim] = field(default_factory=dict)

    def busy(self) -> bool:
        return bool(self.fetching or self.extracting)


class Crawler:
    """One crawl job over a set of seeds within a scope.

    ``gate`` and ``slots`` may be shared by crawlers running side by side (the
    sources of `kb crawl --due`): the gate keeps one request per host, the
    semaphore bounds the requests in flight over all of them.
    """

    def __init__(self, kb: KnowledgeBase, settings: CrawlSettings, progress: Callable[[str, str], None] | None = None,
                 sleep=time.sleep, gate: HostGate | None = None, slots: threading.Semaphore | None = None):
        self.kb = kb
        self.settings = settings
        self.progress = progress or (lambda _url, _outcome: None)
        self.fetcher = Fetcher(settings, sleep=sleep)
        self.robots = RobotsCache(self.fetcher, settings.user_agent)
        self.gate = gate or HostGate()
        self.slots = slots

    def run(self, seeds: list[str], scope: Scope | None = None, source_id: int | None = None) -> CrawlResult:
        seeds = list(dict.fromkeys(canonical_url(s) for s in seeds))
        scope = scope or Scope.of_seeds(seeds)
        job_id, resumed = find_or_start_job(self.kb, seeds, {"max_pages": self.settings.max_pages}, source_id)
        frontier = Frontier(self.kb, job_id)
        if resumed:
            frontier.requeue_in_flight()
        frontier.add([(s, 0, None) for s in seeds])
        job = _Job(frontier, scope, source_id, frontier.summary()["stored"], self._near_index(scope))
        visitor = Visitor(self.kb, self.settings, self.fetcher, self.robots, scope)
        try:
            with ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix="crawl") as pool:
                self._loop(job, visitor, pool)
        finally:
            self.fetcher.close()
        if job.stored_ids and job.repeated.any_known():  # lines repeated page after page (crawler.boilerplate)
            with transaction(self.kb) as db:
                strip_learnt_boilerplate(db, sorted(job.stored_ids), job.repeated)
        summary = frontier.summary()
        self._close_job(job_id, summary)
        return CrawlResult(job_id, resumed, summary)

    def _near_index(self, scope: Scope) -> NearDuplicateIndex:
        """Fingerprints of the pages stored on the crawl's hosts, by this crawl or an earlier one.

        Not only this job's: on a re-crawl most pages answer 304 and are not stored again, so a
        near-duplicate met again would find nothing to merge into and be stored as a page of its own.
        """
        index = NearDuplicateIndex(self.settings.near_duplicate_distance)
        # url ranges, not LIKE 'http://host/%': SQLite's LIKE ignores case and cannot use the url index
        starts = [f"{scheme}://{host}{end}" for host in scope.hosts for scheme in ("http", "https") for end in "/:"]
        on_hosts = [and_(Document.url >= start, Document.url < start[:-1] + chr(ord(start[-1]) + 1)) for start in starts]
        if not on_hosts:
            return index
        query = (select(Document.id, Document.url, Document.simhash)
                 .where(Document.simhash.is_not(None), Document.gone.is_(False), or_(*on_hosts)))
        with self.kb.session() as session:
            for document_id, url, fingerprint in session.execute(query).yield_per(1000):
                if host_of(url) in scope.hosts:
                    index.add(int(fingerprint, 16), document_id)
        return index

    def _loop(self, job: _Job, visitor: Visitor, pool: ThreadPoolExecutor) -> None:
        stages = _Stages()
        try:
            with ThreadPoolExecutor(EXTRACTORS, thread_name_prefix="extract") as extractors:
                self._run_until_done(job, visitor, pool, extractors, stages)
        finally:  # even when recording failed: free the hosts and slots other crawls share
            for future in list(stages.fetching):
                key = host_key(stages.fetching.pop(future).url)
                future.exception()  # waits for the request to end
                self._host_done(key, self.settings.delay)

    def _run_until_done(self, job: _Job, visitor: Visitor, pool: ThreadPoolExecutor,
                        extractors: ThreadPoolExecutor, stages: _Stages) -> None:
        """Each turn is one transaction: the outcomes that came in, the links they add and the next
        claims commit together."""
        while True:
            if not stages.busy():
                with transaction(self.kb) as db:
                    self._dispatch(job, visitor, pool, stages, db=db)
            if not stages.busy():
                if job.stored >= self.settings.max_pages or not job.frontier.has_pending():
                    break
                time.sleep(min(max(self.gate.next_free_in(), 0.005), IDLE_WAIT))
                continue
            done, _ = wait([*stages.fetching, *stages.extracting], return_when=FIRST_COMPLETED,
                           timeout=min(max(self.gate.next_free_in(), 0.005), IDLE_WAIT))
            finished = self._advance(done, visitor, extractors, stages)
            job.scope = visitor.scope  # a seed that moved to another host name brought that host in
            with transaction(self.kb) as db:  # the next claims and these outcomes: one commit
                self._dispatch(job, visitor, pool, stages, unrecorded=len(finished), db=db)
                outcomes = [(visit.entry.url, self._record(db, job, visit)) for visit in finished]
            for url, outcome in outcomes:
                job.stored += outcome == "stored"
                if outcome != DEFERRED:
                    self.progress(url, outcome)
        if job.stored >= self.settings.max_pages:
            job.frontier.skip_pending("max_pages")

    def _advance(self, done, visitor: Visitor, extractors: ThreadPoolExecutor, stages: _Stages) -> list[Visit]:
        """Move finished futures on: a fetched page frees its host and goes to extraction; the rest is over."""
        finished = []
        for future in done:
            visit = future.result()
            if stages.extracting.pop(future, None) is not None:
                finished.append(visit)
                continue
            stages.fetching.pop(future)
            self._host_done(visit.key, visit.rest, visit.latency)
            if visit.needs_extraction:
                stages.extracting[extractors.submit(visitor.extract, visit)] = visit.entry
            else:
                finished.append(visit)
        return finished

    def _host_done(self, key: str, delay: float, latency: float | None = None) -> None:
        self.gate.release(key, delay, latency)
        if self.slots is not None:
            self.slots.release()

    def _dispatch(self, job: _Job, visitor: Visitor, pool: ThreadPoolExecutor, stages: _Stages,
                  unrecorded: int = 0, db=None) -> None:
        """Start visits while workers, slots and rested hosts allow (and max_pages is not reached).

        ``unrecorded``: visits over but not yet recorded, which may still store a page. In ``db``'s transaction,
        claims commit with the outcomes recorded next: a kill before that leaves them pending, which
        is what a URL in flight becomes on resume anyway.
        """
        limit = self.settings.max_pages - unrecorded - len(stages.extracting)
        while (len(stages.fetching) < self.settings.concurrency and job.stored + len(stages.fetching) < limit
               and len(stages.fetching) + len(stages.extracting) < self.settings.concurrency + EXTRACTORS):
            unavailable = frozenset(self.gate.unavailable())
            if job.nothing_for == (job.version, unavailable):
                return  # the same question found nothing before: spare the database a scan
            if self.slots is not None and not self.slots.acquire(blocking=False):
                return
            entry = job.frontier.claim_next(unavailable, db)
            if entry is None:
                job.nothing_for = (job.version, unavailable)
            elif not self.gate.try_acquire(host_key(entry.url)):
                job.frontier.release(entry.id, db)  # another crawl took the host meanwhile: ask again later
                entry = None
            if entry is None:
                if self.slots is not None:
                    self.slots.release()
                return
            stages.fetching[pool.submit(visitor.visit, entry)] = entry

    def _record(self, db, job: _Job, visit: Visit) -> str:
        """Write the outcome of ``visit`` and the links it adds, in ``db``'s transaction; returns it."""
        job.version += 1
        entry = visit.entry
        self._add_sitemaps(db, job, visit.new_sitemaps, entry.url)
        self._add_bad_urls(db, job, entry, visit.bad)
        if visit.deferred and visit.skip is None:
            job.frontier.release(entry.id, db)  # claimed again once its host has rested
            return DEFERRED
        if visit.skip is not None:
            if visit.gone:
                mark_gone(db, entry.url)
            job.frontier.finish(entry.id, "skipped", visit.skip.reason, visit.skip.detail, visit.skip.status,
                                db=db)
            if visit.inside or visit.outside:  # a noindex page's links, a meta refresh's target
                self._enqueue(db, job, entry, visit.inside, visit.outside)
            return visit.skip.reason
        if visit.redirect is not None:
            return self._record_redirect(db, job, visit)
        status = visit.response.status if visit.response else None
        if visit.sitemap is not None:
            return self._record_sitemap(db, job, visit, status)
        if visit.not_modified or visit.unchanged:
            reason = "not_modified" if visit.not_modified else "unchanged_sitemap"
            detail = None if visit.not_modified else f"sitemap lastmod {lastmod_of(entry.detail)}"
            document_id, links = touch(db, entry.url, lastmod_of(entry.detail), visit.not_modified)
            job.frontier.finish(entry.id, "done", reason, detail, status, document_id, db=db)
            inside, outside, bad = job.scope.split(links)  # the links its stored copy had
            self._add_bad_urls(db, job, entry, bad)
            self._enqueue(db, job, entry, inside, outside)
            return reason
        return self._record_page(db, job, visit)

    def _record_sitemap(self, db, job: _Job, visit: Visit, status: int | None) -> str:
        entry, sitemap = visit.entry, visit.sitemap
        job.frontier.finish(entry.id, "done", "sitemap", f"{len(sitemap.entries)} entries", status, db=db)
        if sitemap.is_index:
            self._add_sitemaps(db, job, [loc for loc, _lastmod in sitemap.entries], entry.url)
        else:  # its pages are one link from the seeds (too_deep with --max-depth 0)
            inside = [(canonical_url(loc), 1, entry.url, lastmod_detail(lastmod))
                      for loc, lastmod in sitemap.entries]
            inside = [row for row in inside if job.scope.allows(row[0])]
            if self.settings.max_depth >= 1:
                job.frontier.add(inside, db=db)
            else:
                job.frontier.add([(*row[:3], "beyond max depth 0") for row in inside], status="skipped",
                                 reason="too_deep", db=db)
        return "sitemap"

    def _add_sitemaps(self, db, job: _Job, urls: list[str], referrer: str) -> None:
        """Queue sitemaps on the crawl's own hosts, at most MAX_SITEMAPS per crawl."""
        rows = [(canonical_url(url), 0, referrer, SITEMAP_MARKER) for url in urls
                if job.scope.covers(host_of(url))][: max(0, MAX_SITEMAPS - job.sitemaps)]
        job.sitemaps += job.frontier.add(rows, db=db)

    def _record_page(self, db, job: _Job, visit: Visit) -> str:
        """Store the page, or merge it into the document that already says the same."""
        entry, page = visit.entry, visit.page
        url = entry.url
        key = canonical_url(page.canonical) if page.canonical and host_of(page.canonical) == host_of(url) else url
        own, same = own_and_duplicate(db, key, visit.digest)
        merged = self._merge(db, job, visit, own, same)
        if merged is not None:
            return merged
        document_id = store_page(db, key, page, visit.detected, visit.response, job.source_id, visit.fingerprint,
                                 lastmod_of(entry.detail), existing=own.id if own else None, digest=visit.digest)
        if key != url:
            add_also_at(db, document_id, url)
        job.stored_ids.add(document_id)
        job.repeated.count(host_key(key), visit.detected.lang if visit.detected else None, page.text,
                           page.meta.get("headings", ()))  # keyed as strip_learnt_boilerplate finds it again
        dropped = f"{visit.links_dropped} links beyond the first {MAX_OUTLINKS} not followed" if visit.links_dropped \
            else None
        job.frontier.finish(entry.id, "done", None, dropped, visit.response.status, document_id, db=db)
        if visit.fingerprint is not None:
            job.near.add(visit.fingerprint, document_id)
        else:
            job.near.discard(document_id)
        self._enqueue(db, job, entry, visit.inside, visit.outside)
        return "stored"

    def _merge(self, db, job: _Job, visit: Visit, own: Known | None, same: Known | None) -> str | None:
        """``duplicate`` or ``near_duplicate`` when the page was merged as "also at"; None to store it.

        A page with a document of its own is updated, never merged (which would leave that one stale),
        unless that document has the same text and this is another address of it (its rel=canonical
        names it), or this crawl stored it already.
        """
        if own is not None:
            if own.content_hash == visit.digest and (own.url != visit.entry.url or own.id in job.stored_ids):
                return self._also_at(db, job, visit, own.id, "duplicate", f"same text as document {own.id}")
            return None
        if same is not None:
            return self._also_at(db, job, visit, same.id, "duplicate", f"same text as document {same.id}")
        found = job.near.find(visit.fingerprint) if visit.fingerprint is not None else None
        if found is None:
            return None
        (document_id, distance), described = found, address_and_languages(db, found[0])
        if described is None or _languages_differ(visit, *described[1:]):
            return None  # a translation that shares a list of links is not a copy
        return self._also_at(db, job, visit, document_id, "near_duplicate",
                             f"{distance} bits from document {document_id} ({described[0]})")

    def _also_at(self, db, job: _Job, visit: Visit, document_id: int, reason: str, detail: str) -> str:
        """Merge the page into the document; its links are still followed: identical language stubs
        or tag pages each lead on to pages of their own."""
        add_also_at(db, document_id, visit.entry.url)
        job.frontier.finish(visit.entry.id, "skipped", reason, detail, visit.response.status, db=db)
        self._enqueue(db, job, visit.entry, visit.inside, visit.outside)
        return reason

    def _record_redirect(self, db, job: _Job, visit: Visit) -> str:
        """A redirect to another host: the target joins the frontier at the same depth (a redirect is no
        link), to be fetched in its host's turn, after that host's robots.txt and delay."""
        entry, target = visit.entry, canonical_url(visit.redirect)
        status, most = visit.response.status, self.settings.max_redirects
        if job.frontier.redirects_into(entry, most, db) >= most:  # hosts sending a crawl round and round
            job.frontier.finish(entry.id, "skipped", "too_many_redirects", f"more than {most} redirects, across hosts",
                                status, db=db)
            return "too_many_redirects"
        job.frontier.finish(entry.id, "done", "redirected", f"to {target}"[:1000], status, db=db)
        if entry.detail == SITEMAP_MARKER:
            self._add_sitemaps(db, job, [target], entry.url)
        elif entry.depth == 0 or job.scope.allows(target):  # a seed's new host joined the scope (Visitor)
            job.frontier.add([(target, entry.depth, entry.url, entry.detail)], db=db)
        else:
            job.frontier.add([(target, entry.depth, entry.url)], status="skipped", reason="out_of_scope", db=db)
        return "redirected"

    def _enqueue(self, db, job: _Job, entry: Claim, inside: list[str], outside: list[str]) -> None:
        """Queue a page's links (canonical already) one level deeper; those out of scope, or beyond
        ``max_depth``, are recorded as such."""
        depth = entry.depth + 1
        fits = [url for url in inside if len(url) <= MAX_URL_CHARS]
        if depth <= self.settings.max_depth:
            job.frontier.add([(url, depth, entry.url) for url in fits], db=db)
        else:
            beyond = f"beyond max depth {self.settings.max_depth}"
            job.frontier.add([(url, depth, entry.url, beyond) for url in fits], status="skipped", reason="too_deep",
                             db=db)
        job.frontier.add([(url[:MAX_URL_CHARS], depth, entry.url, f"{len(url)} characters") for url in inside
                          if len(url) > MAX_URL_CHARS], status="skipped", reason="url_too_long", db=db)
        job.frontier.add([(url[:MAX_URL_CHARS], depth, entry.url) for url in outside], status="skipped",
                         reason="out_of_scope", db=db)

    def _add_bad_urls(self, db, job: _Job, entry: Claim, bad: list[tuple[str, str]]) -> None:
        """Addresses met on the way that cannot be read: each skipped alone as ``bad_url``, with why."""
        job.frontier.add([(url, entry.depth + 1, entry.url, detail[:1000]) for url, detail in bad], status="skipped",
                         reason="bad_url", db=db)

    def _close_job(self, job_id: int, summary: dict) -> None:
        with self.kb.session() as session:
            job = session.get(CrawlJob, job_id)
            job.status, job.stats, job.finished_at = "done", summary, utcnow()


def _languages_differ(visit: Visit, declared: str | None, detected: str | None) -> bool:
    """True when the pages declare (or else are detected in) different languages."""
    ours = primary_subtag(visit.page.declared_lang)
    theirs = primary_subtag(declared)
    if not (ours and theirs):
        ours, theirs = visit.detected.lang if visit.detected else None, detected
    return bool(ours and theirs and ours != theirs)
