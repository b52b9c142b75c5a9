"""`kb source`: register sources, import the catalogue, list them and check they answer."""

from __future__ import annotations

import sys

import click

from kb.app.group import UserError, cli, emit, open_data
from kb.app.wiring import check_source_seeds, crawl_settings
from kb.errors import InputError
from kb.settings import DEFAULTS, SOURCE_RECRAWL_DAYS


@cli.group()
def source():
    """Sources: websites crawled on a schedule (`kb crawl` crawls the due ones)."""


@source.command(name="add")
@click.argument("url")
@click.option("--name", default=None, help="A name people recognise (default: the host).")
@click.option("--include", multiple=True, metavar="PREFIX", help="Only crawl paths under PREFIX (repeat).")
@click.option("--exclude", multiple=True, metavar="PREFIX", help="Never crawl paths under PREFIX (repeat).")
@click.option("--max-pages", type=click.IntRange(1), default=None,
              help=f"Most pages per crawl (default {DEFAULTS.max_pages}).")
@click.option("--max-depth", type=click.IntRange(0), default=None,
              help=f"Most links followed from a seed (default {DEFAULTS.max_depth}).")
@click.option("--recrawl-days", type=click.FloatRange(0, min_open=True), default=None,
              help=f"Days between two crawls (default {SOURCE_RECRAWL_DAYS}).")
@click.option("--json", "as_json", is_flag=True, help="Print the new source as JSON.")
@click.pass_context
def add(ctx, url, name, include, exclude, max_pages, max_depth, recrawl_days, as_json):
    """Register URL as a source; it is due for crawling at once."""
    from kb.sources.registry import add_source, source_to_json

    kb = open_data(ctx)
    try:
        with kb.session() as session:
            data = source_to_json(add_source(session, url, name, include, exclude, max_pages, recrawl_days, max_depth))
    except InputError as exc:
        raise UserError(str(exc)) from None
    emit(data, as_json, lambda d: click.echo(f"added source {d['id']} ({d['name']}): {', '.join(d['seeds'])}"))


def _print_sources(items: list[dict]) -> None:
    if not items:
        click.echo("no sources (add one with `kb source add URL` or `kb source import-catalogue`)")
    for item in items:
        when = item["last_crawl_at"] or "never"
        click.echo(f"{item['id']:>4}  {item['status']:<8}  {item['pages_stored']:>5} pages  last {when:<20}  "
                   f"{item['name']}  {item['seeds'][0] if item['seeds'] else ''}")
        if item["last_error"]:
            click.echo(f"      error: {item['last_error']}")


@source.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of sources.")
@click.pass_context
def list_(ctx, as_json):
    """List the sources with their status, schedule and pages stored."""
    from kb.sources.registry import list_sources, source_to_json

    kb = open_data(ctx)
    with kb.session() as session:
        items = [source_to_json(s) for s in list_sources(session)]
    emit(items, as_json, _print_sources)


@source.command(name="import-catalogue")
@click.option("--only", multiple=True, metavar="VALUE",
              help="Keep entries of a country (BE), language (nl) or kind (municipality); repeat.")
@click.option("--file", "path", type=click.Path(dir_okay=False), default=None,
              help="A catalogue file (default: the bundled kb/sources/catalogue.yaml).")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
@click.pass_context
def import_catalogue(ctx, only, path, as_json):
    """Create or update one source per catalogue entry, matched by its key.

    Importing twice changes nothing; an entry that changed updates its source
    and is listed with the fields that changed.
    """
    from kb.sources.catalogue import load_catalogue, select_entries
    from kb.sources.registry import import_catalogue as run_import

    kb = open_data(ctx)
    try:
        entries = select_entries(load_catalogue(path), list(only))
        with kb.session() as session:
            report = run_import(session, entries).to_json()
    except InputError as exc:
        raise UserError(str(exc)) from None

    def render(data):
        click.echo(f"added {len(data['added'])}, updated {len(data['updated'])}, unchanged {data['unchanged']}, "
                   f"rejected {len(data['rejected'])}")
        for key, fields in data["updated"].items():
            click.echo(f"  updated {key}: {', '.join(fields)}")
        for key, problems in data["rejected"].items():
            click.echo(f"  rejected {key}: {'; '.join(problems)}")

    emit(report, as_json, render)


@source.command()
@click.option("--source", "source_id", type=int, default=None, help="Check one source (default: all).")
@click.option("--allow-private-hosts", is_flag=True, help="Allow loopback and private addresses (tests, demo).")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.pass_context
def check(ctx, source_id, allow_private_hosts, as_json):
    """Fetch robots.txt and the first page of every seed; say what answers and why not.

    Exits 2 with one line when no host resolves at all (no network), 1 when
    some seed is unreachable.
    """
    from kb.sources.registry import list_sources

    kb = open_data(ctx)
    try:
        with kb.session() as session:
            seeds = [(s.id, s.name, url) for s in list_sources(session, source_id) for url in (s.seeds or [])]
    except InputError as exc:
        raise UserError(str(exc)) from None
    if not seeds:
        raise UserError("no sources to check (add one with `kb source add URL`)")
    checks, offline = check_source_seeds(crawl_settings(kb.settings, allow_private=allow_private_hosts), seeds)
    if offline:
        raise UserError(f"no network: none of the {len(checks)} seed hosts resolves (DNS fails for all)")
    emit([c.to_json() for c in checks], as_json, _print_checks)
    if not all(c.reachable for c in checks):
        sys.exit(1)


def _print_checks(items: list[dict]) -> None:
    for item in items:
        robots = f"; {item['robots']}" if item["robots"] and item["reachable"] else ""
        click.echo(f"{'ok  ' if item['reachable'] else 'FAIL'}  {item['source_id']:>4}  {item['url']}  "
                   f"{item['reason']}{robots}")
