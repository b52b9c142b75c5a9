"""The crawl frontier, persisted in the knowledge base.

Every URL a crawl meets is a ``CrawlUrl`` row: pending, in flight, done or
skipped with a reason. Each outcome is committed as it happens, together with
the links it adds, so a crawl killed at any moment resumes where it stopped:
only the URLs that were in flight are fetched again, and none is lost.
"""

from __future__ import annotations

import contextlib
import functools

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.sqlite import insert

from crawler.politeness import host_key
from kb.models import CrawlJob, CrawlUrl, utcnow
from kb.storage import KnowledgeBase


def find_or_start_job(kb: KnowledgeBase, seeds: list[str], options: dict, source_id: int | None) -> tuple[int, bool]:
    """The unfinished job with the same seeds (resumed), or a new one."""
    with kb.session() as session:
        running = session.scalars(
            select(CrawlJob).where(CrawlJob.status == "running", CrawlJob.source_id.is_(source_id))
            .order_by(CrawlJob.id.desc())
        ).all()
        for job in running:
            if sorted(job.seeds) == sorted(seeds):
                return job.id, True
        job = CrawlJob(seeds=seeds, options=options, source_id=source_id, status="running")
        session.add(job)
        session.flush()
        return job.id, False


@functools.lru_cache(maxsize=64)
def _claim_statement(excluded: int):
    """Pick the next pending URL of a job on none of ``excluded`` hosts, and mark it in flight.

    Built once per number of hosts left out (their URL prefixes are bound parameters): asked
    for every page, building it cost more than SQLite answering it.
    """
    table = CrawlUrl.__table__
    pick = (select(table.c.id).where(table.c.job_id == bindparam("claim_job"), table.c.status == "pending")
            .order_by(table.c.depth, table.c.id).limit(1))
    for n in range(excluded):
        pick = pick.where(~table.c.url.like(bindparam(f"http{n}"), escape="\\"),
                          ~table.c.url.like(bindparam(f"https{n}"), escape="\\"))
    return (update(table).where(table.c.id == pick.scalar_subquery()).values(status="in_flight")
            .returning(table.c.id, table.c.url, table.c.depth, table.c.referrer, table.c.detail))


class Frontier:
    """The URLs of one crawl job and their outcomes."""

    def __init__(self, kb: KnowledgeBase, job_id: int):
        self.kb = kb
        self.job_id = job_id
        self.hosts = self._hosts_to_visit()  # politeness keys with URLs to claim, or that had some

    def _hosts_to_visit(self) -> set[str]:
        with self.kb.session() as session:
            urls = session.scalars(select(CrawlUrl.url).where(CrawlUrl.job_id == self.job_id, CrawlUrl.status.in_(
                ("pending", "in_flight"))).execution_options(yield_per=1000))
            return {host_key(url) for url in urls}

    def add(self, urls: list[tuple], status: str = "pending", reason: str | None = None, session=None) -> int:
        """Add (url, depth, referrer[, detail]) rows not seen before in this job; returns how many were new.

        Inside ``session`` when given, to commit them with the outcome of the page they come from.
        """
        if not urls:
            return 0
        now = utcnow()
        rows = [{"job_id": self.job_id, "url": row[0], "depth": row[1], "referrer": row[2], "status": status,
                 "reason": reason, "detail": row[3] if len(row) > 3 else None, "updated_at": now} for row in urls]
        if status == "pending":
            self.hosts.update(host_key(row[0]) for row in urls)
        with self._session(session) as active:  # one cached statement, executemany: no compiling per batch
            result = active.connection().execute(insert(CrawlUrl.__table__).on_conflict_do_nothing(), rows)
            return max(result.rowcount or 0, 0)

    @contextlib.contextmanager
    def _session(self, session):
        """``session`` when the caller has one (to commit with its other writes), else one of our own."""
        if session is not None:
            yield session
            return
        with self.kb.session() as own:
            yield own

    def requeue_in_flight(self) -> int:
        """After a kill: URLs that were being fetched go back to pending."""
        with self.kb.session() as session:
            result = session.execute(update(CrawlUrl).where(CrawlUrl.job_id == self.job_id,
                                     CrawlUrl.status == "in_flight").values(status="pending"))
            return result.rowcount or 0

    def claim_next(self, exclude_hosts=frozenset(), session=None) -> CrawlUrl | None:
        """The next pending URL (shallowest first) whose host is not excluded, marked in flight.

        ``exclude_hosts`` holds politeness keys (``host[:port]``) that are busy or resting; when they
        cover every host this job has URLs on, the answer is known without a scan of the frontier.
        """
        if self.hosts <= exclude_hosts:
            return None
        parameters = {"claim_job": self.job_id}
        for n, key in enumerate(sorted(exclude_hosts)):
            escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            parameters[f"http{n}"], parameters[f"https{n}"] = f"http://{escaped}/%", f"https://{escaped}/%"
        with self._session(session) as active:  # one statement: pick and mark
            row = active.connection().execute(_claim_statement(len(exclude_hosts)), parameters).first()
        if row is None:
            return None
        return CrawlUrl(id=row.id, job_id=self.job_id, url=row.url, depth=row.depth, referrer=row.referrer,
                        detail=row.detail, status="in_flight")

    def release(self, url_id: int, session=None) -> None:
        """A claimed URL goes back to pending (its host turned out to be busy)."""
        table = CrawlUrl.__table__
        with self._session(session) as active:
            active.connection().execute(update(table).where(table.c.id == url_id).values(status="pending"))

    def finish(self, url_id: int, status: str, reason: str | None = None, detail: str | None = None,
               http_status: int | None = None, document_id: int | None = None, session=None) -> None:
        """Record a URL's outcome (inside ``session`` when given, to commit it with the page)."""
        table = CrawlUrl.__table__  # Core, not the ORM's bulk update: no rows of this table live in sessions
        with self._session(session) as active:
            active.connection().execute(update(table).where(table.c.id == url_id).values(
                status=status, reason=reason, detail=(detail or "")[:1000] or None, http_status=http_status,
                document_id=document_id, updated_at=utcnow()))

    def skip_pending(self, reason: str) -> int:
        with self.kb.session() as session:
            result = session.execute(update(CrawlUrl).where(CrawlUrl.job_id == self.job_id,
                                     CrawlUrl.status == "pending").values(status="skipped", reason=reason))
            return result.rowcount or 0

    def document_ids(self) -> list[int]:
        """Every document this job stored or touched, in the order of its URLs."""
        with self.kb.session() as session:
            return list(session.scalars(select(CrawlUrl.document_id).where(
                CrawlUrl.job_id == self.job_id, CrawlUrl.document_id.is_not(None)).order_by(CrawlUrl.id)))

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

