"""The audit trail for curators: history of a record, and the trash to restore from.

Reading the trail follows the visibility of the record an event describes: a
curator sees the events of collections they may read without a link (public
ones and their own), never the snapshots of another curator's private or
unlisted collection; admins see everything.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from kb import audit as audit_log
from kb.collections import can_edit
from kb.models import AuditEvent, Case, Collection, Source
from webui.auth import require_role
from webui.context import kb

bp = Blueprint("audit", __name__, url_prefix="/audit")
ENTITIES = ("case", "collection", "source")
# What the audit trail records, as people read it; an action not named here shows as its code.
ACTION_NAMES = {"create": lazy_gettext("created"), "edit": lazy_gettext("edited"), "update": lazy_gettext("edited"),
                "propose": lazy_gettext("edit proposed"), "validate": lazy_gettext("validated"),
                "reject": lazy_gettext("rejected"), "merge": lazy_gettext("merged"),
                "merged_into": lazy_gettext("merged into another case"), "unmerge": lazy_gettext("merge undone"),
                "delete": lazy_gettext("deleted"), "restore": lazy_gettext("restored"),
                "requeue": lazy_gettext("queued for crawling again"),
                "import_update": lazy_gettext("updated by import"),
                "add_item": lazy_gettext("item added"), "remove_item": lazy_gettext("item removed"),
                "note": lazy_gettext("note changed"), "reorder": lazy_gettext("items reordered"),
                "add_curator": lazy_gettext("curator added"), "remove_curator": lazy_gettext("curator removed"),
                "crawl_start": lazy_gettext("crawl started"), "crawl_done": lazy_gettext("crawled"),
                "crawl_failed": lazy_gettext("crawl failed"), "consent": lazy_gettext("consent recorded"),
                "withdraw_consent": lazy_gettext("consent withdrawn"), "erase": lazy_gettext("erased"),
                "edit_agenda": lazy_gettext("agenda changed"), "purge": lazy_gettext("participant data deleted"),
                "cancel": lazy_gettext("registration cancelled"), "disable": lazy_gettext("disabled"),
                "enable": lazy_gettext("enabled"), "set_role": lazy_gettext("role changed"),
                "link": lazy_gettext("links changed"), "close": lazy_gettext("closed")}
ENTITY_NAMES = {"case": lazy_gettext("case"), "collection": lazy_gettext("collection"),
                "source": lazy_gettext("source"), "person": lazy_gettext("person"),
                "organisation": lazy_gettext("organisation"), "event": lazy_gettext("event"),
                "registration": lazy_gettext("registrations"), "user": lazy_gettext("user"),
                "call": lazy_gettext("call")}


def readable_by(db, viewer):
    """A predicate: may ``viewer`` read this audit event (for ``kb.audit.history``'s ``keep``)?"""
    if viewer.at_least("admin"):
        return None
    decided: dict[str, bool] = {}

    def keep(event: AuditEvent) -> bool:
        if event.entity != "collection":
            return True
        if event.entity_id not in decided:
            collection = db.get(Collection, int(event.entity_id)) if (event.entity_id or "").isdigit() else None
            decided[event.entity_id] = collection is not None and (
                can_edit(db, collection, viewer)
                or (collection.visibility == "public" and collection.deleted_at is None))
        return decided[event.entity_id]
    return keep


@bp.context_processor
def audit_labels():
    return {"action_name": lambda action: str(ACTION_NAMES.get(action, action)),
            "entity_name": lambda entity: str(ENTITY_NAMES.get(entity, entity))}


@bp.route("/")
@require_role("curator")
def recent():
    with kb().session() as db:
        events = [audit_log.event_json(e) for e in audit_log.history(db, limit=200, keep=readable_by(db, g.viewer))]
    return render_template("audit/history.html", events=events, title=gettext("Recent changes"))


@bp.route("/<any(case, collection, source, call, organisation):entity>/<int:entity_id>")
@require_role("curator")
def history(entity: str, entity_id: int):
    with kb().session() as db:
        events = [audit_log.event_json(e)
                  for e in audit_log.history(db, entity, entity_id, keep=readable_by(db, g.viewer))]
    title = gettext("History of %(record)s %(id)s", record=ENTITY_NAMES[entity], id=entity_id)
    return render_template("audit/history.html", events=events, title=title)


@bp.route("/trash")
@require_role("curator")
def trash():
    with kb().session() as db:
        deleted = {name: list(db.scalars(select(model).where(model.deleted_at.is_not(None))
                                         .order_by(model.deleted_at.desc()).limit(200)))
                   for name, model in (("cases", Case), ("collections", Collection), ("sources", Source))}
        deleted["collections"] = [c for c in deleted["collections"] if can_edit(db, c, g.viewer)]
        db.expunge_all()
    return render_template("audit/trash.html", deleted=deleted)
