"""`kb worker`: the worker's pipeline (kb.app.worker) until interrupted, or one round."""

from __future__ import annotations

import click

from kb.app.commands.crawling import claim_options
from kb.app.group import as_background_work, cli, open_data
from kb.app.wiring import crawl_settings
from kb.app.worker import worker_loop


@cli.command()
@click.option("--once", is_flag=True, help="Crawl what is due now, then exit.")
@click.option("--interval", type=click.FloatRange(1), default=30.0, show_default=True,
              help="Seconds between two looks at the queue.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Most sources crawled per round.")
@click.option("--allow-private-hosts", is_flag=True, help="Allow loopback and private addresses (tests, demo).")
@claim_options
@click.pass_context
def worker(ctx, once: bool, interval: float, limit: int | None, allow_private_hosts: bool, worker_id: str | None,
           claim_lease: float | None):
    """Crawl sources queued from the web UI or API, and recrawl due ones.

    Also indexes what changed in the knowledge base (cases and profiles edited in
    the web UI, imports run with --no-index), closes calls past their deadline and deletes
    participant data of events past the retention period. Runs until interrupted
    (Ctrl+C), or one round with --once.
    """
    kb = open_data(ctx, worker_id=worker_id, claim_lease=claim_lease)
    as_background_work(kb.settings)
    cfg = crawl_settings(kb.settings, allow_private=allow_private_hosts)
    worker_loop(kb, cfg, interval, limit, once)
