"""Registration for a workshop without an account: the sign-up form and its JSON twin, the
participant's personal page (status, and the online link once confirmed) and the cancel link.
A honeypot field and a per-address rate limit keep automated sign-ups out. The routes sit on
the events blueprint (``webui.events`` adds them), so their endpoints are ``events.*``.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from kb.errors import InputError
from kb.events import DuplicateRegistration, cancel, hash_token, register
from kb.models import Event, Registration
from webui.auth import public_write
from webui.context import kb
from webui.event_views import HONEYPOT, event_json, show_page
from webui.links import absolute_url
from webui.throttle import shared_throttle

SIGNUPS_PER_ADDRESS = 60  # per 10 minutes: a town hall behind one NAT can still sign up its staff


def _throttled() -> bool:
    extensions = current_app.extensions["casebook"]
    if "signup_throttle" not in extensions:
        limit = current_app.config.get("SIGNUPS_PER_ADDRESS", SIGNUPS_PER_ADDRESS)
        extensions["signup_throttle"] = shared_throttle(extensions["settings"], "signup", limit=limit, window=600.0)
    throttle, key = extensions["signup_throttle"], f"signup:{request.remote_addr}"
    return throttle.reserve(key) > 0  # counts every attempt, successful or not, before it is made


def _sign_up(event_id: int, data: dict) -> dict:
    """One sign-up attempt: the registration, its status and links; a refusal is raised with its
    HTTP status (422 refused, 429 too many, 404 no such event, 409 the address holds a place)."""
    if data.get(HONEYPOT):
        abort(422, "registration refused")
    if _throttled():
        abort(429, "too many sign-ups from your address; please try again later")
    try:
        with kb().session() as db:
            registration, token = register(db, event_id, data)
            return {"id": registration.id, "status": registration.status, "event_id": event_id,
                    "cancel_url": absolute_url("events.cancel_page", token=token),
                    "personal_url": absolute_url("events.personal", token=token)}
    except LookupError as exc:
        abort(404, str(exc))
    except DuplicateRegistration as exc:
        abort(409, str(exc))
    except InputError as exc:
        abort(422, str(exc))


@public_write
def register_form(event_id: int):
    data = {k: request.form.get(k) for k in ("name", "email", "organisation", "attendance", HONEYPOT)}
    data["consent"] = request.form.get("consent") == "yes"
    try:
        result = _sign_up(event_id, data)
    except HTTPException as refusal:  # the event page again, with the message and the person's entries
        return show_page(event_id, refusal.code, error=refusal.description, form=data)
    return redirect(result["personal_url"], code=303)


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


@public_write
def api_register(event_id: int):
    """Sign up for an event: 201 with the status and links; 422, 429, 404 or 409 with the reason."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "Send a JSON object with Content-Type: application/json.")
    return jsonify(_sign_up(event_id, data)), 201


def add_routes(bp: Blueprint) -> None:
    """Add the sign-up routes to the events blueprint."""
    bp.add_url_rule("/events/<int:event_id>/register", view_func=register_form, methods=["POST"])
    bp.add_url_rule("/events/registration/<token>", view_func=personal)
    bp.add_url_rule("/events/cancel/<token>", view_func=cancel_page, methods=["GET", "POST"])
    bp.add_url_rule("/api/events/<int:event_id>/registrations", view_func=api_register, methods=["POST"])
