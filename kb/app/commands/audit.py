"""`kb audit` and `kb restore-collection`: read the audit trail, undo a deletion."""

from __future__ import annotations

import click

from kb.audit import AUDITED
from kb.app.group import UserError, cli, emit, open_data


@cli.command(name="audit")
@click.option("--entity", type=click.Choice(AUDITED), default=None,
              help="Only events of this kind of record.")
@click.option("--id", "entity_id", default=None, help="Only events of this record (with --entity).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True, help="Most events shown.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list, with before and after.")
@click.pass_context
def audit_command(ctx, entity, entity_id, limit, as_json):
    """Show who changed what and when, newest first."""
    from kb import audit

    kb = open_data(ctx, create=False)
    with kb.session() as session:
        events = [audit.event_json(e) for e in audit.history(session, entity, entity_id, limit)]

    def render(rows):
        for row in rows:
            click.echo(f"{row['at']}  {row['actor'] or '-':<16} {row['action']:<14} {row['entity']} {row['entity_id']}")

    emit(events, as_json, render)


@cli.command(name="restore-collection")
@click.argument("collection_id", type=int)
@click.option("--by", "actor", default="admin", show_default=True, help="Name recorded in the audit trail.")
@click.pass_context
def restore_collection_command(ctx, collection_id: int, actor: str):
    """Restore a deleted collection exactly as it was, from the audit trail."""
    from kb.collections import CollectionError, restore_collection

    kb = open_data(ctx, create=False)
    try:
        with kb.session() as session:
            restored = restore_collection(session, collection_id, actor)
            title = restored.title
    except CollectionError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"restored collection {collection_id}: {title}")
