"""`kb crawl`: collect pages from seeds into the knowledge base, then index them."""

from __future__ import annotations

import sys

import click

from kb.cli import Failure, UserError, _emit, _open, _update_index, cli


def crawl_settings(settings, max_pages, max_depth, delay, allow_private):
    from crawler.settings import CrawlSettings

    return CrawlSettings(
        user_agent=settings.user_agent, delay=settings.crawl_delay if delay is None else delay,
        max_pages=max_pages or settings.max_pages, max_depth=settings.max_depth if max_depth is None else max_depth,
        max_bytes=settings.max_bytes, read_timeout=settings.timeout,
        allow_private_hosts=allow_private or settings.allow_private_hosts, languages=settings.languages)


def print_summary(summary: dict) -> None:
    click.echo(f"fetched  {summary['fetched']:>6}")
    click.echo(f"stored   {summary['stored']:>6}")
    for reason, count in summary["skipped"].items():
        click.echo(f"skipped  {count:>6}  {reason}")


def run_crawl(kb, seeds, crawl_cfg, show_progress: bool, source_id=None):
    """Crawl ``seeds``; returns the CrawlResult. Shared by `kb crawl` and `kb demo`."""
    from crawler.crawl import Crawler
    from crawler.errors import CrawlError

    with click.progressbar(length=crawl_cfg.max_pages, label="Crawling", file=sys.stderr,
                           show_pos=True, hidden=not show_progress) as bar:
        def progress(_url, outcome):
            if outcome == "stored":
                bar.update(1)

        try:
            return Crawler(kb, crawl_cfg, progress=progress).run(seeds, source_id=source_id)
        except CrawlError as exc:
            raise Failure(f"crawl failed: {exc}") from None


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--max-pages", type=click.IntRange(1), default=None, help="Most pages to store (default 500).")
@click.option("--max-depth", type=click.IntRange(0), default=None, help="Most links to follow from a seed (default 5).")
@click.option("--delay", type=click.FloatRange(0), default=None, help="Seconds between requests to one host (default 1).")
@click.option("--allow-private-hosts", is_flag=True, help="Allow loopback and private addresses (tests, demo).")
@click.option("--no-index", is_flag=True, help="Store pages without updating the search index.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_context
def crawl(ctx, urls, max_pages, max_depth, delay, allow_private_hosts, no_index, as_json):
    """Crawl URLS and the in-scope pages they link to (same host by default).

    Obeys robots.txt and a per-host delay; refuses private addresses unless
    --allow-private-hosts. A crawl that was killed resumes where it stopped
    when started again with the same URLs. Ends with a summary of fetched,
    stored and skipped pages by reason.
    """
    from crawler.addresses import check_url_allowed
    from crawler.errors import SkipError

    kb = _open(ctx)
    cfg = crawl_settings(kb.settings, max_pages, max_depth, delay, allow_private_hosts)
    for url in urls:
        try:
            check_url_allowed(url, cfg.allow_private_hosts)
        except SkipError as exc:
            raise UserError(f"{url}: {exc.detail or exc.reason}") from None
    result = run_crawl(kb, list(urls), cfg, show_progress=not as_json and sys.stderr.isatty())
    if not no_index:
        _update_index(kb, result.document_ids)
    _emit(result.summary, as_json, print_summary)
