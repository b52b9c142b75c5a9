"""The crawl report: the latest outcome of every URL the crawler met, with its reason.

One row per URL, from the most recent crawl job that saw it (optionally only
the jobs of one source): stored, or the reason it was not (``robots``,
``http_404``, ``near_duplicate``..., registered in crawler.reasons), with the
detail and HTTP status kept.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from crawler.reasons import check_reason
from kb.models import CrawlJob, CrawlUrl
from kb.storage import KnowledgeBase


def outcome_of(status: str, reason: str | None) -> str:
    if status == "done" and reason is None:
        return "stored"
    return reason or status


def latest_outcomes(kb: KnowledgeBase, source_id: int | None = None, reason: str | None = None) -> list[dict]:
    """The newest outcome per URL, sorted by URL; ``reason`` keeps one outcome (``stored`` too), and is
    UnknownReason when no URL could ever have it (crawler.reasons)."""
    if reason is not None:
        check_reason(reason)
    latest = select(func.max(CrawlUrl.id)).join(CrawlJob, CrawlJob.id == CrawlUrl.job_id).group_by(CrawlUrl.url)
    if source_id is not None:
        latest = latest.where(CrawlJob.source_id == source_id)
    with kb.session() as session:
        rows = session.scalars(select(CrawlUrl).where(CrawlUrl.id.in_(latest)).order_by(CrawlUrl.url)).all()
        report = [{"url": row.url, "outcome": outcome_of(row.status, row.reason), "detail": row.detail,
                   "http_status": row.http_status, "job": row.job_id, "document": row.document_id,
                   "referrer": row.referrer, "at": row.updated_at.isoformat(timespec="seconds") + "Z"}
                  for row in rows]
    return [item for item in report if reason is None or item["outcome"] == reason]


def count_outcomes(report: list[dict]) -> dict[str, int]:
    return dict(Counter(item["outcome"] for item in report).most_common())
