"""The crawl loop: claim URLs from the frontier, visit them on workers, have their outcomes recorded.

Several hosts are crawled in parallel (``concurrency`` workers), one request
at a time per host with a rest after each (``HostGate``: our delay, raised by
``Crawl-delay``). A host is free again as soon as its answer is read; the page
is extracted on another thread meanwhile. This loop alone writes to the
knowledge base (through crawler.record): each turn is one short transaction
holding the outcomes that came in, the links they add and the next claims, so
a crawl killed at any moment resumes where it stopped: only URLs that were in
flight are fetched again. Workers get the crawl's scope with each visit and
return an outcome (crawler.outcomes); nothing they share is changed on them.
Crawls in other processes, on other machines, may run the same job: they claim
from one frontier under leases the loop renews (and reclaims from the dead),
and on PostgreSQL take each host's turn in the database (crawler.host_ledger).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable

from crawler.database import retried
from crawler.fetch import Fetcher
from crawler.frontier import Claim, Frontier, find_or_start_job
from crawler.host_ledger import host_gate
from crawler.outcomes import Deferred, Outcome
from crawler.politeness import HostGate, host_key
from crawler.record import STORED, Recorder, near_duplicates_on
from crawler.robots import RobotsCache
from crawler.settings import CrawlSettings, worker_name
from crawler.urls import Scope, canonical_url
from crawler.visit import Fetched, HostTurn, Visitor
from kb.models import CrawlJob, utcnow
from kb.storage import KnowledgeBase

IDLE_WAIT = 0.05
# A worker looks this often at what other workers sharing the frontier did: the pages they stored (max_pages
# is the job's) and, when it found nothing to claim, the URLs they added or put back (its own outcomes make
# it look at once).
RECHECK = 0.5
NEAR_MAX_PAGES = 4  # visits under way, times this, from max_pages: stored pages counted every turn
# Threads extracting fetched pages (parsing, language, SimHash): Python work under one lock, so a
# second thread gave no more pages/s in bench.crawl. Requests stop being started while
# concurrency + EXTRACTORS pages are under way, so fetched bodies never pile up.
EXTRACTORS = 1


@dataclass
class CrawlResult:
    job_id: int
    resumed: bool
    summary: dict = field(default_factory=dict)


@dataclass
class _Job:
    """What the loop knows about the job it runs."""

    frontier: Frontier
    recorder: Recorder
    stored: int
    version: int = 0  # bumped whenever the frontier may have gained a URL to claim
    nothing_for: tuple | None = None  # (version, unavailable hosts) of the last claim that found nothing
    rechecked: float = 0.0  # when the frontier was last looked at for other workers' URLs (monotonic)
    leases_due: float = 0.0  # when this worker's claims are next renewed (monotonic)


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
        self.gate = gate or host_gate(kb, settings)
        self._own_gate = gate is None  # closed by this crawler when its run ends
        self.slots = slots

    def run(self, seeds: list[str], scope: Scope | None = None, source_id: int | None = None,
            join: bool = False) -> CrawlResult | None:
        """Crawl ``seeds``: the running job with the same seeds (another worker's, or one killed), else a
        new one; with ``join``, only a running job (None when there is none)."""
        seeds = list(dict.fromkeys(canonical_url(s) for s in seeds))
        scope = scope or Scope.of_seeds(seeds)
        job_id, resumed = find_or_start_job(self.kb, seeds, {"max_pages": self.settings.max_pages}, source_id,
                                            start=not join)
        if job_id is None:
            return None
        frontier = Frontier(self.kb, job_id, worker_name(self.settings))
        if resumed:
            frontier.requeue_in_flight(self.settings.claim_lease)
        frontier.add([(s, 0, None) for s in seeds])
        near = near_duplicates_on(self.kb, scope, self.settings.near_duplicate_distance)
        job = _Job(frontier, Recorder(self.settings, frontier, scope, source_id, near), frontier.summary()["stored"],
                   leases_due=time.monotonic() + self.settings.claim_lease / 3)
        visitor = Visitor(self.kb, self.settings, self.fetcher, self.robots, self.gate)
        try:
            with ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix="crawl") as pool:
                self._loop(job, visitor, pool)
        finally:
            self.fetcher.close()
            if self._own_gate:
                self.gate.close()
        job.recorder.strip_boilerplate(self.kb)
        summary = frontier.summary()
        self._close_job(job_id, summary)
        return CrawlResult(job_id, resumed, summary)

    def _loop(self, job: _Job, visitor: Visitor, pool: ThreadPoolExecutor) -> None:
        stages = _Stages()
        try:
            with ThreadPoolExecutor(EXTRACTORS, thread_name_prefix="extract") as extractors:
                self._run_until_done(job, visitor, pool, extractors, stages)
        finally:  # even when recording failed: free the hosts and slots other crawls share
            for future in list(stages.fetching):
                key = host_key(stages.fetching.pop(future).url)
                future.exception()  # waits for the request to end
                self._host_done(HostTurn(key, self.settings.delay, None))

    def _run_until_done(self, job: _Job, visitor: Visitor, pool: ThreadPoolExecutor,
                        extractors: ThreadPoolExecutor, stages: _Stages) -> None:
        """Each turn is one transaction: the outcomes that came in, the links they add and the next
        claims commit together (``_turn``)."""
        while True:
            self._keep_claims(job)
            if not stages.busy():
                self._turn(job, visitor, pool, stages, [])
            if not stages.busy():
                if job.stored >= self.settings.max_pages or not job.frontier.has_pending():
                    break
                time.sleep(min(max(self.gate.next_free_in(), 0.005), IDLE_WAIT))
                continue
            done, _ = wait([*stages.fetching, *stages.extracting], return_when=FIRST_COMPLETED,
                           timeout=min(max(self.gate.next_free_in(), 0.005), IDLE_WAIT))
            finished = self._advance(done, job, visitor, extractors, stages)
            for outcome, label in zip(finished, self._turn(job, visitor, pool, stages, finished)):
                job.stored += label == STORED
                if not isinstance(outcome, Deferred):
                    self.progress(outcome.entry.url, label)
        if job.stored >= self.settings.max_pages:
            job.frontier.skip_pending("max_pages")

    def _keep_claims(self, job: _Job) -> None:
        """What workers sharing the frontier owe each other: every third of the lease, renew this
        worker's claims and put back those of workers silent for a whole lease (dead); between,
        count the pages they stored and notice the URLs they added, so a worker with nothing to do
        takes part of theirs."""
        now = time.monotonic()
        if now >= job.leases_due:
            job.leases_due = now + self.settings.claim_lease / 3
            retried(self.kb, lambda db: (job.frontier.renew_claims(db),
                                         job.frontier.requeue_expired(self.settings.claim_lease, db)))
            self.gate.renew()  # the hosts it is asking, on a shared ledger
            job.frontier.hosts |= job.frontier.hosts_to_visit()  # what a look at new rows may have missed
            job.version += 1
        # Pages other workers stored count towards the job's max_pages: near it, asked every turn.
        if now >= job.rechecked + RECHECK or self.settings.max_pages - job.stored <= NEAR_MAX_PAGES * (
                self.settings.concurrency + EXTRACTORS):
            job.stored = max(job.stored, job.frontier.stored())
        if now >= job.rechecked + RECHECK:
            job.rechecked = now
            if job.nothing_for is not None:
                job.frontier.notice_new_hosts()
                job.version += 1  # other workers may also have put URLs back: claim again

    def _advance(self, done, job: _Job, visitor: Visitor, extractors: ThreadPoolExecutor,
                 stages: _Stages) -> list[Outcome]:
        """Move finished futures on: a fetched page frees its host and goes to extraction; the rest is over."""
        finished = []
        for future in done:
            if stages.extracting.pop(future, None) is not None:
                finished.append(future.result())
                continue
            entry = stages.fetching.pop(future)
            turn, result = future.result()
            self._host_done(turn)
            if isinstance(result, Fetched):
                stages.extracting[extractors.submit(visitor.extract, result, job.recorder.scope)] = entry
            else:
                job.recorder.widen_scope(result)
                finished.append(result)
        return finished

    def _host_done(self, turn: HostTurn) -> None:
        self.gate.release(turn.key, turn.rest, turn.latency)
        if self.slots is not None:
            self.slots.release()

    def _turn(self, job: _Job, visitor: Visitor, pool: ThreadPoolExecutor, stages: _Stages,
              finished: list[Outcome]) -> list[str]:
        """Record the outcomes that came in, and claim the next URLs, in one transaction; then start
        their visits. Returns the outcomes' reasons (or "stored").

        The claims come last: they wait for nobody (SKIP LOCKED), but rows they mark make other workers'
        inserts wait until the commit, and so must not be held while this transaction waits on theirs
        (crawler.frontier's ``add_all``). Should the server still roll the transaction back for a
        conflict with another writer, it runs again whole (crawler.database's ``retried``): its claims
        are given back, and no visit started, nothing learnt, before it committed.
        """
        claims: list[Claim] = []

        def work(db) -> list[str]:
            reasons = job.recorder.record_all(db, finished) if finished else []
            job.version += len(finished)  # the outcomes may have added URLs to claim, or freed their own
            self._claim(job, stages, claims, len(finished), db)
            return reasons

        def give_back() -> None:
            for entry in claims:
                self._host_done(HostTurn(host_key(entry.url), 0.0, None))
            claims.clear()

        reasons = retried(self.kb, work, give_back)
        job.recorder.committed()
        for entry in claims:
            stages.fetching[pool.submit(visitor.visit, entry, job.recorder.scope)] = entry
        return reasons

    def _claim(self, job: _Job, stages: _Stages, claims: list[Claim], unrecorded: int, db) -> None:
        """Claim URLs into ``claims`` while workers, slots and rested hosts allow (and max_pages is not
        reached), each with its host taken at the gate.

        ``unrecorded``: visits over but not yet counted, which may still have stored a page. In ``db``'s
        transaction, claims commit with the outcomes recorded before: a kill before that leaves them
        pending, which is what a URL in flight becomes on resume anyway.
        """
        limit = self.settings.max_pages - unrecorded - len(stages.extracting)
        while True:
            fetching = len(stages.fetching) + len(claims)
            if not (fetching < self.settings.concurrency and job.stored + fetching < limit
                    and fetching + len(stages.extracting) < self.settings.concurrency + EXTRACTORS):
                return
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
            claims.append(entry)

    def _close_job(self, job_id: int, summary: dict) -> None:
        with self.kb.session() as session:
            job = session.get(CrawlJob, job_id)
            job.status, job.stats, job.finished_at = "done", summary, utcnow()
