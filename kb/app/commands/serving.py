"""`kb serve` and `kb demo`: the web UI on a production WSGI server."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from kb.app.group import Failure, UserError, cli, open_data
from kb.app.wiring import build_index, crawl_settings, crawl_sources, propose_cases, serve_app

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True, help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes serving requests (default: serve_workers in kb.toml / $KB_SERVE_WORKERS, "
                   "else one per core, at most 4). Searching is CPU-bound: one per core serves most.")
@click.option("--threads", type=click.IntRange(1, 256), default=None, help="Threads per process (default 8).")
@click.option("--with-worker", is_flag=True, help="Also run `kb worker` in the background (crawl queued sources).")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Read the index generations from this folder (default: the index_dir setting, else index/ in "
                   "the data folder); read only: one indexer elsewhere publishes them.")
@click.pass_context
def serve(ctx, host: str, port: int, workers: int | None, threads: int | None, with_worker: bool,
          index_dir: Path | None):
    """Serve the web UI and JSON API on a production WSGI server, never a debug server: waitress,
    in this process or in each of gunicorn's --workers (slow clients hold a socket, not a thread).

    Searches read the index only: any number of nodes may serve one index folder, each moving to a
    new generation at its next search once the indexer (`kb worker`, `kb index`) publishes it."""
    kb = open_data(ctx, serve_workers=workers, serve_threads=threads, index_dir=index_dir)
    settings = kb.settings
    if not (settings.base_url or settings.allowed_hosts) and (settings.trusted_proxies or host not in LOOPBACK):
        click.echo("Note: set base_url (or allowed_hosts) in kb.toml: until then the links in calendar files, "
                   "share and cancel links, feeds and exports point at localhost", err=True)
    if with_worker and kb.settings.serve_workers > 1:
        raise UserError("--with-worker needs a single serving process: run `kb worker` beside `kb serve` instead")
    if with_worker and settings.shared_index:
        raise UserError("--with-worker would write the shared index: a web node only reads it; run the one "
                        "indexer (`kb worker`) on its own")
    if with_worker:
        from kb.app.worker import start_worker_thread

        start_worker_thread(kb)
    serve_app(kb, host, port, single=with_worker)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address of the web UI.")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True, help="Port of the web UI.")
@click.option("--site-port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port of the bundled demo site (kept fixed so reruns update the same URLs).")
@click.option("--no-serve", is_flag=True, help="Crawl and index, then exit.")
@click.pass_context
def demo(ctx, host: str, port: int, site_port: int, no_serve: bool):
    """Crawl the bundled demo site on 127.0.0.1 as the source "Casebook demo site", validate the
    cases it proposes as the demo curator, import the starter catalogue of sources (not crawled),
    add organisations, example experts, the workshop series with its collections, networks and
    calls, index it and serve the UI."""
    from kb.app.commands.crawling import print_summary, with_progress
    from kb.demo.curation import (demo_curator, import_starter_catalogue, register_demo_source,
                                  validate_site_cases)
    from kb.demo.events import add_demo_events
    from kb.demo.networks import add_demo_networks
    from kb.demo.people import add_demo_people
    from kb.demo.server import start_site_server

    kb = open_data(ctx)
    try:
        server, site_url = start_site_server("127.0.0.1", site_port)
    except OSError:
        server, site_url = start_site_server("127.0.0.1", 0)
    click.echo(f"Demo site served at {site_url}")
    with kb.session() as session:
        source_id = register_demo_source(session, site_url).id
    cfg = crawl_settings(kb.settings, 2000, 10, 0.0, True)
    outcome, = with_progress(lambda progress: crawl_sources(kb, [source_id], cfg, progress), 2000, True)
    server.shutdown()
    server.server_close()
    if outcome.error:
        raise Failure(f"the demo site could not be crawled: {outcome.error}")
    print_summary(outcome.summary)
    propose_cases(kb)  # pages stored by an older Casebook, unchanged since, get their case too
    with kb.session() as session:
        curator, password = demo_curator(session, kb.settings.data_dir)
        validated = validate_site_cases(session, site_url, curator)
    click.echo(f"Validated {validated} cases as {curator.name}")
    with kb.session() as session:
        catalogue = import_starter_catalogue(session)
    click.echo(f"Starter catalogue: {len(catalogue.added)} sources added, {len(catalogue.unchanged)} unchanged, "
               "not crawled (`kb worker` crawls them)")
    with kb.session() as session:
        people = add_demo_people(session, curator)
        events = add_demo_events(session, curator, date.today(), people.experts)
    click.echo(f"Profiles: {len(people.organisations)} organisations named by their cases, "
               f"{len(people.experts)} example experts")
    click.echo(f"Workshops: {len(events.events)} events, each with its collection ({len(events.created)} new)")
    with kb.session() as session:
        networks = add_demo_networks(session, curator, date.today())
    click.echo(f"Networks and programmes: {len(networks.networks)}, linked to {networks.links} members and cases; "
               f"{len(networks.calls)} example calls")
    count = build_index(kb)
    click.echo(f"Indexed {count} documents into {kb.settings.index_dir}")
    click.echo(f"Sign in as the demo curator: user {curator.name}, password {password} "
               f"(kept in {kb.settings.data_dir})")
    if not no_serve:
        click.echo(f"\n  Open http://{host}:{port}/ in your browser.\n")
        serve_app(kb, host, port)
