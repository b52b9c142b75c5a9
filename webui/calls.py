"""Calls and opportunities: the /calls list with its facets, call pages, curator forms, feeds and the API.

Open calls come first, then upcoming ones, by deadline; closed ones last. The
facets narrow by network, by eligible country (a call open to every country
counts for each) and by theme. Anyone may subscribe to an Atom feed of calls
or an iCalendar feed of their deadlines, of all networks or of one.
Curators add and edit calls in a form or through ``POST /api/calls``; every
change goes through ``kb.calls`` and is audited there.
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Blueprint, Response, abort, g, jsonify, render_template, request, url_for
from flask_babel import gettext, lazy_gettext

from kb.call_feeds import calls_atom, deadlines_ics
from kb.calls import FIELDS, STATUSES, call_status, create_call, deadline_in_utc, update_call
from kb.errors import FieldErrors
from kb.fields import whole_number
from kb.models import Call, Organisation, utcnow
from kb.moments import time_zones
from kb.networks import list_networks
from webui.auth import require_role
from webui.context import kb
from webui.errors import refused_fields
from webui.forms import form_values, save_or_show
from webui.i18n import country_name, theme_label, ui_language
from webui.links import absolute_request_url, absolute_url, link_host
from webui.networks import STATUS_ORDER, ordered_calls
from webui.search import FACET_VISIBLE, FacetGroup, FacetValue, toggle_url

bp = Blueprint("calls", __name__)
STATUS_NAMES = {"upcoming": lazy_gettext("upcoming"), "open": lazy_gettext("open"), "closed": lazy_gettext("closed")}
FACET_TITLES = {"status": lazy_gettext("Status"), "network": lazy_gettext("Network or programme"),
                "country": lazy_gettext("Open to applicants from"), "theme": lazy_gettext("Theme")}
CALL_FACETS = ("status", "network", "country", "theme")
ANY_COUNTRY = "any"


def deadline_text(deadline: str, zone: str) -> str:
    """A deadline as people read it in the UI language, in the call's own time zone."""
    moment = datetime.fromisoformat(deadline)
    tz = ZoneInfo(zone) if zone in time_zones() else moment.tzinfo
    return f"{format_datetime(moment, 'd MMMM y, HH:mm', tzinfo=tz, locale=ui_language())} ({zone})"


@bp.app_context_processor
def call_helpers():
    return {"status_name": lambda status: str(STATUS_NAMES.get(status, status)), "deadline_text": deadline_text}


def call_json(call: Call, network: Organisation | None, now: datetime | None = None) -> dict:
    return {"id": call.id, "title": call.title, "network": {"id": network.id, "name": network.name,
                                                          "kind": network.kind} if network else None,
            "deadline": call.deadline, "deadline_utc": deadline_in_utc(call), "zone": call.zone,
            "opens": call.opens, "status": call_status(call, now), "url": call.url, "eligibility": call.eligibility,
            "countries": list(call.countries or []), "themes": list(call.themes or []), "description": call.description,
            "example": call.example}


def _networks_by_id(db) -> dict[int, Organisation]:
    return {n.id: n for n in list_networks(db)}


def _call_or_404(db, call_id: int) -> Call:
    call = db.get(Call, call_id)
    if call is None:
        abort(404, gettext("There is no call %(id)s.", id=call_id))
    return call


def _network_filter() -> int | None:
    raw = request.args.get("network")
    if raw in (None, ""):
        return None
    number = whole_number(raw)
    if number is None:
        abort(400, "parameter 'network' must be a network's id")
    return number


def _matches(call: Call, status: str, filters: dict[str, list[str]]) -> dict[str, bool]:
    """Whether the call passes each facet's filter (facets combine with AND, values within one with OR)."""
    values = {"status": [status], "network": [str(call.network_id)],
              "country": list(call.countries or []) or None, "theme": list(call.themes or [])}
    passes = {}
    for name in CALL_FACETS:
        wanted = filters.get(name)
        if name == "country" and values[name] is None:  # open to every country: passes any country filter
            passes[name] = True
        else:
            passes[name] = not wanted or bool(set(wanted) & set(values[name] or []))
    return passes


def _facet_groups(rows, filters, networks) -> list[FacetGroup]:
    """Each facet counted over the calls that pass the other facets' filters."""
    counts: dict[str, dict[str, int]] = {name: {} for name in CALL_FACETS}
    for call, status in rows:
        passes = _matches(call, status, filters)
        keys = {"status": [status], "network": [str(call.network_id)],
                "country": list(call.countries or []) or [ANY_COUNTRY], "theme": list(call.themes or [])}
        for name in CALL_FACETS:
            if all(ok for other, ok in passes.items() if other != name):
                for key in keys[name]:
                    counts[name][key] = counts[name].get(key, 0) + 1
    names = _value_names(networks)
    labels = {"status": lambda v: _capitalised(names["status"](v)), "network": names["network"],
              "country": lambda v: gettext("any country") if v == ANY_COUNTRY else country_name(v),
              "theme": lambda v: _capitalised(theme_label(v))}
    groups = []
    for name in CALL_FACETS:
        chosen = filters.get(name, [])
        items = [FacetValue(v, labels[name](v), c, v in chosen, toggle_url(name, v) if v != ANY_COUNTRY else "")
                 for v, c in counts[name].items()]
        if name == "status":  # in the order of a call's life: open, upcoming, closed
            items.sort(key=lambda i: STATUS_ORDER.get(i.value, 3))
        else:
            items.sort(key=lambda i: (i.value == ANY_COUNTRY, not i.active, -i.count, i.label.lower()))
        if items:
            groups.append(FacetGroup(name, str(FACET_TITLES[name]), items[:FACET_VISIBLE], items[FACET_VISIBLE:],
                                     False))
    return groups


def _value_names(networks) -> dict:
    """Per facet, the name of one of its values as a chip shows it (a network's id gives its name)."""
    return {"status": lambda v: str(STATUS_NAMES.get(v, v)),
            "network": lambda v: networks[int(v)].name if v.isdigit() and int(v) in networks else v,
            "country": country_name, "theme": theme_label}


def _capitalised(label: str) -> str:
    return label[:1].upper() + label[1:]


@bp.route("/calls")
def index():
    """Calls, open ones first, with facets by status, network, eligible country and theme."""
    filters = {name: [v for v in request.args.getlist(name) if v][:20] for name in CALL_FACETS}
    filters = {k: v for k, v in filters.items() if v}
    with kb().session() as db:
        networks = _networks_by_id(db)
        rows = ordered_calls(db.query(Call).all())
        db.expunge_all()
    shown = [(c, s) for c, s in rows if all(_matches(c, s, filters).values())]
    names = _value_names(networks)
    selected = [(name, value, names[name](value)) for name, values in filters.items() for value in values]
    feed_query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k in ("network", "status")])
    return render_template("calls/index.html", calls=shown, networks=networks,
                           facets=_facet_groups(rows, filters, networks), selected=selected,
                           facet_titles={k: str(v) for k, v in FACET_TITLES.items()},
                           feed_query=feed_query, any_country=ANY_COUNTRY)


@bp.route("/calls/<int:call_id>")
def show(call_id: int):
    with kb().session() as db:
        call = _call_or_404(db, call_id)
        network = db.get(Organisation, call.network_id)
        data = call_json(call, network)
    return render_template("calls/show.html", call=data)


def _feed_calls(db) -> list[Call]:
    """The calls a feed holds: of one network when ``?network=`` names one, of one status when asked."""
    network_id, status = _network_filter(), request.args.get("status")
    if status not in (None, "", *STATUSES):
        abort(400, f"parameter 'status' must be one of {', '.join(STATUSES)}")
    query = db.query(Call)
    if network_id is not None:
        query = query.filter(Call.network_id == network_id)
    return [c for c in query.order_by(Call.deadline_utc).all() if not status or call_status(c) == status]


@bp.route("/calls.atom")
def atom():
    """An Atom feed of calls (?network=ID for one network's, ?status=open for open ones)."""
    with kb().session() as db:
        calls, networks = _feed_calls(db), _networks_by_id(db)
        title = _feed_title(networks)
        body = calls_atom(calls, {i: n.name for i, n in networks.items()}, title, absolute_request_url(),
                          absolute_url("calls.index"), lambda call_id: absolute_url("calls.show", call_id=call_id),
                          utcnow())
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@bp.route("/calls.ics")
def calendar():
    """An iCalendar feed of call deadlines (?network=ID for one network's)."""
    with kb().session() as db:
        calls, networks = _feed_calls(db), _networks_by_id(db)
        body = deadlines_ics(calls, {i: n.name for i, n in networks.items()}, _feed_title(networks),
                             lambda call_id: absolute_url("calls.show", call_id=call_id), utcnow(), host=link_host())
    return Response(body, content_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="casebook-calls.ics"'})


def _feed_title(networks: dict[int, Organisation]) -> str:
    network_id = _network_filter()
    if network_id in networks:
        return f"Casebook: calls of {networks[network_id].name}"
    return "Casebook: calls and opportunities"


@bp.route("/api/calls")
def api_list():
    """Calls ordered by deadline (?status=upcoming|open|closed, ?network=ID): [{"id", "title", "network",
    "deadline", "status", "url", ...}]."""
    with kb().session() as db:
        networks = _networks_by_id(db)
        calls = _feed_calls(db)
        now = utcnow()
        return jsonify([call_json(c, networks.get(c.network_id), now) for c in calls])


@bp.route("/api/calls/<int:call_id>")
def api_show(call_id: int):
    with kb().session() as db:
        call = _call_or_404(db, call_id)
        return jsonify(call_json(call, db.get(Organisation, call.network_id)))


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "Send a JSON object with Content-Type: application/json.")
    return data


@bp.route("/api/calls", methods=["POST"])
@require_role("curator")
def api_create():
    """Add a call: 201 {"id", "status"}; 422 with a message per field (a missing or unreadable deadline...)."""
    data = _json_body()
    try:
        with kb().session() as db:
            call = create_call(db, data, g.viewer.name)
            body = {"id": call.id, "status": call_status(call)}
    except FieldErrors as exc:
        raise refused_fields(exc) from None
    return jsonify(body), 201


@bp.route("/api/calls/<int:call_id>", methods=["PUT"])
@require_role("curator")
def api_update(call_id: int):
    """Replace a call's fields (the same body as POST): 200 with the call; 422 with a message per field."""
    data = _json_body()
    try:
        with kb().session() as db:
            call = update_call(db, _call_or_404(db, call_id), data, g.viewer.name)
            body = call_json(call, db.get(Organisation, call.network_id))
    except FieldErrors as exc:
        raise refused_fields(exc) from None
    return jsonify(body)


def _call_form(call_id: int | None, values: dict, errors: dict, status: int = 200):
    with kb().session() as db:
        networks = [(n.id, n.name) for n in list_networks(db)]
    return render_template("calls/form.html", call_id=call_id, values=values, errors=errors, networks=networks,
                           zones=[(z, z.replace("_", " ")) for z in time_zones()]), status


def _local(moment_utc: datetime | None, zone: str) -> str:
    if moment_utc is None:
        return ""
    return moment_utc.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def _call_values(call: Call) -> dict:
    zone = call.zone if call.zone in time_zones() else "UTC"
    return {"title": call.title, "network_id": str(call.network_id), "description": call.description,
            "eligibility": call.eligibility, "countries": ", ".join(call.countries or []),
            "themes": "; ".join(theme_label(t) for t in call.themes or []), "url": call.url, "zone": zone,
            "opens": _local(call.opens_utc, zone), "deadline": _local(call.deadline_utc, zone),
            "example": "yes" if call.example else ""}


def _submission() -> dict:
    return {**form_values(request.form, FIELDS), "example": request.form.get("example") == "yes"}


@bp.route("/calls/new")
@require_role("curator")
def new_call():
    return _call_form(None, {"zone": "Europe/Brussels", "network_id": request.args.get("network") or ""}, {})


@bp.route("/calls", methods=["POST"])
@require_role("curator")
def create():
    values = _submission()
    return save_or_show(lambda db: create_call(db, values, g.viewer.name).id,
                        lambda errors: _call_form(None, values, errors, 422), gettext("Call saved."),
                        lambda call_id: url_for("calls.show", call_id=call_id))


@bp.route("/calls/<int:call_id>/edit")
@require_role("curator")
def edit(call_id: int):
    with kb().session() as db:
        values = _call_values(_call_or_404(db, call_id))
    return _call_form(call_id, values, {})


@bp.route("/calls/<int:call_id>/edit", methods=["POST"])
@require_role("curator")
def update(call_id: int):
    values = _submission()
    return save_or_show(lambda db: update_call(db, _call_or_404(db, call_id), values, g.viewer.name),
                        lambda errors: _call_form(call_id, values, errors, 422), gettext("Call saved."),
                        lambda _: url_for("calls.show", call_id=call_id))

