"""Registration for a workshop without an account: the sign-up form and its JSON twin, the
participant's personal page (status, and the online link once confirmed) and the cancel link.
A honeypot field and a per-address rate limit keep automated sign-ups out. The routes sit on
the events blueprint (``webui.events`` adds them), so their endpoints are ``events.*``.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request
from flask_babel import gettext

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


@public_write
def register_form(event_id: int):
    data = {k: request.form.get(k) for k in ("name", "email", "organisation", "attendance", HONEYPOT)}
    data["consent"] = request.form.get("consent") == "yes"
    result, error, status = _sign_up(event_id, data)
    if error:
        return show_page(event_id, status, error=error, form=data)
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
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "Send a JSON object with Content-Type: application/json.")
    result, error, status = _sign_up(event_id, data)
    if error:
        return jsonify({"status": status, "error": "Registration refused", "message": error}), status
    return jsonify(result), 201


def add_routes(bp: Blueprint) -> None:
    """Add the sign-up routes to the events blueprint."""
    bp.add_url_rule("/events/<int:event_id>/register", view_func=register_form, methods=["POST"])
    bp.add_url_rule("/events/registration/<token>", view_func=personal)
    bp.add_url_rule("/events/cancel/<token>", view_func=cancel_page, methods=["GET", "POST"])
    bp.add_url_rule("/api/events/<int:event_id>/registrations", view_func=api_register, methods=["POST"])
