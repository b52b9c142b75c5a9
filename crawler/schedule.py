"""Crawling registered sources, each within its own scope and limits, several side by side.

A source's crawl is an ordinary crawl job tied to the source: seeds, hosts and
path prefixes give the scope, ``max_pages``/``max_depth`` the limits. Sources
are crawled in parallel, sharing one ``HostGate`` (so two sources on one host
still take turns) and a semaphore that bounds the requests in flight over all
of them. Afterwards the source records its status, times, error and pages,
and the audit trail says who started the crawl and how it ended.
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select

from crawler.addresses import check_url_allowed
from crawler.crawl import Crawler
from crawler.errors import CrawlError, SkipError
from crawler.host_ledger import host_gate
from crawler.politeness import HostGate
from crawler.settings import CrawlSettings
from crawler.urls import Scope
from kb import audit
from kb.models import CrawlUrl, Source
from kb.sources.registry import mark_crawling, record_crawl
from kb.storage import KnowledgeBase

KEPT_WITHOUT_STORING = {"not_modified", "unchanged_sitemap", "duplicate", "near_duplicate"}


@dataclass
class SourceOutcome:
    """How the crawl of one source went."""

    source_id: int
    name: str
    summary: dict = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> dict:
        return {"source": self.source_id, "name": self.name, "error": self.error, **self.summary}


def _plan(kb: KnowledgeBase, source_id: int, base: CrawlSettings, actor: str,
          join: bool = False) -> tuple[str, list[str], Scope, CrawlSettings]:
    with kb.session() as session:
        source = session.get(Source, source_id)
        if not join:  # a worker joining another's crawl starts nothing
            before = audit.snapshot(source)
            mark_crawling(source)
            session.flush()
            audit.record(session, actor, "crawl_start", "source", source.id, before, audit.snapshot(source))
        scope = Scope.of_seeds(source.seeds, source.include or (), source.exclude or (), source.hosts or ())
        cfg = dataclasses.replace(base, max_pages=source.max_pages or base.max_pages,
                                  max_depth=base.max_depth if source.max_depth is None else source.max_depth)
        return source.name, list(source.seeds), scope, cfg


def failure_of(kb: KnowledgeBase, job_id: int, summary: dict) -> str | None:
    """The error of a crawl that kept nothing at all, naming what became of its seeds (and of the
    addresses on other hosts they redirect to); None otherwise."""
    skipped = summary.get("skipped", {})
    if summary.get("stored") or KEPT_WITHOUT_STORING.intersection(skipped):
        return None
    with kb.session() as session:
        seeds = session.execute(select(CrawlUrl.url, CrawlUrl.reason, CrawlUrl.detail).where(
            CrawlUrl.job_id == job_id, CrawlUrl.depth == 0, CrawlUrl.reason.not_like("sitemap%"))
            .order_by(CrawlUrl.id)).all()
    told = "; ".join(f"{url}: {reason}" + (f" ({detail})" if detail else "") for url, reason, detail in seeds)
    return f"no page stored: {told or 'no seed was visited'}"[:2000]


def crawl_source(kb: KnowledgeBase, source_id: int, base: CrawlSettings, gate: HostGate | None = None,
                 slots: threading.Semaphore | None = None, progress: Callable | None = None,
                 actor: str = "crawler", join: bool = False) -> SourceOutcome | None:
    """Crawl one source and record the outcome on it; never raises for a crawl that fails. With
    ``join``, take part in the crawl another worker is running on it (None when it is over)."""
    name, seeds, scope, cfg = _plan(kb, source_id, base, actor, join)
    outcome = SourceOutcome(source_id, name)
    try:
        for seed in seeds:
            check_url_allowed(seed, cfg.allow_private_hosts)
        result = Crawler(kb, cfg, progress=progress, gate=gate, slots=slots).run(seeds, scope, source_id, join)
        if result is None:
            return None
        outcome.summary = result.summary
        outcome.error = failure_of(kb, result.job_id, result.summary)
    except SkipError as exc:
        outcome.error = f"seed refused: {exc}"
    except CrawlError as exc:
        outcome.error = f"crawl failed: {exc}"
    except Exception as exc:  # noqa: BLE001 - a bug must not leave the source "crawling" for ever
        outcome.error = f"crawl failed: unexpected {type(exc).__name__}: {exc}"
    _finish(kb, source_id, outcome.error, actor)
    return outcome


def _finish(kb: KnowledgeBase, source_id: int, error: str | None, actor: str) -> None:
    with kb.session() as session:
        source = session.get(Source, source_id)
        before = audit.snapshot(source)
        record_crawl(session, source, error)
        session.flush()
        audit.record(session, actor, "crawl_failed" if error else "crawl_done", "source", source.id, before,
                     audit.snapshot(source))


def crawl_sources(kb: KnowledgeBase, source_ids: list[int], base: CrawlSettings,
                  progress: Callable | None = None, actor: str = "crawler", join: bool = False) -> list[SourceOutcome]:
    """Crawl the sources, up to ``base.concurrency`` at once; outcomes in the order given. With ``join``,
    take part in the crawls other workers are running on them (those already over are left out)."""
    gate, slots = host_gate(kb, base), threading.BoundedSemaphore(base.concurrency)
    try:
        with ThreadPoolExecutor(max(1, min(base.concurrency, len(source_ids))), thread_name_prefix="source") as pool:
            futures = [pool.submit(crawl_source, kb, sid, base, gate, slots, progress, actor, join)
                       for sid in source_ids]
            return [outcome for future in futures if (outcome := future.result()) is not None]
    finally:
        gate.close()
