"""Workshops: event pages, registration without an account, cancel links, calendar files.

The online link is shown only to registered participants (through their personal
link) and to organisers; participant lists (with emails) only to curators and
admins. A honeypot field and a per-address rate limit keep automated sign-ups out.
Curators create and edit events and their agenda in forms (``kb.events``,
``kb.agenda`` check each field and audit every change).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import (Blueprint, Response, abort, current_app, flash, g, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import format_date, gettext, lazy_gettext
from sqlalchemy import func

from kb import agenda as agenda_ops
from kb.calendar import event_ics
from kb.collections import can_view, visible_collections
from kb.errors import InputError
from kb.events import (MODES, DuplicateRegistration, Event, Registration, cancel, create_event, event_zone,
                       hash_token, number_items, participants, register, registration_open, time_zones,
                       update_event)
from kb.formats import csv_cells
from kb.models import Collection, Document, utcnow
from kb.people import Person
from webui.auth import public_write, require_role
from webui.context import kb
from webui.forms import form_values, save_or_show
from webui.i18n import ui_language
from webui.links import absolute_url, link_host
from webui.throttle import shared_throttle

bp = Blueprint("events", __name__)
HONEYPOT = "website"
EVENT_FIELDS = ("title", "description", "starts", "ends", "zone", "mode", "place", "online_link", "capacity",
                "registration_deadline", "collection_id")
ITEM_FIELDS = ("day", "time", "title", "speakers", "documents")
MODE_NAMES = {"onsite": lazy_gettext("on site"), "online": lazy_gettext("online"),
              "hybrid": lazy_gettext("hybrid (on site and online)")}
SIGNUPS_PER_ADDRESS = 60  # per 10 minutes: a town hall behind one NAT can still sign up its staff


def event_json(event: Event, with_link: bool = False) -> dict:
    data = {"id": event.id, "title": event.title, "description": event.description, "starts": event.starts,
            "ends": event.ends, "mode": event.mode, "place": event.place, "capacity": event.capacity,
            "agenda": event.agenda, "collection_id": event.collection_id,
            "registration_deadline": event.registration_deadline.isoformat() if event.registration_deadline else None}
    if with_link:
        data["online_link"] = event.online_link
    return data


def _event_or_404(db, event_id: int) -> Event:
    event = db.get(Event, event_id)
    if event is None:
        abort(404, gettext("There is no event %(id)s.", id=event_id))
    return event


def _is_organiser() -> bool:
    viewer = g.get("viewer")
    return viewer is not None and viewer.at_least("curator")


def _throttled() -> bool:
    extensions = current_app.extensions["casebook"]
    if "signup_throttle" not in extensions:
        limit = current_app.config.get("SIGNUPS_PER_ADDRESS", SIGNUPS_PER_ADDRESS)
        extensions["signup_throttle"] = shared_throttle(extensions["settings"], "signup", limit=limit, window=600.0)
    throttle, key = extensions["signup_throttle"], f"signup:{request.remote_addr}"
    return throttle.reserve(key) > 0  # counts every attempt, successful or not, before it is made


def _sign_up(event_id: int, data: dict) -> tuple[dict | None, str | None, int]:
    """(result, error message, status) of one sign-up attempt."""
    if data.get(HONEYPOT):
        return None, "registration refused", 422
    if _throttled():
        return None, "too many sign-ups from your address; please try again later", 429
    try:
        with kb().session() as db:
            registration, token = register(db, event_id, data)
            result = {"id": registration.id, "status": registration.status, "event_id": event_id,
                      "cancel_url": absolute_url("events.cancel_page", token=token),
                      "personal_url": absolute_url("events.personal", token=token)}
    except LookupError as exc:
        return None, str(exc), 404
    except DuplicateRegistration as exc:
        return None, str(exc), 409
    except InputError as exc:
        return None, str(exc), 422
    return result, None, 201


@bp.route("/events")
def index():
    now = utcnow()
    with kb().session() as db:
        rows = db.query(Event).order_by(Event.starts_utc).all()
        upcoming = [{**event_json(e), "open": registration_open(e, now)} for e in rows if e.ends_utc >= now]
        past = [event_json(e) for e in reversed(rows) if e.ends_utc < now]
    return render_template("events/index.html", upcoming=upcoming, past=past, mode_names=MODE_NAMES)


def _places(db, event: Event) -> dict:
    """How registration stands: open or not, places left (None: no limit) and who waits."""
    counts = dict(db.query(Registration.status, func.count()).filter(Registration.event_id == event.id)
                  .group_by(Registration.status).all())
    confirmed, waiting = counts.get("confirmed", 0), counts.get("waitlisted", 0)
    left = None if event.capacity is None else max(event.capacity - confirmed, 0)
    return {"open": registration_open(event, utcnow()), "left": left, "waiting": waiting}


def _agenda_view(db, event: Event) -> list[dict]:
    """Agenda items with their speakers' names (public profiles, or all for organisers) and documents' titles."""
    items = number_items(list(event.agenda or []))
    person_ids = {s for item in items for s in item.get("speakers") or []}
    doc_ids = {d for item in items for d in item.get("documents") or []}
    people = {p.id: p.name for p in db.query(Person).filter(Person.id.in_(person_ids))
              if p.is_public or _is_organiser()}
    documents = {d.id: d.title or d.url for d in db.query(Document).filter(Document.id.in_(doc_ids))}
    return [{**item, "day_label": _day_label(item.get("day")),
             "speaker_names": [(i, people[i]) for i in item.get("speakers") or [] if i in people],
             "document_titles": [(i, documents[i]) for i in item.get("documents") or [] if i in documents]}
            for item in items]


# "Wednesday 21 September 2022", "woensdag 21 september 2022": CLDR's "full" date is American in English
DAY = "EEEE d MMMM y"


def _day_label(day: str | None) -> str:
    try:
        return format_date(date.fromisoformat(day), DAY) if day else ""
    except ValueError:
        return day or ""


def moment_text(moment_iso: str) -> str:
    """An event's start or end as people read it in the UI language, at the UTC offset it was given with."""
    moment = datetime.fromisoformat(moment_iso)
    return format_datetime(moment, f"{DAY}, HH:mm ZZZZ", tzinfo=moment.tzinfo, locale=ui_language())


def _linked_collection(db, event: Event) -> tuple[int, str] | None:
    collection = db.get(Collection, event.collection_id) if event.collection_id else None
    if collection is None or not can_view(db, collection, g.get("viewer")):
        return None
    return collection.id, collection.title


def _show_page(event_id: int, status: int = 200, **extra):
    with kb().session() as db:
        event = _event_or_404(db, event_id)
        data = event_json(event, with_link=_is_organiser())
        agenda, collection, places = _agenda_view(db, event), _linked_collection(db, event), _places(db, event)
    return render_template("events/show.html", event=data, agenda=agenda, collection=collection, places=places,
                           honeypot=HONEYPOT, mode_names=MODE_NAMES, moment_text=moment_text, **extra), status


@bp.route("/events/<int:event_id>")
def show(event_id: int):
    return _show_page(event_id)


@bp.route("/events/<int:event_id>/register", methods=["POST"])
@public_write
def register_form(event_id: int):
    data = {k: request.form.get(k) for k in ("name", "email", "organisation", "attendance", HONEYPOT)}
    data["consent"] = request.form.get("consent") == "yes"
    result, error, status = _sign_up(event_id, data)
    if error:
        return _show_page(event_id, status, error=error, form=data)
    return redirect(result["personal_url"], code=303)


@bp.route("/events/registration/<token>")
def personal(token: str):
    """A participant's own page: status, the online link, the cancel button."""
    with kb().session() as db:
        registration = db.query(Registration).filter_by(cancel_hash=hash_token(token)).one_or_none()
        if registration is None:
            abort(404, gettext("This personal link is not valid (any more)."))
        event = event_json(db.get(Event, registration.event_id),
                           with_link=registration.status == "confirmed")
        status = registration.status
    return render_template("events/personal.html", event=event, status=status, token=token)


@bp.route("/events/cancel/<token>", methods=["GET", "POST"])
@public_write
def cancel_page(token: str):
    if request.method == "GET":
        return render_template("events/cancel.html", token=token, done=False)
    try:
        with kb().session() as db:
            cancel(db, token)
    except LookupError as exc:
        abort(404, str(exc))
    return render_template("events/cancel.html", token=token, done=True)


@bp.route("/events/<int:event_id>.ics")
def calendar(event_id: int):
    with kb().session() as db:
        event = _event_or_404(db, event_id)
        body = event_ics(event, absolute_url("events.show", event_id=event_id), utcnow(), host=link_host())
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="event-{event_id}.ics"'})


def _participants_json(event_id: int) -> list[dict]:
    with kb().session() as db:
        _event_or_404(db, event_id)
        return [{"id": r.id, "name": r.name, "email": r.email, "organisation": r.organisation,
                 "attendance": r.attendance, "status": r.status, "registered_at": r.created_at.isoformat()}
                for r in participants(db, event_id)]


@bp.route("/events/<int:event_id>/participants.csv")
@require_role("curator")
def participants_csv(event_id: int):
    rows = _participants_json(event_id)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", "name", "email", "organisation", "attendance", "status",
                                             "registered_at"])
    writer.writeheader()
    writer.writerows(csv_cells(row) for row in rows)  # anyone can register with any name
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="participants-{event_id}.csv"'})


@bp.route("/api/events", methods=["POST"])
@require_role("curator")
def api_create():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "Send a JSON object with Content-Type: application/json.")
    try:
        with kb().session() as db:
            event_id = create_event(db, data, g.viewer.name).id
    except InputError as exc:
        return jsonify({"status": 422, "error": "Unprocessable Entity", "message": str(exc)}), 422
    return jsonify({"id": event_id}), 201


@bp.route("/api/events")
def api_list():
    with kb().session() as db:
        return jsonify([event_json(e) for e in db.query(Event).order_by(Event.starts_utc).all()])


@bp.route("/api/events/<int:event_id>")
def api_show(event_id: int):
    with kb().session() as db:
        return jsonify(event_json(_event_or_404(db, event_id), with_link=_is_organiser()))


@bp.route("/api/events/<int:event_id>/registrations", methods=["POST"])
@public_write
def api_register(event_id: int):
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "Send a JSON object with Content-Type: application/json.")
    result, error, status = _sign_up(event_id, data)
    if error:
        return jsonify({"status": status, "error": "Registration refused", "message": error}), status
    return jsonify(result), 201


@bp.route("/api/events/<int:event_id>/registrations")
@require_role("curator")
def api_participants(event_id: int):
    return jsonify(_participants_json(event_id))


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


@bp.route("/events/new")
@require_role("curator")
def new_event():
    return _event_form(None, {"zone": "Europe/Brussels", "mode": "onsite"}, {})


@bp.route("/events", methods=["POST"])
@require_role("curator")
def create():
    values = form_values(request.form, EVENT_FIELDS)
    return save_or_show(lambda db: create_event(db, values, g.viewer.name).id,
                        lambda errors: _event_form(None, values, errors, 422),
                        gettext("Event created. Add its agenda items below."),
                        lambda event_id: url_for("events.agenda", event_id=event_id))


@bp.route("/events/<int:event_id>/edit")
@require_role("curator")
def edit(event_id: int):
    with kb().session() as db:
        values = _event_values(_event_or_404(db, event_id))
    return _event_form(event_id, values, {})


@bp.route("/events/<int:event_id>/edit", methods=["POST"])
@require_role("curator")
def update(event_id: int):
    values = form_values(request.form, EVENT_FIELDS)
    return save_or_show(lambda db: update_event(db, _event_or_404(db, event_id), values, g.viewer.name),
                        lambda errors: _event_form(event_id, values, errors, 422), gettext("Event saved."),
                        lambda _: url_for("events.show", event_id=event_id))


def _agenda_page(event_id: int, values: dict, errors: dict, item_id: int | None = None, status: int = 200):
    with kb().session() as db:
        event = _event_or_404(db, event_id)
        data, agenda = event_json(event), _agenda_view(db, event)
        days = [(d, _day_label(d)) for d in agenda_ops.event_days(event)]
        people = [(p.id, p.name) for p in db.query(Person).order_by(Person.name)]
    template = "events/agenda_item.html" if item_id is not None else "events/agenda.html"
    return render_template(template, event=data, agenda=agenda, days=days, people=people, values=values,
                           errors=errors, item_id=item_id), status


def _item_values() -> dict:
    return {**form_values(request.form, ITEM_FIELDS), "speakers": request.form.getlist("speakers")}


@bp.route("/events/<int:event_id>/agenda")
@require_role("curator")
def agenda(event_id: int):
    return _agenda_page(event_id, {}, {})


@bp.route("/events/<int:event_id>/agenda", methods=["POST"])
@require_role("curator")
def add_item(event_id: int):
    values = _item_values()
    return save_or_show(lambda db: agenda_ops.save_item(db, _event_or_404(db, event_id), values, g.viewer.name),
                        lambda errors: _agenda_page(event_id, values, errors, status=422),
                        gettext("Agenda item added."), lambda _: url_for("events.agenda", event_id=event_id))


def _item_or_404(event: Event, item_id: int) -> dict:
    try:
        return agenda_ops.find_item(event, item_id)
    except LookupError:
        abort(404, gettext("There is no agenda item %(item)s in event %(id)s.", item=item_id, id=event.id))


@bp.route("/events/<int:event_id>/agenda/<int:item_id>/edit")
@require_role("curator")
def edit_item(event_id: int, item_id: int):
    with kb().session() as db:
        item = _item_or_404(_event_or_404(db, event_id), item_id)
    values = {**item, "speakers": [str(s) for s in item.get("speakers") or []],
              "documents": ", ".join(str(d) for d in item.get("documents") or [])}
    return _agenda_page(event_id, values, {}, item_id)


@bp.route("/events/<int:event_id>/agenda/<int:item_id>/edit", methods=["POST"])
@require_role("curator")
def update_item(event_id: int, item_id: int):
    values = _item_values()

    def save(db):
        event = _event_or_404(db, event_id)
        _item_or_404(event, item_id)
        return agenda_ops.save_item(db, event, values, g.viewer.name, item_id)

    return save_or_show(save, lambda errors: _agenda_page(event_id, values, errors, item_id, 422),
                        gettext("Agenda item saved."), lambda _: url_for("events.agenda", event_id=event_id))


@bp.route("/events/<int:event_id>/agenda/<int:item_id>/delete", methods=["POST"])
@require_role("curator")
def delete_item(event_id: int, item_id: int):
    with kb().session() as db:
        event = _event_or_404(db, event_id)
        _item_or_404(event, item_id)
        agenda_ops.delete_item(db, event, item_id, g.viewer.name)
    flash(gettext("Agenda item removed."))
    return redirect(url_for("events.agenda", event_id=event_id), code=303)


@bp.route("/events/<int:event_id>/participants")
@require_role("curator")
def participants_page(event_id: int):
    rows = _participants_json(event_id)
    with kb().session() as db:
        event = event_json(_event_or_404(db, event_id))
    counts = {status: sum(r["status"] == status for r in rows) for status in ("confirmed", "waitlisted", "cancelled")}
    return render_template("events/participants.html", event=event, rows=rows, counts=counts)
