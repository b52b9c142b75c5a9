"""Organiser forms for workshops: curators create and edit events and their agenda items
(``kb.events``, ``kb.agenda`` check each field and audit every change), and see, download or
fetch the participant lists with emails, which only curators and admins may. The routes sit on
the events blueprint (``webui.events`` adds them), so their endpoints are ``events.*``.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext

from kb import agenda as agenda_ops
from kb.collections import visible_collections
from kb.errors import FieldErrors
from kb.events import MODES, create_event, event_zone, time_zones, update_event
from kb.formats import csv_cells
from kb.models import Event, Person
from webui.auth import require_role
from webui.context import kb
from webui.errors import refused_fields
from webui.event_views import MODE_NAMES, agenda_view, day_label, event_json, event_or_404, participants_json
from webui.forms import form_values, save_or_show

EVENT_FIELDS = ("title", "description", "starts", "ends", "zone", "mode", "place", "online_link", "capacity",
                "registration_deadline", "collection_id")
ITEM_FIELDS = ("day", "time", "title", "speakers", "documents")


def _local(moment: datetime | None, zone: str) -> str:
    """A UTC moment as the local date-time an input of type datetime-local shows."""
    return moment.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _event_values(event: Event) -> dict:
    zone = event_zone(event)
    values = {name: getattr(event, name) for name in ("title", "description", "mode", "place", "online_link")}
    return {**values, "zone": zone, "starts": _local(event.starts_utc, zone), "ends": _local(event.ends_utc, zone),
            "registration_deadline": _local(event.registration_deadline, zone),
            "capacity": "" if event.capacity is None else str(event.capacity),
            "collection_id": str(event.collection_id or "")}


def _event_form(event_id: int | None, values: dict, errors: dict, status: int = 200):
    with kb().session() as db:
        collections = sorted(((c.id, c.title) for c in visible_collections(db, g.viewer, listed_only=False)),
                             key=lambda item: item[1].lower())
    return render_template("events/form.html", event_id=event_id, values=values, errors=errors,
                           collections=collections, zones=[(z, z.replace("_", " ")) for z in time_zones()],
                           modes=[(m, MODE_NAMES[m]) for m in MODES]), status


@require_role("curator")
def new_event():
    return _event_form(None, {"zone": "Europe/Brussels", "mode": "onsite"}, {})


@require_role("curator")
def create():
    values = form_values(request.form, EVENT_FIELDS)
    return save_or_show(lambda db: create_event(db, values, g.viewer.name).id,
                        lambda errors: _event_form(None, values, errors, 422),
                        gettext("Event created. Add its agenda items below."),
                        lambda event_id: url_for("events.agenda", event_id=event_id))


@require_role("curator")
def edit(event_id: int):
    with kb().session() as db:
        values = _event_values(event_or_404(db, event_id))
    return _event_form(event_id, values, {})


@require_role("curator")
def update(event_id: int):
    values = form_values(request.form, EVENT_FIELDS)
    return save_or_show(lambda db: update_event(db, event_or_404(db, event_id), values, g.viewer.name),
                        lambda errors: _event_form(event_id, values, errors, 422), gettext("Event saved."),
                        lambda _: url_for("events.show", event_id=event_id))


def _agenda_page(event_id: int, values: dict, errors: dict, item_id: int | None = None, status: int = 200):
    with kb().session() as db:
        event = event_or_404(db, event_id)
        data, agenda = event_json(event), agenda_view(db, event)
        days = [(d, day_label(d)) for d in agenda_ops.event_days(event)]
        people = [(p.id, p.name) for p in db.query(Person).order_by(Person.name)]
    template = "events/agenda_item.html" if item_id is not None else "events/agenda.html"
    return render_template(template, event=data, agenda=agenda, days=days, people=people, values=values,
                           errors=errors, item_id=item_id), status


def _item_values() -> dict:
    return {**form_values(request.form, ITEM_FIELDS), "speakers": request.form.getlist("speakers")}


@require_role("curator")
def agenda(event_id: int):
    return _agenda_page(event_id, {}, {})


@require_role("curator")
def add_item(event_id: int):
    values = _item_values()
    return save_or_show(lambda db: agenda_ops.save_item(db, event_or_404(db, event_id), values, g.viewer.name),
                        lambda errors: _agenda_page(event_id, values, errors, status=422),
                        gettext("Agenda item added."), lambda _: url_for("events.agenda", event_id=event_id))


def _item_or_404(event: Event, item_id: int) -> dict:
    try:
        return agenda_ops.find_item(event, item_id)
    except LookupError:
        abort(404, gettext("There is no agenda item %(item)s in event %(id)s.", item=item_id, id=event.id))


@require_role("curator")
def edit_item(event_id: int, item_id: int):
    with kb().session() as db:
        item = _item_or_404(event_or_404(db, event_id), item_id)
    values = {**item, "speakers": [str(s) for s in item.get("speakers") or []],
              "documents": ", ".join(str(d) for d in item.get("documents") or [])}
    return _agenda_page(event_id, values, {}, item_id)


@require_role("curator")
def update_item(event_id: int, item_id: int):
    values = _item_values()

    def save(db):
        event = event_or_404(db, event_id)
        _item_or_404(event, item_id)
        return agenda_ops.save_item(db, event, values, g.viewer.name, item_id)

    return save_or_show(save, lambda errors: _agenda_page(event_id, values, errors, item_id, 422),
                        gettext("Agenda item saved."), lambda _: url_for("events.agenda", event_id=event_id))


@require_role("curator")
def delete_item(event_id: int, item_id: int):
    with kb().session() as db:
        event = event_or_404(db, event_id)
        _item_or_404(event, item_id)
        agenda_ops.delete_item(db, event, item_id, g.viewer.name)
    flash(gettext("Agenda item removed."))
    return redirect(url_for("events.agenda", event_id=event_id), code=303)


@require_role("curator")
def participants_page(event_id: int):
    rows = participants_json(event_id)
    with kb().session() as db:
        event = event_json(event_or_404(db, event_id))
    counts = {status: sum(r["status"] == status for r in rows) for status in ("confirmed", "waitlisted", "cancelled")}
    return render_template("events/participants.html", event=event, rows=rows, counts=counts)



@require_role("curator")
def participants_csv(event_id: int):
    rows = participants_json(event_id)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", "name", "email", "organisation", "attendance", "status",
                                             "registered_at"])
    writer.writeheader()
    writer.writerows(csv_cells(row) for row in rows)  # anyone can register with any name
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="participants-{event_id}.csv"'})


@require_role("curator")
def api_create():
    """Add an event (curators): 201 {"id"}; 422 with a message per field."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "Send a JSON object with Content-Type: application/json.")
    try:
        with kb().session() as db:
            event_id = create_event(db, data, g.viewer.name).id
    except FieldErrors as exc:
        raise refused_fields(exc) from None
    return jsonify({"id": event_id}), 201


@require_role("curator")
def api_participants(event_id: int):
    return jsonify(participants_json(event_id))


def add_routes(bp: Blueprint) -> None:
    """Add the organiser routes to the events blueprint."""
    bp.add_url_rule("/events/new", view_func=new_event)
    bp.add_url_rule("/events", view_func=create, methods=["POST"])
    bp.add_url_rule("/events/<int:event_id>/edit", view_func=edit)
    bp.add_url_rule("/events/<int:event_id>/edit", view_func=update, methods=["POST"])
    bp.add_url_rule("/events/<int:event_id>/agenda", view_func=agenda)
    bp.add_url_rule("/events/<int:event_id>/agenda", view_func=add_item, methods=["POST"])
    bp.add_url_rule("/events/<int:event_id>/agenda/<int:item_id>/edit", view_func=edit_item)
    bp.add_url_rule("/events/<int:event_id>/agenda/<int:item_id>/edit", view_func=update_item, methods=["POST"])
    bp.add_url_rule("/events/<int:event_id>/agenda/<int:item_id>/delete", view_func=delete_item, methods=["POST"])
    bp.add_url_rule("/events/<int:event_id>/participants", view_func=participants_page)
    bp.add_url_rule("/events/<int:event_id>/participants.csv", view_func=participants_csv)
    bp.add_url_rule("/api/events", view_func=api_create, methods=["POST"])
    bp.add_url_rule("/api/events/<int:event_id>/registrations", view_func=api_participants)
