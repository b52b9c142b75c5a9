"""`kb crawl` and `kb crawl-report`: collect pages from seeds or due sources, then index them."""

from __future__ import annotations

import sys

import click

from kb.app.group import UserError, as_background_work, cli, emit, open_data
from kb.app.wiring import (check_seeds, crawl, crawl_defaults, crawl_outcomes, crawl_settings, crawl_sources,
                           sync_index)
from kb.settings import DEFAULTS  # the flags' defaults are the settings' (kb.toml and KB_* may change them)


def claim_options(command):
    """--worker-id and --claim-lease, for the commands that claim from a frontier (`kb crawl`, `kb worker`)."""
    command = click.option(
        "--claim-lease", type=click.FloatRange(0, min_open=True), default=None,
        help=f"Seconds a claimed URL stays this worker's without renewal (default: the claim_lease setting, "
             f"{DEFAULTS.claim_lease:g}); a dead worker's URLs go back to the queue after it.")(command)
    return click.option(
        "--worker-id", default=None,
        help="Name of this worker on a frontier shared through database_url (default: the worker_id setting, "
             "else this machine's name); give each worker on one machine its own.")(command)


# Skips a user ends by asking for more: the summary says how.
LIMIT_HINTS = {"too_deep": "links beyond --max-depth: raise it to follow them",
               "max_pages": "left when --max-pages was reached: raise it to fetch them"}


def print_summary(summary: dict) -> None:
    click.echo(f"fetched  {summary['fetched']:>6}")
    click.echo(f"stored   {summary['stored']:>6}")
    if summary.get("sitemaps"):
        click.echo(f"sitemaps {summary['sitemaps']:>6}")
    for reason, count in summary["skipped"].items():
        hint = f"  ({LIMIT_HINTS[reason]})" if reason in LIMIT_HINTS else ""
        click.echo(f"skipped  {count:>6}  {reason}{hint}")
    cases = summary.get("cases") or {}
    if cases.get("proposed") or cases.get("updated"):
        click.echo(f"cases    {cases['proposed']:>6}  proposed from pages describing one, "
                   f"{cases['updated']} with an edit to review")


def run_crawl(kb, seeds, crawl_cfg, show_progress: bool, source_id=None):
    """Crawl ``seeds`` under a progress bar of stored pages. Shared by `kb crawl` and `kb demo`."""
    with click.progressbar(length=crawl_cfg.max_pages, label="Crawling", file=sys.stderr,
                           show_pos=True, hidden=not show_progress) as bar:
        def progress(_url, outcome):
            if outcome == "stored":
                bar.update(1)

        return crawl(kb, seeds, crawl_cfg, progress, source_id)


@cli.command(name="crawl")
@click.argument("urls", nargs=-1)
@click.option("--due", is_flag=True, help="Crawl the registered sources that are due (the default without URLS).")
@click.option("--source", "source_id", type=int, default=None, help="Crawl this registered source now.")
@click.option("--max-pages", type=click.IntRange(1), default=None,
              help=f"Most pages to store (default: the max_pages setting, {DEFAULTS.max_pages}; a source keeps its "
                   "own).")
@click.option("--max-depth", type=click.IntRange(0), default=None,
              help=f"Most links to follow from a seed (default: the max_depth setting, {DEFAULTS.max_depth}).")
@click.option("--delay", type=click.FloatRange(0), default=None,
              help=f"Seconds between requests to one host (default: the crawl_delay setting, "
                   f"{DEFAULTS.crawl_delay:g}); a host slower to answer rests as long as it takes. 0: no pause at "
                   "all (your own server).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=None,
              help="Hosts (or sources) crawled in parallel, one request at a time per host "
                   f"(default {crawl_defaults().concurrency}).")
@click.option("--allow-private-hosts", is_flag=True, help="Allow loopback and private addresses (tests, demo).")
@click.option("--no-index", is_flag=True,
              help="Store pages without updating the search index (the next `kb index` does).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@claim_options
@click.pass_context
def crawl_command(ctx, urls, due, source_id, max_pages, max_depth, delay, concurrency, allow_private_hosts, no_index,
                  as_json, worker_id, claim_lease):
    """Crawl URLS and the in-scope pages they link to (same host by default),
    or, without URLS, the registered sources that are due (see `kb source`).

    Reads sitemaps (robots.txt and /sitemap.xml), obeys robots.txt and a
    per-host delay, and refuses private addresses unless --allow-private-hosts.
    A crawl that was killed resumes where it stopped when started again with
    the same URLs. Ends with a summary of fetched, stored and skipped pages by
    reason; `kb crawl-report` lists the outcome of every URL.
    """
    kb = open_data(ctx, worker_id=worker_id, claim_lease=claim_lease)
    as_background_work(kb.settings)
    cfg = crawl_settings(kb.settings, max_pages, max_depth, delay, allow_private_hosts, concurrency)
    if urls and (due or source_id is not None):
        raise UserError("give URLs, or --due / --source, not both")
    if not urls:
        _crawl_sources(kb, cfg, source_id, no_index, as_json)
        return
    check_seeds(urls, cfg.allow_private_hosts)
    result = run_crawl(kb, list(urls), cfg, show_progress=not as_json and sys.stderr.isatty())
    if not no_index:
        sync_index(kb)
    emit(result.summary, as_json, print_summary)


def _crawl_sources(kb, cfg, source_id, no_index, as_json) -> None:
    """Crawl the due sources (or one); exit 1 when every source crawled failed."""
    from kb.errors import InputError
    from kb.sources.registry import due_sources

    try:
        with kb.session() as session:
            due = due_sources(session, source_id=source_id)
            ids, most = [s.id for s in due], sum(s.max_pages or cfg.max_pages for s in due)
    except InputError as exc:
        raise UserError(str(exc)) from None
    if not ids:
        emit({"sources": []}, as_json, lambda _d: click.echo("no source is due (see `kb source list`)"))
        return
    outcomes = with_progress(lambda progress: crawl_sources(kb, ids, cfg, progress), most, not as_json)
    if not no_index:
        sync_index(kb)
    emit({"sources": [o.to_json() for o in outcomes]}, as_json, _print_source_outcomes)
    if all(o.error for o in outcomes):
        sys.exit(1)


def with_progress(work, length: int, show: bool):
    """Run ``work(progress)`` under a bar counting stored pages (the sources' crawls share it); `kb demo` too."""
    import threading

    lock = threading.Lock()
    with click.progressbar(length=max(1, length), label="Crawling sources", file=sys.stderr, show_pos=True,
                           hidden=not (show and sys.stderr.isatty())) as bar:
        def progress(_url, outcome):
            if outcome == "stored":
                with lock:
                    bar.update(1)

        return work(progress)


def _print_source_outcomes(data: dict) -> None:
    for item in data["sources"]:
        skipped = sum(item.get("skipped", {}).values())
        state = f"error: {item['error']}" if item["error"] else "ok"
        click.echo(f"source {item['source']} ({item['name']}): stored {item.get('stored', 0)}, "
                   f"skipped {skipped}, {state}")


@cli.command(name="crawl-report")
@click.option("--source", "source_id", type=int, default=None, help="Only URLs met by crawls of this source.")
@click.option("--reason", default=None,
              help="Only this outcome (stored, robots, http_404, near_duplicate...; README lists them all).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object with counts and one item per URL.")
@click.pass_context
def crawl_report(ctx, source_id, reason, as_json):
    """The latest outcome of every URL crawled: stored, or why not."""
    kb = open_data(ctx, create=False)
    emit(crawl_outcomes(kb, source_id, reason), as_json, _print_report)


def _print_report(data: dict) -> None:
    if not data["urls"]:
        click.echo("no crawl outcomes yet (run `kb crawl`)")
        return
    click.echo(", ".join(f"{outcome} {count}" for outcome, count in data["counts"].items()))
    for item in data["urls"]:
        status = item["http_status"] or "-"
        detail = f"  ({item['detail']})" if item["detail"] else ""
        click.echo(f"{item['outcome']:<16} {status:>4}  {item['url']}{detail}")
