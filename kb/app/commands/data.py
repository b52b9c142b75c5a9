"""`kb import` and `kb export`: documents in and out of the knowledge base."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kb.app.group import UserError, as_background_work, cli, emit, open_data
from kb.app.wiring import sync_index
from kb.errors import InputError



def render_import(data: dict) -> None:
    """An import report (documents or cases) for people: counts, then each rejected row and why."""
    click.echo(f"stored {data['stored']}, updated {data['updated']}, rejected {len(data['rejected'])}")
    for item in data["rejected"]:
        click.echo(f"  row {item['row']}: {item['reason']}")

@cli.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--no-index", is_flag=True, help="Store without updating the search index (the next `kb index` does).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def import_(ctx, file: Path, no_index: bool, as_json: bool):
    """Import documents from a .jsonl, .json or .csv FILE.

    Fields: url and title or text (required); lang, type, country,
    municipality, themes, year, description (optional). Each rejected row is
    reported with its reason; the rest are stored.
    """
    from kb.formats import import_documents

    kb = open_data(ctx)
    as_background_work(kb.settings)
    try:
        with kb.session() as session:
            report = import_documents(session, file)
    except InputError as exc:
        raise UserError(str(exc)) from None
    if not no_index:
        sync_index(kb)

    emit(report.to_json(), as_json, render_import)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True,
              help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@click.pass_context
def export(ctx, fmt: str, output: Path | None):
    """Export every document with its provenance and facet fields."""
    from kb.formats import export_documents

    kb = open_data(ctx, create=False)
    out = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        with kb.session() as session:
            count = export_documents(session, out, fmt)
    finally:
        if output:
            out.close()
    if output:
        click.echo(f"exported {count} documents to {output}", err=True)
