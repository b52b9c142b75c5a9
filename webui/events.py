"""Workshops: the events blueprint and its public pages (the list, an event, its calendar file,
and their JSON in the API).

The online link is shown only to registered participants (through their personal
link) and to organisers; participant lists (with emails) only to curators and
admins. Sign-up without an account is ``webui.event_signup``; the curators' forms
for events, agenda and participants are ``webui.event_forms``; what they share is
``webui.event_views``. All their routes sit on this one blueprint: endpoints
``events.*``.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from kb.calendar import event_ics
from kb.events import registration_open
from kb.models import Event, utcnow
from webui import event_forms, event_signup
from webui.context import kb
from webui.event_views import MODE_NAMES, event_json, event_or_404, is_organiser, show_page
from webui.links import absolute_url, link_host

bp = Blueprint("events", __name__)


@bp.route("/events")
def index():
    now = utcnow()
    with kb().session() as db:
        rows = db.query(Event).order_by(Event.starts_utc).all()
        upcoming = [{**event_json(e), "open": registration_open(e, now)} for e in rows if e.ends_utc >= now]
        past = [event_json(e) for e in reversed(rows) if e.ends_utc < now]
    return render_template("events/index.html", upcoming=upcoming, past=past, mode_names=MODE_NAMES)


@bp.route("/events/<int:event_id>")
def show(event_id: int):
    return show_page(event_id)


@bp.route("/events/<int:event_id>.ics")
def calendar(event_id: int):
    with kb().session() as db:
        event = event_or_404(db, event_id)
        body = event_ics(event, absolute_url("events.show", event_id=event_id), utcnow(), host=link_host())
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="event-{event_id}.ics"'})


@bp.route("/api/events")
def api_list():
    with kb().session() as db:
        return jsonify([event_json(e) for e in db.query(Event).order_by(Event.starts_utc).all()])


@bp.route("/api/events/<int:event_id>")
def api_show(event_id: int):
    with kb().session() as db:
        return jsonify(event_json(event_or_404(db, event_id), with_link=is_organiser()))


event_signup.add_routes(bp)
event_forms.add_routes(bp)
