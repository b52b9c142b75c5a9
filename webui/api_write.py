"""The writing side of the JSON API: sources, collections (bearer tokens only).

Reads answer to the session cookie too; writes need ``Authorization: Bearer``.
Refused input answers 422 with a JSON message, never a 500.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request

from kb import cases as case_ops
from kb import audit
from kb.collections import (CollectionError, add_item, can_edit, can_view, collection_json, create_collection,
                            delete_collection, reorder, restore_collection, update_collection, visible_collections)
from kb.errors import InputError
from kb.models import Case, Collection, Source, User
from kb.networks import networks_of
from kb.source_queue import DuplicateSource, register_source, source_json, sources_for_listing
from webui.audit import readable_by
from webui.auth import require_role
from webui.cases import case_visible
from webui.context import kb, settings
from webui.errors import Refused
from webui.links import absolute_url

bp = Blueprint("api_write", __name__, url_prefix="/api")


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "Send a JSON object with Content-Type: application/json.")
    return data


def _text(data: dict, name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        abort(422, f"{name!r} must be a string")
    return value


@bp.route("/sources", methods=["POST"])
@require_role("researcher")
def create_source():
    """Register a source: 201 {"id", "status": "queued"}; 422 for a refused URL."""
    data = json_body()
    fields = {name: data.get(name) for name in ("include", "exclude", "tags")}
    for name, value in fields.items():
        if value is not None and not (isinstance(value, str) or
                                      isinstance(value, list) and all(isinstance(v, str) for v in value)):
            abort(422, f"{name!r} must be a list of strings")
    with kb().session() as db:
        try:
            source = register_source(db, _text(data, "url") or "", _text(data, "name"), g.viewer.name,
                                     why=_text(data, "why"), allow_private=settings().allow_private_hosts, **fields)
        except DuplicateSource as exc:
            raise Refused(409, str(exc), id=exc.source_id) from None
        except InputError as exc:
            abort(422, str(exc))
        return jsonify({"id": source.id, "status": source.status}), 201


@bp.route("/sources")
@require_role("researcher")
def list_sources_api():
    """Registered sources with their crawl status (done, failed with the reason, pages stored)."""
    with kb().session() as db:
        return jsonify({"sources": [source_json(s) for s in sources_for_listing(db)]})


@bp.route("/sources/<int:source_id>")
@require_role("researcher")
def show_source(source_id: int):
    with kb().session() as db:
        source = db.get(Source, source_id)
        if source is None or source.deleted_at is not None:
            abort(404, f"There is no source {source_id}.")
        return jsonify(source_json(source))


def _collection_for(db, collection_id: int, edit: bool = False) -> Collection:
    collection = db.get(Collection, collection_id)
    if collection is None or not can_view(db, collection, g.viewer, request.args.get("key")):
        abort(404, f"There is no collection {collection_id}.")
    if edit and not can_edit(db, collection, g.viewer):
        abort(403, "Only this collection's curators and admins may change it.")
    return collection


@bp.route("/collections", methods=["POST"])
@require_role("curator")
def create_collection_api():
    """Create a collection: 201 {"id"}; 422 for a missing title or a bad visibility."""
    data = json_body()
    with kb().session() as db:
        try:
            collection = create_collection(db, data, db.get(User, g.viewer.id), g.viewer.name)
        except CollectionError as exc:
            abort(422, str(exc))
        body = {"id": collection.id, "visibility": collection.visibility}
        if collection.visibility == "unlisted":  # the creator gets the link that opens it
            body["share_url"] = absolute_url("collections.show", collection_id=collection.id, key=collection.share_key)
        return jsonify(body), 201


@bp.route("/collections/<int:collection_id>")
def show_collection(collection_id: int):
    """A collection with its items; a private one is 404 to all but its curators and admins."""
    with kb().session() as db:
        collection = _collection_for(db, collection_id)
        return jsonify(collection_json(db, collection, for_curators=can_edit(db, collection, g.viewer)))


@bp.route("/collections/<int:collection_id>", methods=["PATCH"])
@require_role("curator")
def update_collection_api(collection_id: int):
    data = json_body()
    with kb().session() as db:
        collection = _collection_for(db, collection_id, edit=True)
        try:
            update_collection(db, collection, data, actor=g.viewer.name)
        except CollectionError as exc:
            abort(422, str(exc))
        return jsonify(collection_json(db, collection, for_curators=True))


@bp.route("/collections/<int:collection_id>", methods=["DELETE"])
@require_role("curator")
def delete_collection_api(collection_id: int):
    with kb().session() as db:
        delete_collection(db, _collection_for(db, collection_id, edit=True), actor=g.viewer.name)
    return "", 204


@bp.route("/collections/<int:collection_id>/items", methods=["POST"])
@require_role("curator")
def add_collection_item(collection_id: int):
    """Add {"document_id": N} or {"case_id": N}, with an optional "note": 201 {"id"}."""
    data = json_body()
    ids = {}
    for name in ("document_id", "case_id"):
        value = data.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            abort(422, f"{name!r} must be a whole number")
        ids[name] = value
    with kb().session() as db:
        collection = _collection_for(db, collection_id, edit=True)
        try:
            item = add_item(db, collection, **ids, note=_text(data, "note") or "", added_by=g.viewer.name,
                            actor=g.viewer.name)
        except CollectionError as exc:
            abort(422, str(exc))
        return jsonify({"id": item.id, "position": item.position}), 201


@bp.route("/collections")
def list_collections_api():
    """Public collections, plus the viewer's own (all of them for admins); never unlisted ones of others."""
    with kb().session() as db:
        return jsonify({"collections": [{"id": c.id, "title": c.title, "visibility": c.visibility}
                                        for c in visible_collections(db, g.viewer)]})


@bp.route("/collections/<int:collection_id>/order", methods=["POST"])
@require_role("curator")
def reorder_collection(collection_id: int):
    """{"items": [item ids in the new order]}: every item once."""
    items = json_body().get("items")
    if not isinstance(items, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        abort(422, "'items' must be a list of item ids")
    with kb().session() as db:
        collection = _collection_for(db, collection_id, edit=True)
        try:
            reorder(db, collection, items, actor=g.viewer.name)
        except CollectionError as exc:
            abort(422, str(exc))
        return jsonify(collection_json(db, collection, for_curators=True))


def _case_for(db, case_id: int) -> Case:
    case = db.get(Case, case_id)
    if case is None or not case_visible(case):
        abort(404, f"There is no case {case_id}.")
    return case


@bp.route("/cases", methods=["POST"])
@require_role("researcher")
def create_case_api():
    """Propose a case (a curator's is validated at once): 201 {"id", "review_state"}; 422 for bad fields."""
    data = json_body()
    with kb().session() as db:
        try:
            case = case_ops.create_case(db, data, g.viewer)
        except InputError as exc:
            abort(422, str(exc))
        return jsonify({"id": case.id, "review_state": case.review_state}), 201


@bp.route("/cases/<int:case_id>")
def show_case(case_id: int):
    """One case, with the networks and programmes it came out of."""
    with kb().session() as db:
        data = case_ops.case_json(_case_for(db, case_id), for_contributors=g.viewer is not None)
        data["networks"] = [{"id": n.id, "name": n.name, "kind": n.kind} for n in networks_of(db, "cases", case_id)]
        return jsonify(data)


@bp.route("/cases/<int:case_id>/review", methods=["POST"])
@require_role("curator")
def review_case(case_id: int):
    """{"decision": "validate"} or {"decision": "reject", "reason": "..."}."""
    data = json_body()
    with kb().session() as db:
        case = _case_for(db, case_id)
        try:
            if data.get("decision") == "validate":
                case_ops.validate_case(db, case, g.viewer)
            elif data.get("decision") == "reject":
                case_ops.reject_case(db, case, g.viewer, _text(data, "reason") or "")
            else:
                abort(422, "decision must be 'validate' or 'reject'")
        except InputError as exc:
            abort(422, str(exc))
        return jsonify(case_ops.case_json(case))


@bp.route("/collections/<int:collection_id>/restore", methods=["POST"])
@require_role("curator")
def restore_collection_api(collection_id: int):
    """Undo the latest deletion, from the audit trail: the collection as it was."""
    with kb().session() as db:
        collection = db.get(Collection, collection_id)
        allowed = can_edit(db, collection, g.viewer) if collection else g.viewer.at_least("admin")
        if not allowed:
            abort(404 if collection is None or not can_view(db, collection, g.viewer, request.args.get("key")) else 403,
                  f"There is no deleted collection {collection_id} you may restore.")
        try:
            restored = restore_collection(db, collection_id, g.viewer.name)
        except CollectionError as exc:
            abort(409, str(exc))
        return jsonify(collection_json(db, restored, for_curators=True))


@bp.route("/audit")
@require_role("curator")
def audit_events():
    """GET /api/audit?entity=collection&id=3&limit=100: the events the viewer may read, newest first."""
    entity = request.args.get("entity") or None
    if entity not in (None, *audit.AUDITED):
        abort(400, f"entity must be one of {', '.join(audit.AUDITED)}")
    try:
        limit = max(1, min(1000, int(request.args.get("limit") or 100)))
    except ValueError:
        abort(400, "limit must be a whole number")
    with kb().session() as db:
        events = audit.history(db, entity, request.args.get("id") or None, limit, keep=readable_by(db, g.viewer))
        return jsonify({"events": [audit.event_json(e) for e in events]})
