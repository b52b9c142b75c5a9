"""`kb worker`: crawl the sources that are queued or due, one after another.

The web UI cannot import the crawler; it queues sources through kb
(``Source.status = "queued"``) and this worker picks them up, marks them
``crawling``, crawls them within their scope and records the outcome (done with
the pages stored, or failed with the reason), each step an audit event.
"""

from __future__ import annotations

import threading
import time

import click

from kb.cli import _open, _update_index, cli


def _crawl_one(kb, source_id: int, base_cfg) -> tuple[list[int], str | None]:
    """Crawl one source; (document ids stored, error or None)."""
    import dataclasses

    from crawler.addresses import check_url_allowed
    from crawler.crawl import Crawler
    from crawler.errors import CrawlError, SkipError
    from crawler.urls import Scope
    from kb import audit
    from kb.models import Source
    from kb.sources.registry import mark_crawling

    with kb.session() as session:
        source = session.get(Source, source_id)
        before = audit.snapshot(source)
        mark_crawling(source)
        session.flush()
        audit.record(session, "worker", "crawl_start", "source", source.id, before, audit.snapshot(source))
        seeds, scope = list(source.seeds), Scope.of_seeds(source.seeds, source.include, source.exclude, source.hosts)
        cfg = dataclasses.replace(base_cfg, max_pages=source.max_pages or base_cfg.max_pages,
                                  max_depth=source.max_depth if source.max_depth is not None else base_cfg.max_depth)
    for seed in seeds:
        try:
            check_url_allowed(seed, cfg.allow_private_hosts)
        except SkipError as exc:
            return [], f"refused {seed}: {exc.detail or exc.reason}"
    try:
        result = Crawler(kb, cfg).run(seeds, scope=scope, source_id=source_id)
    except CrawlError as exc:
        return [], f"crawl failed: {exc}"
    except Exception as exc:  # a crawler bug must not leave the source "crawling" for ever
        return [], f"crawl failed: unexpected {type(exc).__name__}: {exc}"
    summary = result.summary
    if not summary.get("stored") and not result.document_ids and summary.get("skipped"):
        reasons = ", ".join(f"{reason} ({count})" for reason, count in summary["skipped"].items())
        return [], f"no page stored: {reasons}"
    return result.document_ids, None


def _finish(kb, source_id: int, error: str | None) -> None:
    from kb import audit
    from kb.models import Source
    from kb.sources.registry import record_crawl

    with kb.session() as session:
        source = session.get(Source, source_id)
        before = audit.snapshot(source)
        record_crawl(session, source, error)
        session.flush()
        audit.record(session, "worker", "crawl_failed" if error else "crawl_done", "source", source.id, before,
                     audit.snapshot(source))


def run_due_sources(kb, cfg, limit: int | None = None, echo=click.echo) -> int:
    """Crawl every queued or due source (at most ``limit``); returns how many were crawled."""
    from kb.sources.registry import due_sources

    with kb.session() as session:
        due = [s.id for s in due_sources(session) if s.status != "crawling"]
    for source_id in due[:limit]:
        echo(f"crawling source {source_id}")
        document_ids, error = _crawl_one(kb, source_id, cfg)
        _finish(kb, source_id, error)
        if document_ids:
            _update_index(kb, document_ids)
        echo(f"source {source_id}: {error or f'{len(document_ids)} pages stored'}")
    return len(due[:limit])


def index_changed_cases(kb, since):
    """Re-index the case documents changed (in the web UI) since ``since``; returns the new mark."""
    from sqlalchemy import func, select

    from kb.models import Document

    with kb.session() as session:
        query = select(Document.id).where(Document.origin == "case")
        if since is not None:
            query = query.where(Document.updated_at > since)
        ids = list(session.scalars(query))
        mark = session.scalar(select(func.max(Document.updated_at)).where(Document.origin == "case"))
    if ids:
        _update_index(kb, ids)
    return mark or since


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


def worker_loop(kb, cfg, interval: float, limit: int | None = None, once: bool = False, echo=click.echo) -> None:
    if requeue_interrupted(kb):
        echo("requeued sources whose crawl was interrupted")
    cases_mark = None
    while True:
        crawled = run_due_sources(kb, cfg, limit, echo=echo)
        cases_mark = index_changed_cases(kb, cases_mark)
        if purged := purge_registrations(kb):
            echo(f"deleted {purged} registrations of events past the retention period")
        if once:
            echo(f"crawled {crawled} sources")
            return
        time.sleep(interval)


def start_worker_thread(kb, interval: float = 30.0) -> threading.Thread:
    """`kb serve --with-worker`: the worker loop in a daemon thread beside the web server."""
    from kb.cli.crawling import crawl_settings

    cfg = crawl_settings(kb.settings, None, None, None, False)

    def run():
        try:
            worker_loop(kb, cfg, interval, echo=lambda message: click.echo(f"worker: {message}", err=True))
        except Exception as exc:  # keep serving; say why the worker stopped
            click.echo(f"worker stopped: {type(exc).__name__}: {exc}", err=True)

    thread = threading.Thread(target=run, name="kb-worker", daemon=True)
    thread.start()
    return thread


@cli.command()
@click.option("--once", is_flag=True, help="Crawl what is due now, then exit.")
@click.option("--interval", type=click.FloatRange(1), default=30.0, show_default=True,
              help="Seconds between two looks at the queue.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Most sources crawled per round.")
@click.option("--allow-private-hosts", is_flag=True, help="Allow loopback and private addresses (tests, demo).")
@click.pass_context
def worker(ctx, once: bool, interval: float, limit: int | None, allow_private_hosts: bool):
    """Crawl sources queued from the web UI or API, and recrawl due ones.

    Also indexes case records changed in the web UI and deletes participant
    data of events past the retention period. Runs until interrupted
    (Ctrl+C), or one round with --once.
    """
    from kb.cli.crawling import crawl_settings

    kb = _open(ctx)
    cfg = crawl_settings(kb.settings, None, None, None, allow_private_hosts)
    worker_loop(kb, cfg, interval, limit, once)
