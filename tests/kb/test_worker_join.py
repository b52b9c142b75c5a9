"""`kb worker` on a shared PostgreSQL takes part in the crawl another worker is running (issue 20)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crawler.frontier import Frontier, find_or_start_job
from crawler.settings import CrawlSettings
from crawler.urls import canonical_url
from kb.app.worker import run_due_sources
from kb.models import AuditEvent, CrawlJob, CrawlUrl, Source
from kb.source_queue import register_source, source_json


@pytest.mark.both_engines
def test_a_worker_joins_a_crawl_another_worker_started_and_takes_over_its_claims_when_it_dies(
        kb, demo_site, db_engine):
    seed = canonical_url(demo_site[0])
    with kb.session() as session:
        source = register_source(session, demo_site[0], "Demo", "ana", allow_private=True)
        source.status = "crawling"  # worker a started it...
        source_id = source.id
    job_id, _ = find_or_start_job(kb, [seed], {}, source_id)
    started = Frontier(kb, job_id, "worker-a")
    started.add([(seed, 0, None)])
    assert started.claim_next().url == seed  # ...claimed its seed, and died
    cfg = CrawlSettings(delay=0.0, max_pages=6, max_depth=2, allow_private_hosts=True, worker_id="worker-b",
                        claim_lease=1.0)

    crawled = run_due_sources(kb, cfg, echo=lambda _m: None)

    with kb.session() as session:
        jobs = session.scalars(select(CrawlJob).where(CrawlJob.source_id == source_id)).all()
        seed_row = session.scalar(select(CrawlUrl).where(CrawlUrl.url == seed))
        source = session.get(Source, source_id)
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.entity == "source")
                                                     .order_by(AuditEvent.id))]
        if db_engine == "sqlite":  # one worker per data folder: a crawl left running is requeued at its start
            assert crawled == 0 and source.status == "crawling" and seed_row.status == "in_flight"
            return
        assert crawled == 1 and [job.id for job in jobs] == [job_id] and jobs[0].status == "done"
        assert (seed_row.status, seed_row.claimed_by) == ("done", "worker-b")  # taken over after a's lease
        assert source_json(source)["status"] == "done" and source.pages_stored >= 1
        assert actions == ["create", "crawl_done"]  # the joiner started nothing
