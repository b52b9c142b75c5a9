"""The crawl frontier, persisted in the knowledge base.

Every URL a crawl meets is a ``CrawlUrl`` row: pending, in flight, done or
skipped with a reason. Each outcome is committed as it happens, together with
the links it adds, so a crawl killed at any moment resumes where it stopped:
only the URLs that were in flight are fetched again, and none is lost.
"""

from __future__ import annotations

import functools
import itertools
import socket
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select, text, update

from crawler.database import connection, encoder, in_transaction
from crawler.politeness import host_key
from kb.models import CrawlJob, CrawlUrl, utcnow
from kb.storage import KnowledgeBase


JOB_START_LOCK = 0x6B62_6A6F_6273  # "kbjobs": the advisory lock key of starting a crawl job


def find_or_start_job(kb: KnowledgeBase, seeds: list[str], options: dict, source_id: int | None,
                      start: bool = True) -> tuple[int | None, bool]:
    """The unfinished job with the same seeds (resumed), or a new one (``start``; else None).

    Workers starting at once take turns, so that they join one job instead of starting one each: on
    PostgreSQL (other machines) an advisory lock until the commit, on SQLite the write lock taken first.
    """
    with kb.session() as session:
        if kb.engine.dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": JOB_START_LOCK})
        else:
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        running = session.scalars(
            select(CrawlJob).where(CrawlJob.status == "running", CrawlJob.source_id.is_not_distinct_from(source_id))
            .order_by(CrawlJob.id.desc())
        ).all()
        for job in running:
            if sorted(job.seeds) == sorted(seeds):
                return job.id, True
        if not start:
            return None, False
        job = CrawlJob(seeds=seeds, options=options, source_id=source_id, status="running")
        session.add(job)
        session.flush()
        return job.id, False


URLS = CrawlUrl.__table__
_WHEN = encoder(URLS.c.updated_at)
_ADD = ("INSERT INTO crawl_url (job_id, url, depth, referrer, status, reason, detail, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
# A URL first met beyond max_depth and then within it (by another host's page, or a sitemap, crawled
# out of breadth-first order): it is to be fetched after all.
_ADD_PENDING = _ADD.replace("DO NOTHING", "(job_id, url) DO UPDATE SET status = 'pending', reason = NULL, "
                            "detail = excluded.detail, depth = excluded.depth, referrer = excluded.referrer, "
                            "updated_at = excluded.updated_at WHERE crawl_url.reason = 'too_deep'")
# On PostgreSQL a turn's new URLs are inserted only when not known yet (see Frontier.add_all), and the too_deep
# rows met again within max_depth are made pending one by one, only they being locked.
_KNOWN = "SELECT url, reason FROM crawl_url WHERE job_id = ? AND url = ANY(?)"
_NEW_IDS = "SELECT nextval(pg_get_serial_sequence('crawl_url', 'id')) FROM generate_series(1, ?)"
_ADD_WITH_ID = _ADD.replace("(job_id,", "(id, job_id,", 1).replace("VALUES (?,", "VALUES (?, ?,", 1)
_PROMOTE = ("UPDATE crawl_url SET status = 'pending', reason = NULL, detail = ?, depth = ?, referrer = ?, "
            "updated_at = ? WHERE job_id = ? AND url = ? AND reason = 'too_deep'")
_FINISH = ("UPDATE crawl_url SET status = ?, reason = ?, detail = ?, http_status = ?, document_id = ?, updated_at = ? "
           "WHERE id = ?")
_RELEASE = "UPDATE crawl_url SET status = 'pending', claimed_by = NULL, claimed_at = NULL, updated_at = ? WHERE id = ?"
_RENEW = "UPDATE crawl_url SET claimed_at = ? WHERE job_id = ? AND status = 'in_flight' AND claimed_by = ?"
_REQUEUE_EXPIRED = ("UPDATE crawl_url SET status = 'pending', claimed_by = NULL, claimed_at = NULL, updated_at = ? "
                    "WHERE job_id = ? AND status = 'in_flight' AND (claimed_at IS NULL OR claimed_at < ?) "
                    "AND (claimed_by IS NULL OR claimed_by <> ?)")
_STORED = "SELECT count(*) FROM crawl_url WHERE job_id = ? AND status = 'done' AND reason IS NULL"
# Rows added to any job since a given id (the claim index does not serve this; the primary key does).
_ADDED_SINCE = "SELECT id, url FROM crawl_url WHERE id > ? AND job_id = ? AND status = 'pending'"


@dataclass(frozen=True)
class Claim:
    """A URL claimed from the frontier (in flight): what a visit needs to know of its row."""

    id: int
    url: str
    depth: int
    referrer: str | None
    detail: str | None


@functools.lru_cache(maxsize=64)
def _claim_statement(excluded: int, skip_locked: bool = False) -> str:
    """Pick the next pending URL of a job on none of ``excluded`` hosts, and mark it in flight.

    One statement per number of hosts left out (their URL prefixes are parameters); the
    ``ix_crawl_url_claim`` index (job, status, depth, id) answers it without a sort. On PostgreSQL
    (``skip_locked``) two claims at once would otherwise pick the same row, the second waiting for the
    first and then marking it again: a row another transaction is claiming is passed over instead.
    SQLite runs one writer at a time, so there the question does not arise.
    """
    hosts = " AND url NOT LIKE ? ESCAPE '\\' AND url NOT LIKE ? ESCAPE '\\'" * excluded
    lock = " FOR UPDATE SKIP LOCKED" if skip_locked else ""
    return ("UPDATE crawl_url SET status = 'in_flight', updated_at = ?, claimed_by = ?, claimed_at = ? "
            "WHERE id = (SELECT id FROM crawl_url "
            f"WHERE job_id = ? AND status = 'pending'{hosts} ORDER BY depth, id LIMIT 1{lock}) "
            "RETURNING id, url, depth, referrer, detail")


class NewUrls:
    """The URLs the outcomes of one transaction add to the frontier, kept to be written together at its
    end (``Frontier.add_all``): (url, depth, referrer, detail, status, reason) by URL.

    The first row given for a URL stands, as the first insert would, except that a pending row takes
    the place of a ``too_deep`` one (met again within ``max_depth``), as the upsert does.
    """

    def __init__(self):
        self.rows: dict[str, tuple] = {}

    def add(self, urls: list[tuple], status: str = "pending", reason: str | None = None) -> None:
        """(url, depth, referrer[, detail]) rows, to be added with ``status`` and ``reason``."""
        for row in urls:
            known = self.rows.get(row[0])
            if known is None or (status == "pending" and known[5] == "too_deep"):
                self.rows[row[0]] = (row[0], row[1], row[2], row[3] if len(row) > 3 else None, status, reason)


class Frontier:
    """The URLs of one crawl job and their outcomes."""

    def __init__(self, kb: KnowledgeBase, job_id: int, worker_id: str = ""):
        self.kb = kb
        self.job_id = job_id
        self.worker_id = worker_id or socket.gethostname()  # the claimer named in the URLs it claims
        self.last_seen_id = 0  # the newest row of the job whose host ``hosts`` holds
        self.hosts = self.hosts_to_visit()  # politeness keys with URLs to claim, or that had some

    def hosts_to_visit(self) -> set[str]:
        """The hosts of the job's URLs pending or in flight."""
        with self.kb.session() as session:
            self.last_seen_id = session.scalar(select(func.max(CrawlUrl.id))) or 0
            urls = session.scalars(select(CrawlUrl.url).where(CrawlUrl.job_id == self.job_id, CrawlUrl.status.in_(
                ("pending", "in_flight"))).execution_options(yield_per=1000))
            return {host_key(url) for url in urls}

    def add(self, urls: list[tuple], status: str = "pending", reason: str | None = None, db=None) -> int:
        """Add (url, depth, referrer[, detail]) rows not seen before in this job; returns how many were new.

        In ``db``'s transaction when given. A transaction adding the links of several pages gathers them
        in one ``NewUrls`` and writes them once (``add_all``).
        """
        new = NewUrls()
        new.add(urls, status, reason)
        with in_transaction(self.kb, db) as active:
            return self.add_all(new, active)

    def add_all(self, new: NewUrls, db) -> int:
        """Write the URLs gathered in ``new`` in ``db``'s transaction; returns how many were new (or made
        pending). Their ids follow the order they were met in: claims take a depth's URLs in id order.

        Workers sharing the job each record several pages in one transaction, and an insert meeting a
        row another transaction inserted or changed waits for that one to end. On PostgreSQL two workers
        adding the same links in different orders, or each linking to a page the other just recorded,
        would wait for each other: a deadlock. So there only the URLs not known yet are inserted (a read
        waits for nobody), in one order for every worker, the unique key's (job, url), and of the known
        ones only the ``too_deep`` rows to make pending are locked, in that order too.
        """
        rows = list(new.rows.values())
        if not rows:
            return 0
        self.hosts.update(host_key(row[0]) for row in rows if row[4] == "pending")
        now = _WHEN(utcnow())
        if self.kb.engine.dialect.name == "postgresql":
            return self._add_unknown(rows, now, db)
        added = 0
        for pending, run in itertools.groupby(rows, key=lambda row: row[4] == "pending"):  # one writer: no order
            values = [(self.job_id, *row[:3], row[4], row[5], row[3], now) for row in run]
            added += max(db.executemany(_ADD_PENDING if pending else _ADD, values).rowcount, 0)
        return added

    def _add_unknown(self, rows: list[tuple], now, db) -> int:
        """PostgreSQL's half of ``add_all``: insert the rows not in the job yet, sorted by URL, under ids
        drawn first in the order they were met; then make pending the ``too_deep`` ones met again within
        ``max_depth``, sorted too."""
        known = dict(db.execute(_KNOWN, (self.job_id, [row[0] for row in rows])).fetchall())
        fresh = [row for row in rows if row[0] not in known]
        added = 0
        if fresh:
            ids = sorted(url_id for (url_id,) in db.execute(_NEW_IDS, (len(fresh),)).fetchall())
            values = sorted(((url_id, self.job_id, *row[:3], row[4], row[5], row[3], now)
                             for url_id, row in zip(ids, fresh)), key=lambda value: value[2])
            added = max(db.executemany(_ADD_WITH_ID, values).rowcount, 0)
        deeper = [(row[3], row[1], row[2], now, self.job_id, row[0]) for row in rows
                  if row[4] == "pending" and known.get(row[0]) == "too_deep"]
        if deeper:
            added += max(db.executemany(_PROMOTE, sorted(deeper, key=lambda value: value[5])).rowcount, 0)
        return added

    def requeue_in_flight(self, lease: float) -> int:
        """After a kill: URLs that were being fetched go back to pending, but only this worker's (from
        before it was killed) and those claimed more than ``lease`` seconds ago. Other workers on a
        shared database keep fetching theirs; a dead one's come back when their lease runs out."""
        expired = utcnow() - timedelta(seconds=lease)
        with self.kb.session() as session:
            result = session.execute(update(CrawlUrl).where(
                CrawlUrl.job_id == self.job_id, CrawlUrl.status == "in_flight",
                or_(CrawlUrl.claimed_by == self.worker_id, CrawlUrl.claimed_by.is_(None),
                    CrawlUrl.claimed_at.is_(None), CrawlUrl.claimed_at < expired),
            ).values(status="pending", claimed_by=None, claimed_at=None))
            return result.rowcount or 0

    def renew_claims(self, db=None) -> int:
        """This worker's URLs in flight are still its own: their lease starts again now."""
        with in_transaction(self.kb, db) as active:
            return max(active.execute(_RENEW, (_WHEN(utcnow()), self.job_id, self.worker_id)).rowcount, 0)

    def requeue_expired(self, lease: float, db=None) -> int:
        """Other workers' URLs in flight whose lease ran out (not renewed for ``lease`` seconds: the worker
        died) go back to pending, for the live workers to claim; returns how many."""
        now = utcnow()
        parameters = (_WHEN(now), self.job_id, _WHEN(now - timedelta(seconds=lease)), self.worker_id)
        with in_transaction(self.kb, db) as active:
            return max(active.execute(_REQUEUE_EXPIRED, parameters).rowcount, 0)

    def notice_new_hosts(self, db=None) -> bool:
        """Learn the hosts of URLs other workers added to this job since the last look; True when
        there were pending URLs added (a claim may find something now)."""
        with in_transaction(self.kb, db) as active:
            rows = active.execute(_ADDED_SINCE, (self.last_seen_id, self.job_id)).fetchall()
        for url_id, url in rows:
            self.hosts.add(host_key(url))
            self.last_seen_id = max(self.last_seen_id, url_id)
        return bool(rows)

    def claim_next(self, exclude_hosts=frozenset(), db=None) -> Claim | None:
        """The next pending URL (shallowest first) whose host is not excluded, marked in flight.

        ``exclude_hosts`` holds politeness keys (``host[:port]``) that are busy or resting; when they
        cover every host this job has URLs on, the answer is known without a scan of the frontier.
        """
        if self.hosts <= exclude_hosts:
            return None
        now = _WHEN(utcnow())
        parameters = [now, self.worker_id, now, self.job_id]
        for key in sorted(exclude_hosts):
            escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            parameters += [f"http://{escaped}/%", f"https://{escaped}/%"]
        with in_transaction(self.kb, db) as active:  # one statement: pick and mark
            statement = _claim_statement(len(exclude_hosts), self.kb.engine.dialect.name == "postgresql")
            rows = active.execute(statement, parameters).fetchall()
        return Claim(*rows[0]) if rows else None

    def release(self, url_id: int, db=None) -> None:
        """A claimed URL goes back to pending (its host turned out to be busy)."""
        with in_transaction(self.kb, db) as active:
            active.execute(_RELEASE, (_WHEN(utcnow()), url_id))

    def finish(self, url_id: int, status: str, reason: str | None = None, detail: str | None = None,
               http_status: int | None = None, document_id: int | None = None, db=None) -> None:
        """Record a URL's outcome (in ``db``'s transaction when given, to commit it with the page)."""
        with in_transaction(self.kb, db) as active:
            active.execute(_FINISH, (status, reason, (detail or "")[:1000] or None, http_status, document_id,
                                     _WHEN(utcnow()), url_id))

    def redirects_into(self, claim: Claim, limit: int, db=None) -> int:
        """How many redirects to other hosts led, one after another, to the claimed URL (up to ``limit``):
        each was recorded as ``redirected`` by the row its referrer names."""
        hops, url, referrer = 0, claim.url, claim.referrer
        with in_transaction(self.kb, db) as active:
            while referrer is not None and hops < limit:
                row = active.execute("SELECT referrer FROM crawl_url WHERE job_id = ? AND url = ? AND "
                                     "reason = 'redirected' AND detail = ?",
                                     (self.job_id, referrer, f"to {url}"[:1000])).fetchone()
                if row is None:
                    break
                hops, url, referrer = hops + 1, referrer, row[0]
        return hops

    def skip_pending(self, reason: str) -> int:
        with self.kb.session() as session:
            result = session.execute(update(CrawlUrl).where(CrawlUrl.job_id == self.job_id,
                                     CrawlUrl.status == "pending").values(status="skipped", reason=reason))
            return result.rowcount or 0

    def stored(self) -> int:
        """Pages the job stored, by every worker (the claim index answers it)."""
        with connection(self.kb) as db:
            return db.execute(_STORED, (self.job_id,)).fetchone()[0]

    def has_pending(self) -> bool:
        with self.kb.session() as session:
            return session.scalar(select(func.count()).where(CrawlUrl.job_id == self.job_id,
                                  CrawlUrl.status.in_(("pending", "in_flight")))) > 0

    def summary(self) -> dict:
        """{"fetched": N, "stored": N, "skipped": {reason: N}, "sitemaps": N} over the whole job.

        Sitemaps read are counted apart: they are not pages, so neither stored nor skipped.
        """
        with self.kb.session() as session:
            rows = session.execute(select(CrawlUrl.status, CrawlUrl.reason, CrawlUrl.http_status, func.count())
                                   .where(CrawlUrl.job_id == self.job_id)
                                   .group_by(CrawlUrl.status, CrawlUrl.reason, CrawlUrl.http_status)).all()
        fetched = sum(n for _s, _r, code, n in rows if code is not None)
        stored = sum(n for status, reason, _c, n in rows if status == "done" and reason is None)
        skipped: dict[str, int] = {}
        sitemaps = 0
        for status, reason, _code, n in rows:
            if reason and reason.startswith("sitemap"):
                sitemaps += n if reason == "sitemap" else 0  # a missing sitemap is no page skipped
            elif status in ("skipped", "done") and reason:
                skipped[reason] = skipped.get(reason, 0) + n
        return {"fetched": fetched, "stored": stored, "skipped": dict(sorted(skipped.items())), "sitemaps": sitemaps}

