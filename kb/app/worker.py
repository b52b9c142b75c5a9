"""The worker's background pipeline: crawl the sources that are queued or due, one after another.

The web UI cannot import the crawler; it queues sources through kb
(``Source.status = "queued"``) and this worker picks them up, marks them
``crawling``, crawls them within their scope and records the outcome (done with
the pages stored, or failed with the reason), each step an audit event. Each
round also indexes what changed, refreshes the calls' statuses and purges the
registrations past their retention. `kb worker` runs it; `kb serve --with-worker`
runs it in a thread beside the web server.
"""

from __future__ import annotations

import threading
import time

import click

from kb.app.wiring import build_index, crawl_settings, crawl_sources, index_report, sync_index


def run_due_sources(kb, cfg, limit: int | None = None, echo=click.echo) -> int:
    """Crawl every queued or due source (at most ``limit``), one after another; returns how many.

    On PostgreSQL, where workers on several machines share the frontier, a worker also takes part in
    the crawls other workers are running (sources ``crawling``): they claim URLs of one job.
    """
    from kb.sources.registry import due_sources

    with kb.session() as session:
        sources = due_sources(session)
        due = [(s.id, False) for s in sources if s.status != "crawling"]
        if kb.settings.on_postgresql:
            due += [(s.id, True) for s in sources if s.status == "crawling"]
    crawled = 0
    for source_id, join in due[:limit]:
        echo(f"{'joining the crawl of' if join else 'crawling'} source {source_id}")
        for outcome in crawl_sources(kb, [source_id], cfg, actor="worker", join=join):
            sync_index(kb)  # this source's pages are searchable before the next source is crawled
            stored = outcome.summary.get("stored", 0)
            echo(f"source {source_id}: {outcome.error or f'{stored} pages stored'}")
            crawled += 1
    return crawled


def requeue_interrupted(kb) -> int:
    """Sources left ``crawling`` by a worker that died go back to the queue (the crawl resumes)."""
    from sqlalchemy import select

    from kb.models import Source
    from kb.source_queue import requeue

    with kb.session() as session:
        stuck = list(session.scalars(select(Source).where(Source.status == "crawling", Source.deleted_at.is_(None))))
        for source in stuck:
            requeue(session, source, "worker")
    return len(stuck)


def purge_registrations(kb) -> int:
    """Participant data of events past the retention period is deleted (GDPR storage limitation)."""
    from kb.events import purge_participants

    with kb.session() as db:
        return purge_participants(db, kb.settings.registration_retention_days)


def refresh_calls(kb) -> dict[str, int]:
    """Calls past their deadline are closed (audited) and calls whose opening date came are open;
    their search entries follow. Returns how many changed, by new status."""
    from kb.calls import refresh_statuses

    with kb.session() as db:
        return refresh_statuses(db)


def catch_up_index(kb, echo=click.echo) -> int:
    """Bring the index up to date before the first round (a worker killed after a crawl left its
    pages stamped but not yet indexed); build it when there is none, or it was built by another
    schema. Returns the documents written or dropped."""
    from sqlalchemy import func, select

    from kb.models import Document

    if index_report(kb) is None:
        with kb.session() as session:
            stored = session.scalar(select(func.count()).select_from(Document).where(Document.gone.is_(False)))
        if not stored:
            return 0
        echo("building the index: none was there, or another version of Casebook built it")
        return build_index(kb)
    changes = sync_index(kb)
    if changes:
        echo(f"indexed {len(changes.changed)} documents changed and dropped {len(changes.removed)} "
             "since the index last looked")
    return len(changes.changed) + len(changes.removed)


def worker_loop(kb, cfg, interval: float, limit: int | None = None, once: bool = False, echo=click.echo) -> None:
    if requeue_interrupted(kb):
        echo("requeued sources whose crawl was interrupted")
    catch_up_index(kb, echo)
    while True:
        crawled = run_due_sources(kb, cfg, limit, echo=echo)
        for status, count in sorted(refresh_calls(kb).items()):
            echo(f"{count} calls now {status}")
        sync_index(kb)  # what the web UI wrote (cases, profiles, organisations), or anything else
        if purged := purge_registrations(kb):
            echo(f"deleted {purged} registrations of events past the retention period")
        if once:
            echo(f"crawled {crawled} sources")
            return
        time.sleep(interval)


def start_worker_thread(kb, interval: float = 30.0) -> threading.Thread:
    """`kb serve --with-worker`: the worker loop in a daemon thread beside the web server."""
    cfg = crawl_settings(kb.settings)

    def run():
        try:
            worker_loop(kb, cfg, interval, echo=lambda message: click.echo(f"worker: {message}", err=True))
        except Exception as exc:  # keep serving; say why the worker stopped
            click.echo(f"worker stopped: {type(exc).__name__}: {exc}", err=True)

    thread = threading.Thread(target=run, name="kb-worker", daemon=True)
    thread.start()
    return thread
