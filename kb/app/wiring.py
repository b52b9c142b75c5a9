"""The wiring: every use of the crawler, the index and the web UI by a command goes through these
functions, each importing what it needs inside itself, so that importing a command never loads them."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import click

from kb.app.group import Failure, UserError


def crawl_settings(settings, max_pages=None, max_depth=None, delay=None, allow_private=False, concurrency=None):
    """The crawler's settings from kb settings and the flags given (None: the setting)."""
    from crawler.settings import CrawlSettings

    return CrawlSettings(
        user_agent=settings.user_agent, delay=settings.crawl_delay if delay is None else delay,
        max_pages=max_pages or settings.max_pages, max_depth=settings.max_depth if max_depth is None else max_depth,
        max_bytes=settings.max_bytes, read_timeout=settings.timeout,
        allow_private_hosts=allow_private or settings.allow_private_hosts, languages=settings.languages,
        sitemap_trust_days=settings.sitemap_trust_days, worker_id=settings.worker_id,
        claim_lease=settings.claim_lease, **({"concurrency": concurrency} if concurrency else {}))


def crawl_defaults():
    """The crawler's settings when nothing is said: the kb settings' defaults and the crawler's own."""
    from crawler.settings import CrawlSettings

    return CrawlSettings()


def check_seeds(urls, allow_private: bool) -> None:
    """Refuse, before any request, a seed the crawler would refuse (bad scheme, private address)."""
    from crawler.addresses import check_url_allowed
    from crawler.errors import SkipError

    for url in urls:
        try:
            check_url_allowed(url, allow_private)
        except SkipError as exc:
            raise UserError(f"{url}: {exc.detail or exc.reason}") from None


def crawl(kb, seeds, cfg, progress=None, source_id=None):
    """Crawl ``seeds`` and what they link to in scope; returns the crawler's result."""
    from crawler.crawl import Crawler
    from crawler.errors import CrawlError

    from kb.models import utcnow

    started = utcnow()
    try:
        result = Crawler(kb, cfg, progress=progress).run(seeds, source_id=source_id)
    except CrawlError as exc:
        raise Failure(f"crawl failed: {exc}") from None
    result.summary["cases"] = propose_cases(kb, started)
    return result


def crawl_sources(kb, source_ids, cfg, progress=None, actor: str = "crawler", join: bool = False):
    """Crawl registered sources side by side; one outcome each, a failed crawl recorded, not raised.
    ``join``: take part in the crawls other workers run on them (none for a crawl already over)."""
    from crawler.schedule import crawl_sources as run
    from kb.models import utcnow

    started = utcnow()
    outcomes = run(kb, source_ids, cfg, progress, actor=actor, join=join)
    propose_cases(kb, started)
    return outcomes


def propose_cases(kb, since=None) -> dict:
    """Crawled pages describing a case (stored or changed ``since``) become proposed case records,
    for a researcher or curator to review (kb.crawled_cases); counts of what was done."""
    from kb.crawled_cases import propose_crawled_cases

    with kb.session() as session:
        report = propose_crawled_cases(session, since)
    return {"proposed": len(report.proposed), "updated": len(report.updated)}


def crawl_outcomes(kb, source_id=None, reason=None) -> dict:
    """The latest outcome of every URL crawled, with counts by outcome; ``reason`` must be one the
    crawler registers (crawler.reasons), or the user is told the valid ones."""
    from crawler.reasons import UnknownReason
    from crawler.report import count_outcomes, latest_outcomes

    try:
        report = latest_outcomes(kb, source_id, reason)
    except UnknownReason as exc:
        raise UserError(f"--reason: {exc}") from None
    return {"counts": count_outcomes(report), "urls": report}


def check_source_seeds(cfg, seeds):
    """Fetch robots.txt and the first page of each (source id, name, url); (checks, all offline)."""
    from crawler.check import all_offline, check_seeds as run

    checks = run(cfg, seeds)
    return checks, all_offline(checks)


@contextmanager
def index_errors(prefix: str = ""):
    """A missing index is the user's to fix (exit 2); any other index failure exits 1."""
    from index.errors import IndexMissing, SearchError

    try:
        yield
    except IndexMissing as exc:
        raise UserError(f"{prefix}{exc}") from None
    except SearchError as exc:
        raise Failure(f"{prefix}{exc}") from None


def sync_index(kb):
    """Bring the index up to date with the kb: what changed since it last looked, and what is no
    longer there. Returns the changes (``changed`` and ``removed`` ids)."""
    from index.build import sync_index as run

    with index_errors("stored, but the index was not updated: "):
        return run(kb, kb.settings.index_dir)


def build_index(kb, progress=None) -> int:
    """Build the whole index into a new folder and swap it in; returns the documents indexed."""
    from index.build import build_index as run

    with index_errors():
        return run(kb, kb.settings.index_dir, progress=progress)


def check_index(kb) -> dict:
    """Documents in the kb and not in the index, and vice versa, with both counts."""
    from index.build import check_index as run

    with index_errors():
        return run(kb, kb.settings.index_dir)


def rebuild_vectors(kb, progress=None) -> int:
    """Embed every live document again into the serving generation (after a model change)."""
    from index.embedding import embedder_or_reason
    from index.location import current_generation
    from index.vector_sync import rebuild_vectors as run

    embedder, reason = embedder_or_reason(kb.settings.embedding_model)
    if embedder is None:
        raise UserError(f"cannot build passage vectors: {reason}")
    with index_errors():
        generation = current_generation(kb.settings.index_dir)
        if generation is None:
            raise UserError("no index yet: run `kb index` (it builds the vectors too)")
        return run(generation, kb, embedder, progress=progress)


def vector_problems(report: dict) -> list[str]:
    from index.vector_sync import vector_problems as run

    return run(report)


def index_report(kb) -> dict | None:
    """``check_index``'s report, or None when the index must be built (missing, or built by another schema)."""
    from index.location import current_generation, is_outdated

    with index_errors():
        generation = current_generation(kb.settings.index_dir)
    if generation is None or is_outdated(generation):
        return None
    return check_index(kb)


def index_problems(kb) -> list[str]:
    """What `kb check` says of the index: empty when it matches the kb."""
    try:
        report = check_index(kb)
    except click.ClickException as exc:  # the index is missing or unreadable: that is the problem
        return [exc.message]
    return [f"{len(report['missing_from_index'])} documents missing from the index"] * bool(
        report["missing_from_index"]) + [f"{len(report['not_in_kb'])} index entries not in the kb"] * bool(
        report["not_in_kb"]) + vector_problems(report.get("vectors") or {})


def copy_index(kb, target: Path) -> None:
    """A consistent copy of the current index generation (for `kb backup`)."""
    from index.backup import copy_index as run
    from index.errors import SearchError

    try:
        run(kb.settings.index_dir, target)
    except SearchError as exc:
        raise Failure(f"backup failed: {exc}") from None


def facet_names() -> tuple[str, ...]:
    from index.schema import FACETS

    return FACETS


def search(settings, q: str, filters: dict, page: int = 1, per_page: int = 10, sort: str = "relevance") -> dict:
    """Search the index (it alone: works on a read-only or full disk); the JSON of GET /api/search."""
    from index.query import SearchRequest
    from index.query import search as run

    from index.embedding import embedder_or_reason

    with index_errors():
        return run(settings.index_dir, SearchRequest(q=q, filters=filters, page=page, per_page=per_page,
                                                     sort=sort), embedder_or_reason(settings.embedding_model)[0]
                   ).to_json()


def serve_app(kb, host: str, port: int, single: bool = False) -> None:
    """The web UI and API on a production WSGI server, never Flask's debug server: waitress in
    this process, or with several workers gunicorn's processes, each building its own app.
    ``serve_workers`` 0 is one per core (``single``: one, for a worker thread beside it)."""
    from webui import create_app
    from webui.serve import ServeError, ServeOptions, default_workers, serve

    settings = kb.settings
    workers = settings.serve_workers or (1 if single else default_workers())
    if workers > 1:
        kb.engine.dispose()  # no database connection may cross the fork into the workers

        def make_app():
            return create_app(settings)
    else:
        def make_app():
            return create_app(settings, kb)
    click.echo(f"Casebook is serving on http://{host}:{port}/  (Ctrl+C to stop)")
    try:
        serve(make_app, ServeOptions(host, port, workers, settings.serve_threads))
    except ServeError as exc:
        raise Failure(str(exc)) from None
