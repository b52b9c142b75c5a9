"""`kb case ...`: bulk import of case records (CSV/JSON, IPS Observatory format)."""

from __future__ import annotations

from pathlib import Path

import click

from kb.app.group import UserError, as_background_work, cli, emit, open_data
from kb.app.wiring import sync_index
from kb.app.commands.data import render_import


@cli.group(name="case")
def case_group():
    """Case records: import them in bulk."""


@case_group.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["auto", "casebook", "ips"]), default="auto", show_default=True,
              help="ips: the IPS Observatory export; casebook: title, summary, country...; auto: guess per row.")
@click.option("--validated", is_flag=True, help="Mark imported cases validated (default: proposed, for review).")
@click.option("--by", "actor_name", default="import", show_default=True, help="Name recorded in the audit trail.")
@click.option("--no-index", is_flag=True, help="Store without updating the search index (the next `kb index` does).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def case_import(ctx, file: Path, fmt: str, validated: bool, actor_name: str, no_index: bool, as_json: bool):
    """Import case records from a .csv, .json or .jsonl FILE.

    Each rejected row is reported with its reason; the rest are stored (or
    updated when their id was imported before) and become searchable.
    """
    from kb.accounts import Actor
    from kb.case_import import import_cases
    from kb.errors import InputError

    kb = open_data(ctx)
    as_background_work(kb.settings)
    actor = Actor(actor_name, "curator" if validated else "researcher")
    try:
        with kb.session() as session:
            report = import_cases(session, file, actor, fmt)
    except InputError as exc:
        raise UserError(str(exc)) from None
    if not no_index:
        sync_index(kb)

    emit(report.to_json(), as_json, render_import)
