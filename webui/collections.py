"""Collection pages: create, curate (add, reorder, annotate), share, export, feed.

Reading follows the collection's visibility; every change needs a curator who
is among the collection's curators (or an admin), and goes through
``kb.collections`` so it is audited.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext

from kb import collections as coll
from kb.collection_export import EXPORT_FORMATS, atom_feed, export_collection, export_rows
from kb.fields import whole_number
from kb.models import Collection, User
from kb.record_ids import get_record
from webui.auth import require_role
from webui.context import kb
from webui.event_views import day_label
from webui.events import MODE_NAMES
from webui.links import absolute_url

bp = Blueprint("collections", __name__, url_prefix="/collections")
FORM_FIELDS = ("title", "description", "visibility", "event_name", "event_start", "event_end", "event_place",
               "event_mode", "agenda")
VISIBILITY_NAMES = {"private": lazy_gettext("private"), "unlisted": lazy_gettext("unlisted"),
                    "public": lazy_gettext("public")}


@bp.context_processor
def collection_labels():
    return {"visibility_name": lambda value: str(VISIBILITY_NAMES.get(value, value)),
            "mode_name": lambda value: str(MODE_NAMES.get(value, value)), "event_dates": event_dates}


def event_dates(start: str | None, end: str | None) -> str:
    """'Wednesday 21 September 2022 – Thursday 22 September 2022', in the workshops' form; one day once."""
    days = [_event_day(value) for value in dict.fromkeys(filter(None, [start, end]))]
    return " – ".join(days)


def _event_day(value: str) -> str:
    """A day as workshops show theirs, with its time when a date-time (2027-03-10T09:30) gives one."""
    return " ".join(filter(None, [day_label(value[:10]), value[11:16]]))


@bp.app_context_processor
def add_button_helpers():
    return {"my_collections": my_collections}


def my_collections() -> list[tuple[int, str]]:
    """(id, title) of the collections the viewer may add to; for the add-to-collection button."""
    viewer = g.get("viewer")
    if viewer is None or not viewer.at_least("curator"):
        return []
    if "my_collections" not in g:
        with kb().session() as db:
            g.my_collections = [(c.id, c.title) for c in coll.visible_collections(db, viewer)
                                if coll.can_edit(db, c, viewer)]
    return g.my_collections


def _get(db, collection_id: int, edit: bool = False) -> Collection:
    collection = get_record(db, Collection, collection_id)
    if collection is None or not coll.can_view(db, collection, g.viewer, request.args.get("key")):
        abort(404, gettext("There is no collection %(id)s.", id=collection_id))
    if edit and not coll.can_edit(db, collection, g.viewer):
        abort(403, gettext("Only this collection's curators and administrators may change it."))
    return collection


def _form_data() -> dict:
    return {name: request.form.get(name) for name in FORM_FIELDS if name in request.form}


def _int_field(name: str) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    number = whole_number(raw)
    if number is None:
        abort(400, gettext("%(field)s must be a whole number.", field=name))
    return number


@bp.route("/")
def list_collections():
    with kb().session() as db:
        rows = coll.visible_collections(db, g.viewer)
        mine = {c.id for c in rows if coll.can_edit(db, c, g.viewer)}
        db.expunge_all()
    return render_template("collections/list.html", collections=rows, mine=mine)


@bp.route("/new")
@require_role("curator")
def new_collection():
    return render_template("collections/form.html", collection=None, modes=coll.EVENT_MODES,
                           visibilities=coll.VISIBILITIES)


@bp.route("/", methods=["POST"])
@require_role("curator")
def create():
    with kb().session() as db:
        try:
            collection = coll.create_collection(db, _form_data(), db.get(User, g.viewer.id), g.viewer.name)
        except coll.CollectionError as exc:
            flash(str(exc))
            return redirect(url_for("collections.new_collection"))
        return redirect(url_for("collections.show", collection_id=collection.id))


@bp.route("/<int:collection_id>")
def show(collection_id: int):
    print_view = request.args.get("print") == "1"
    with kb().session() as db:
        collection = _get(db, collection_id)
        editable = coll.can_edit(db, collection, g.viewer)
        data = coll.collection_json(db, collection, for_curators=editable)
        curators = [db.get(User, uid) for uid in sorted(coll.curator_ids(db, collection_id))]
        curators = [(u.id, u.name) for u in curators if u]
        rows = export_rows(db, collection, for_curators=editable)
        deleted = collection.deleted_at is not None
        db.expunge(collection)
    template = "collections/print.html" if print_view else "collections/show.html"
    return render_template(template, collection=collection, data=data, rows=rows, editable=editable,
                           curators=curators, deleted=deleted, formats=EXPORT_FORMATS, modes=coll.EVENT_MODES,
                           visibilities=coll.VISIBILITIES)


@bp.route("/<int:collection_id>/export.<fmt>")
def export(collection_id: int, fmt: str):
    if fmt not in EXPORT_FORMATS:
        abort(404, gettext("No export as %(fmt)s; try one of %(formats)s.", fmt=fmt, formats=", ".join(EXPORT_FORMATS)))
    with kb().session() as db:
        collection = _get(db, collection_id)
        body = export_collection(db, collection, fmt, for_curators=coll.can_edit(db, collection, g.viewer))
    return Response(body, mimetype=EXPORT_FORMATS[fmt], headers={
        "Content-Disposition": f"attachment; filename=collection-{collection_id}.{fmt}"})


@bp.route("/feed.atom")
def feed():
    with kb().session() as db:
        rows = [c for c in coll.visible_collections(db, None)][:50]
        body = atom_feed(rows, absolute_url("collections.feed"),
                         lambda c: absolute_url("collections.show", collection_id=c.id))
    return Response(body, mimetype="application/atom+xml")


def _change(collection_id: int, change, *args, **kwargs):
    """Apply one audited change; a refused one is a message, never an error page."""
    with kb().session() as db:
        collection = _get(db, collection_id, edit=True)
        try:
            change(db, collection, *args, actor=g.viewer.name, **kwargs)
        except coll.CollectionError as exc:
            flash(str(exc))
    return redirect(url_for("collections.show", collection_id=collection_id))


@bp.route("/<int:collection_id>/edit", methods=["POST"])
@require_role("curator")
def edit(collection_id: int):
    return _change(collection_id, coll.update_collection, _form_data())


@bp.route("/<int:collection_id>/items", methods=["POST"])
@require_role("curator")
def add_item(collection_id: int):
    return _change(collection_id, coll.add_item, document_id=_int_field("document_id"),
                   case_id=_int_field("case_id"), note=request.form.get("note") or "", added_by=g.viewer.name)


@bp.route("/add-item", methods=["POST"])
@require_role("curator")
def add_from_results():
    """The add-to-collection button of a search result: collection chosen in the form."""
    collection_id = _int_field("collection_id")
    if collection_id is None:
        abort(400, gettext("Choose a collection."))
    return add_item(collection_id)


@bp.route("/<int:collection_id>/items/<int:item_id>/note", methods=["POST"])
@require_role("curator")
def note(collection_id: int, item_id: int):
    return _change(collection_id, coll.set_note, item_id, request.form.get("note") or "")


@bp.route("/<int:collection_id>/items/<int:item_id>/move", methods=["POST"])
@require_role("curator")
def move(collection_id: int, item_id: int):
    return _change(collection_id, coll.move_item, item_id, -1 if request.form.get("direction") == "up" else 1)


@bp.route("/<int:collection_id>/items/<int:item_id>/remove", methods=["POST"])
@require_role("curator")
def remove(collection_id: int, item_id: int):
    return _change(collection_id, coll.remove_item, item_id)


@bp.route("/<int:collection_id>/curators", methods=["POST"])
@require_role("curator")
def add_curator(collection_id: int):
    return _change(collection_id, coll.add_curator, (request.form.get("name") or "").strip()[:200])


@bp.route("/<int:collection_id>/curators/<int:user_id>/remove", methods=["POST"])
@require_role("curator")
def remove_curator(collection_id: int, user_id: int):
    return _change(collection_id, coll.remove_curator, user_id)


@bp.route("/<int:collection_id>/delete", methods=["POST"])
@require_role("curator")
def delete(collection_id: int):
    _change(collection_id, coll.delete_collection)
    flash(gettext("The collection was deleted; a curator can restore it from the trash."))
    return redirect(url_for("collections.list_collections"))


@bp.route("/<int:collection_id>/restore", methods=["POST"])
@require_role("curator")
def restore(collection_id: int):
    with kb().session() as db:
        collection = db.get(Collection, collection_id)
        allowed = coll.can_edit(db, collection, g.viewer) if collection else g.viewer.at_least("admin")
        if not allowed:
            abort(403, gettext("Only this collection's curators and administrators may restore it."))
        try:
            coll.restore_collection(db, collection_id, g.viewer.name)
        except coll.CollectionError as exc:
            abort(409, str(exc))
    return redirect(url_for("collections.show", collection_id=collection_id))
