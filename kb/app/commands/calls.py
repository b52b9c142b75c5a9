"""`kb calls` and `kb networks`: the calls with the status their dates give now, and the networks."""

from __future__ import annotations

import click

from kb.calls import STATUSES
from kb.app.group import cli, emit, open_data


@cli.command(name="calls")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only calls of this status now.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list.")
@click.pass_context
def calls_command(ctx, status, as_json):
    """List calls by deadline, with their status (derived from the dates, in UTC) and network."""
    from kb.calls import call_status, deadline_in_utc
    from kb.models import Call, Organisation

    kb = open_data(ctx, create=False)
    with kb.session() as session:
        names = dict(session.query(Organisation.id, Organisation.name).all())
        rows = [{"id": c.id, "title": c.title, "network": names.get(c.network_id), "deadline": c.deadline,
                 "deadline_utc": deadline_in_utc(c), "status": call_status(c), "example": c.example, "url": c.url}
                for c in session.query(Call).order_by(Call.deadline_utc)]
    rows = [row for row in rows if status is None or row["status"] == status]

    def render(found):
        for row in found:
            mark = " (example)" if row["example"] else ""
            click.echo(f"{row['id']:>4}  {row['status']:<8} {row['deadline']:<25} "
                       f"{row['network']}: {row['title']}{mark}")
        click.echo(f"{len(found)} calls")

    emit(rows, as_json, render)


@cli.command(name="networks")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list, as GET /api/networks.")
@click.pass_context
def networks_command(ctx, as_json):
    """List networks and programmes with their members and cases."""
    from kb.networks import list_networks, network_json

    kb = open_data(ctx, create=False)
    with kb.session() as session:
        rows = [network_json(session, network) for network in list_networks(session)]

    def render(found):
        for row in found:
            click.echo(f"{row['id']:>4}  {row['kind']:<9} {row['name']} ({len(row['members'])} members, "
                       f"{len(row['cases'])} cases)")

    emit(rows, as_json, render)
