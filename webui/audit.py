"""The audit trail for curators: history of a record, and the trash to restore from."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from kb import audit as audit_log
from kb.models import Case, Collection, Source
from webui.auth import require_role
from webui.context import kb

bp = Blueprint("audit", __name__, url_prefix="/audit")
ENTITIES = ("case", "collection", "source")


@bp.route("/")
@require_role("curator")
def recent():
    with kb().session() as db:
        events = [audit_log.event_json(e) for e in audit_log.history(db, limit=200)]
    return render_template("audit/history.html", events=events, title="Recent changes")


@bp.route("/<any(case, collection, source):entity>/<int:entity_id>")
@require_role("curator")
def history(entity: str, entity_id: int):
    with kb().session() as db:
        events = [audit_log.event_json(e) for e in audit_log.history(db, entity, entity_id)]
    return render_template("audit/history.html", events=events, title=f"History of {entity} {entity_id}")


@bp.route("/trash")
@require_role("curator")
def trash():
    with kb().session() as db:
        deleted = {name: list(db.scalars(select(model).where(model.deleted_at.is_not(None))
                                         .order_by(model.deleted_at.desc()).limit(200)))
                   for name, model in (("cases", Case), ("collections", Collection), ("sources", Source))}
        db.expunge_all()
    return render_template("audit/trash.html", deleted=deleted)
