"""Network and programme pages: what they are, who may join, members, cases, events and calls.

Anyone reads them; curators edit the profile in the organisation form and the
links (members, cases, events) in a form of their own, each change audited by
``kb.networks``. ``GET /api/networks`` lists them for machines.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext

from kb.calls import call_status
from kb.errors import InputError
from kb.fields import whole_number
from kb.models import Call, Event, Organisation
from kb.networks import LINKS, get_network, linked_ids, linked_rows, list_networks, network_json, set_links
from webui.auth import require_role
from webui.cases import case_visible
from webui.context import kb
from webui.i18n import ORG_KIND_NAMES

bp = Blueprint("networks", __name__)
STATUS_ORDER = {"open": 0, "upcoming": 1, "closed": 2}


def _network_or_404(db, network_id: int) -> Organisation:
    try:
        return get_network(db, network_id)
    except LookupError:
        abort(404, gettext("There is no network or programme %(id)s.", id=network_id))


def ordered_calls(calls: list[Call]) -> list[tuple[Call, str]]:
    """(call, status) with open calls first, then upcoming ones, by deadline; closed ones last, latest first."""
    rows = [(call, call_status(call)) for call in calls]
    return sorted(rows, key=lambda row: (STATUS_ORDER[row[1]], (-1 if row[1] == "closed" else 1)
                                         * row[0].deadline_utc.timestamp()))


@bp.route("/networks")
def index():
    with kb().session() as db:
        rows = []
        for network in list_networks(db):
            calls = db.query(Call).filter_by(network_id=network.id).all()
            rows.append({"id": network.id, "name": network.name, "kind": network.kind, "country": network.country,
                         "members": len(linked_ids(db, network.id, "members")),
                         "cases": len(linked_ids(db, network.id, "cases")),
                         "open_calls": sum(call_status(c) == "open" for c in calls)})
    return render_template("networks/index.html", networks=rows, kind_names=ORG_KIND_NAMES)


@bp.route("/networks/<int:network_id>")
def show(network_id: int):
    with kb().session() as db:
        network = _network_or_404(db, network_id)
        data = network_json(db, network, case_visible)
        events = [(e.id, e.title, e.starts) for e in linked_rows(db, network_id, "events")]
        rows = ordered_calls(db.query(Call).filter_by(network_id=network_id).all())
        calls = [{"id": c.id, "title": c.title, "status": s, "deadline": c.deadline, "zone": c.zone,
                  "example": c.example} for c, s in rows]
    return render_template("networks/show.html", network=data, events=events, calls=calls, kind_names=ORG_KIND_NAMES)


@bp.route("/api/networks")
def api_list():
    """Networks and programmes: [{"id", "name", "kind", "members", "cases", "join_url"}], by name."""
    with kb().session() as db:
        return jsonify([_api_row(network_json(db, n, case_visible)) for n in list_networks(db)])


def _api_row(data: dict) -> dict:
    keys = ("id", "name", "kind", "members", "cases", "join_url", "who_may_join", "website", "country")
    return {key: data[key] for key in keys}


@bp.route("/api/networks/<int:network_id>")
def api_show(network_id: int):
    """One network or programme with its members, cases, events and calls."""
    with kb().session() as db:
        network = _network_or_404(db, network_id)
        data = network_json(db, network, case_visible)
        data["events"] = [{"id": e.id, "title": e.title, "starts": e.starts} for e in linked_rows(db, network_id,
                                                                                                  "events")]
        data["calls"] = [{"id": c.id, "title": c.title, "deadline": c.deadline, "status": s}
                         for c, s in ordered_calls(db.query(Call).filter_by(network_id=network_id).all())]
    return jsonify(data)


@bp.route("/api/networks/<int:network_id>/links", methods=["PUT"])
@require_role("curator")
def api_set_links(network_id: int):
    """Replace the members, cases or events of a network: {"members": [ids], "cases": [ids], "events": [ids]}."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "Send a JSON object with Content-Type: application/json.")
    with kb().session() as db:
        network = _network_or_404(db, network_id)
        try:
            for link in LINKS:
                if link in data:
                    ids = data[link]
                    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                                            for i in ids):
                        abort(422, f"{link!r} must be a list of ids")
                    set_links(db, network, link, data[link], g.viewer.name)
        except InputError as exc:
            abort(422, str(exc))
        return jsonify(network_json(db, network))


def _links_page(network_id: int, values: dict, error: str | None = None, status: int = 200):
    with kb().session() as db:
        network = _network_or_404(db, network_id)
        organisations = [(o.id, o.name) for o in db.query(Organisation).filter(Organisation.id != network_id)
                         .order_by(Organisation.name)]
        events = [(e.id, e.title) for e in db.query(Event).order_by(Event.starts_utc.desc())]
        name = network.name
    return render_template("networks/links.html", network_id=network_id, name=name, organisations=organisations,
                           events=events, values=values, error=error), status


@bp.route("/networks/<int:network_id>/links")
@require_role("curator")
def edit_links(network_id: int):
    with kb().session() as db:
        _network_or_404(db, network_id)
        values = {link: linked_ids(db, network_id, link) for link in LINKS}
    return _links_page(network_id, {**values, "cases": ", ".join(map(str, values["cases"]))})


def _ids(raw: list[str]) -> list[int]:
    return [n for n in (whole_number(v) for v in raw) if n is not None]


@bp.route("/networks/<int:network_id>/links", methods=["POST"])
@require_role("curator")
def save_links(network_id: int):
    case_text = request.form.get("cases") or ""
    wanted = {"members": _ids(request.form.getlist("members")), "events": _ids(request.form.getlist("events")),
              "cases": _ids(case_text.replace(",", " ").split())}
    unreadable = [v for v in case_text.replace(",", " ").split() if whole_number(v) is None]
    values = {**wanted, "cases": case_text}
    if unreadable:
        return _links_page(network_id, values, gettext("Case numbers separated by commas; not a number: %(value)s",
                                                       value=", ".join(unreadable[:10])), 422)
    try:
        with kb().session() as db:
            network = _network_or_404(db, network_id)
            for link in LINKS:
                set_links(db, network, link, wanted[link], g.viewer.name)
    except InputError:
        return _links_page(network_id, values, gettext("Some of these cases, members or events do not exist."), 422)
    flash(gettext("Members, cases and events saved."))
    return redirect(url_for("networks.show", network_id=network_id), code=303)
