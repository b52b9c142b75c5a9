"""Source pages: register a website to crawl, follow its crawl status, import lists.

The web UI never crawls: a registered source is queued in the kb and picked up
by `kb worker`. URLs pass the SSRF guard of ``kb.urlcheck`` first.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext

from kb import source_queue
from kb.errors import InputError
from kb.models import Source
from webui.auth import require_role
from webui.context import kb, settings

bp = Blueprint("sources", __name__, url_prefix="/sources")
MAX_UPLOAD = 5 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".json", ".jsonl")
# source_queue.STATUS_LABELS as people read them in the UI language (the labels stay codes in the API).
STATUS_NAMES = {"queued": lazy_gettext("queued"), "crawling": lazy_gettext("crawling"), "done": lazy_gettext("done"),
                "failed": lazy_gettext("failed"), "paused": lazy_gettext("paused")}


@bp.context_processor
def source_labels():
    return {"status_name": lambda label: str(STATUS_NAMES.get(label, label))}


@bp.route("/")
@require_role("researcher")
def list_sources():
    show_deleted = request.args.get("deleted") == "1" and g.viewer.at_least("curator")
    with kb().session() as db:
        rows = [(s, source_queue.status_label(s)) for s in source_queue.sources_for_listing(db, show_deleted)]
        db.expunge_all()
    waiting = sum(1 for s, label in rows if label == "queued" and s.last_crawl_at is None and not s.deleted_at)
    return render_template("sources/list.html", rows=rows, show_deleted=show_deleted, waiting=waiting,
                           report=None)


@bp.route("/<int:source_id>")
@require_role("researcher")
def show(source_id: int):
    """One source: scope, schedule, pages stored, and the last crawl's outcomes by reason."""
    from sqlalchemy import func, select

    from kb.models import CrawlJob, CrawlUrl

    with kb().session() as db:
        source = db.get(Source, source_id)
        if source is None or (source.deleted_at and not g.viewer.at_least("curator")):
            abort(404, gettext("There is no source %(id)s.", id=source_id))
        job = db.scalars(select(CrawlJob).where(CrawlJob.source_id == source_id)
                         .order_by(CrawlJob.id.desc()).limit(1)).first()
        reasons = dict(db.execute(select(CrawlUrl.reason, func.count()).where(
            CrawlUrl.job_id == job.id, CrawlUrl.reason.is_not(None)).group_by(CrawlUrl.reason)).all()) if job else {}
        label = source_queue.status_label(source)
        db.expunge_all()
    return render_template("sources/show.html", source=source, label=label, job=job,
                           reasons=dict(sorted(reasons.items(), key=lambda kv: -kv[1])))


def _register(db, record: dict):
    return source_queue.register_source(
        db, str(record.get("url") or ""), record.get("name") and str(record.get("name")), g.viewer.name,
        include=record.get("include"), exclude=record.get("exclude"), tags=record.get("tags"),
        why=record.get("why") and str(record.get("why")), allow_private=settings().allow_private_hosts)


@bp.route("/", methods=["POST"])
@require_role("researcher")
def add():
    form = {name: request.form.get(name) for name in ("url", "name", "include", "exclude", "tags", "why")}
    with kb().session() as db:
        try:
            source = _register(db, form)
        except InputError as exc:
            flash(gettext("Not added: %(reason)s", reason=exc))
            return redirect(url_for("sources.list_sources"))
        flash(gettext("Source %(id)s is queued; the crawl worker will pick it up.", id=source.id))
    return redirect(url_for("sources.list_sources"))


def uploaded_file() -> Path:
    """The uploaded file saved to a temporary path with its suffix (the caller deletes it)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400, gettext("Choose a file to upload."))
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        abort(400, gettext("Upload a file ending in %(suffixes)s.", suffixes=", ".join(UPLOAD_SUFFIXES)))
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        abort(413, gettext("The file is larger than 5 MB."))
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as handle:
        handle.write(data)
    return Path(handle.name)


@bp.route("/import", methods=["POST"])
@require_role("researcher")
def import_sources():
    """Bulk import (url, name, include, exclude, tags, why): each rejected row with its reason."""
    path = uploaded_file()
    try:
        with kb().session() as db:
            report = source_queue.import_sources(db, path, g.viewer.name, settings().allow_private_hosts).to_json()
    except InputError as exc:
        flash(str(exc))
        return redirect(url_for("sources.list_sources"))
    finally:
        path.unlink(missing_ok=True)
    with kb().session() as db:
        rows = [(s, source_queue.status_label(s)) for s in source_queue.sources_for_listing(db)]
        db.expunge_all()
    return render_template("sources/list.html", rows=rows, show_deleted=False, report=report)


def _act(source_id: int, action) -> object:
    with kb().session() as db:
        source = db.get(Source, source_id)
        if source is None:
            abort(404, gettext("There is no source %(id)s.", id=source_id))
        action(db, source, g.viewer.name)
    return redirect(url_for("sources.list_sources"))


@bp.route("/<int:source_id>/requeue", methods=["POST"])
@require_role("researcher")
def requeue(source_id: int):
    return _act(source_id, source_queue.requeue)


@bp.route("/<int:source_id>/delete", methods=["POST"])
@require_role("curator")
def delete(source_id: int):
    return _act(source_id, source_queue.delete_source)


@bp.route("/<int:source_id>/restore", methods=["POST"])
@require_role("curator")
def restore(source_id: int):
    return _act(source_id, source_queue.restore_source)
