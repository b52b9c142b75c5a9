"""Workshops: event pages, registration without an account, cancel links, calendar files.

The online link is shown only to registered participants (through their personal
link) and to organisers; participant lists (with emails) only to curators and
admins. A honeypot field and a per-address rate limit keep automated sign-ups out.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, current_app, g, jsonify, redirect, render_template, request, url_for

from kb.calendar import event_ics
from kb.errors import InputError
from kb.events import Event, Registration, cancel, create_event, hash_token, participants, register
from kb.models import utcnow
from webui.auth import LoginThrottle, public_write, require_role
from webui.context import kb

bp = Blueprint("events", __name__)
HONEYPOT = "website"
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
        abort(404, f"There is no event {event_id}.")
    return event


def _is_organiser() -> bool:
    viewer = g.get("viewer")
    return viewer is not None and viewer.at_least("curator")


def _throttled() -> bool:
    extensions = current_app.extensions["casebook"]
    if "signup_throttle" not in extensions:
        limit = current_app.config.get("SIGNUPS_PER_ADDRESS", SIGNUPS_PER_ADDRESS)
        extensions["signup_throttle"] = LoginThrottle(limit=limit, window=600.0)
    throttle, key = extensions["signup_throttle"], f"signup:{request.remote_addr}"
    if throttle.retry_after(key):
        return True
    throttle.failed(key)  # counts every attempt, successful or not
    return False


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
                      "cancel_url": url_for("events.cancel_page", token=token, _external=True),
                      "personal_url": url_for("events.personal", token=token, _external=True)}
    except LookupError as exc:
        return None, str(exc), 404
    except InputError as exc:
        return None, str(exc), 422
    return result, None, 201


@bp.route("/events")
def index():
    with kb().session() as db:
        events = [event_json(e) for e in db.query(Event).order_by(Event.starts_utc.desc()).all()]
    return render_template("events/index.html", events=events)


@bp.route("/events/<int:event_id>")
def show(event_id: int):
    with kb().session() as db:
        event = event_json(_event_or_404(db, event_id), with_link=_is_organiser())
    return render_template("events/show.html", event=event, honeypot=HONEYPOT)


@bp.route("/events/<int:event_id>/register", methods=["POST"])
@public_write
def register_form(event_id: int):
    data = {k: request.form.get(k) for k in ("name", "email", "organisation", "attendance", HONEYPOT)}
    data["consent"] = request.form.get("consent") == "yes"
    result, error, status = _sign_up(event_id, data)
    if error:
        with kb().session() as db:
            event = event_json(_event_or_404(db, event_id))
        return render_template("events/show.html", event=event, honeypot=HONEYPOT, error=error, form=data), status
    return redirect(result["personal_url"], code=303)


@bp.route("/events/registration/<token>")
def personal(token: str):
    """A participant's own page: status, the online link, the cancel button."""
    with kb().session() as db:
        registration = db.query(Registration).filter_by(cancel_hash=hash_token(token)).one_or_none()
        if registration is None:
            abort(404, "This personal link is not valid (any more).")
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
        body = event_ics(event, url_for("events.show", event_id=event_id, _external=True), utcnow(),
                         host=request.host.split(":")[0] or "casebook")
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
    writer.writerows(rows)
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
