"""`kb worker`: sources queued from the web UI are crawled and their status recorded."""

from __future__ import annotations

from crawler.settings import CrawlSettings
from kb.cli.worker import run_due_sources
from kb.models import AuditEvent, Source
from kb.source_queue import register_source, source_json


def test_a_queued_source_is_crawled_and_marked_done_with_its_pages(kb, demo_site):
    with kb.session() as session:
        source_id = register_source(session, demo_site[0], "Demo", "ana", allow_private=True).id
    cfg = CrawlSettings(delay=0.0, max_pages=5, max_depth=2, allow_private_hosts=True)
    assert run_due_sources(kb, cfg, echo=lambda _m: None) == 1
    with kb.session() as session:
        source = session.get(Source, source_id)
        assert source_json(source)["status"] == "done" and source.pages_stored >= 1
        actions = [e.action for e in session.query(AuditEvent).filter_by(entity="source").order_by(AuditEvent.id)]
        assert actions == ["create", "crawl_start", "crawl_done"]
    assert run_due_sources(kb, cfg, echo=lambda _m: None) == 0  # not due again before its recrawl time


def test_a_source_the_crawler_refuses_is_marked_failed_with_the_reason(kb, demo_site):
    with kb.session() as session:
        source_id = register_source(session, demo_site[0], "Demo", "ana", allow_private=True).id
    run_due_sources(kb, CrawlSettings(delay=0.0, max_pages=5, allow_private_hosts=False), echo=lambda _m: None)
    with kb.session() as session:
        source = session.get(Source, source_id)
        assert source_json(source)["status"] == "failed"
        assert "refused" in source.last_error or "non-public" in source.last_error
