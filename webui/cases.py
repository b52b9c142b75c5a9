"""Case pages: read, propose and edit, review (validate or reject), merge, delete, import.

Anyone reads validated and proposed cases (only validated ones carry the badge);
researchers propose new cases and edits and see rejected ones; curators
validate, reject with a reason, merge duplicates (and undo), delete and restore.
Every change goes through ``kb.cases`` and is audited.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext
from sqlalchemy import select

from kb import cases as case_ops
from kb.case_import import import_cases
from kb.errors import InputError
from kb.fields import whole_number
from kb.models import Case, Document
from webui.auth import require_role
from webui.context import kb, settings
from webui.similar import similar_documents
from webui.sources import uploaded_file

bp = Blueprint("cases", __name__, url_prefix="/cases")
FORM_FIELDS = (*case_ops.EDITABLE,)
PAGE_SIZE = 50
REVIEW_STATE_NAMES = {"proposed": lazy_gettext("proposed"), "validated": lazy_gettext("validated"),
                      "rejected": lazy_gettext("rejected")}


@bp.context_processor
def case_labels():
    return {"review_state_name": lambda state: str(REVIEW_STATE_NAMES.get(state, state))}


def case_visible(case: Case) -> bool:
    """Whether the viewer may see a case (the pages and the API ask the same)."""
    viewer = g.get("viewer")
    if case.deleted_at is not None:
        return viewer is not None and viewer.at_least("curator")
    # Proposed cases show (without the validated badge); rejected ones only to contributors.
    return case.review_state != "rejected" or (viewer is not None and viewer.at_least("researcher"))


def _get(db, case_id: int) -> Case:
    case = db.get(Case, case_id)
    if case is None or not case_visible(case):
        abort(404, gettext("There is no case %(id)s.", id=case_id))
    return case


@bp.route("/")
def list_cases():
    state = request.args.get("state") or "validated"
    if state not in case_ops.REVIEW_STATES or (state == "rejected" and g.viewer is None):
        state = "validated"
    try:
        page = max(1, min(10_000, int(request.args.get("page") or 1)))
    except ValueError:
        page = 1
    with kb().session() as db:
        query = (select(Case).where(Case.deleted_at.is_(None), Case.merged_into.is_(None),
                                    Case.review_state == state)
                 .order_by(Case.updated_at.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
        rows = list(db.scalars(query))
        pending = (list(db.scalars(select(Case.id).where(Case.proposed_changes.is_not(None),
                                                         Case.deleted_at.is_(None))))
                   if g.viewer is not None else [])
        db.expunge_all()
    return render_template("cases/list.html", cases=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, page=page,
                           state=state, states=case_ops.REVIEW_STATES, pending=pending)


@bp.route("/<int:case_id>")
def show(case_id: int):
    from kb.people import people_linked_to

    viewer = g.get("viewer")
    with kb().session() as db:
        case = _get(db, case_id)
        db.expunge(case)
        people = people_linked_to(db, "case", case_id, public_only=not (viewer and viewer.at_least("curator")))
    return render_template("cases/show.html", case=case, people=people, like=cases_like(case))


CASES_LIKE = 6


def cases_like(case) -> list[dict]:
    """"Cases like this one": the validated cases closest in meaning, in any country and language
    (index.similar), each with its country, population band and themes so a reader can judge."""
    if not case.document_id or case.deleted_at or case.merged_into:
        return []
    text = "\n\n".join(part for part in (case.summary, ", ".join(case.technologies or [])) if part)
    return similar_documents(settings().index_dir, case.document_id, text, None, limit=CASES_LIKE,
                             doc_type="case", same_type_only=True)


def _form_data() -> dict:
    return {name: request.form.get(name) for name in FORM_FIELDS if name in request.form}


@bp.route("/new")
@require_role("researcher")
def new_case():
    return render_template("cases/form.html", case=None, values={})


@bp.route("/", methods=["POST"])
@require_role("researcher")
def create():
    values = _form_data()
    with kb().session() as db:
        try:
            case = case_ops.create_case(db, values, g.viewer)
        except InputError as exc:
            flash(str(exc))
            return render_template("cases/form.html", case=None, values=values), 422
        return redirect(url_for("cases.show", case_id=case.id))


@bp.route("/<int:case_id>/edit")
@require_role("researcher")
def edit_form(case_id: int):
    with kb().session() as db:
        case = _get(db, case_id)
        db.expunge(case)
    return render_template("cases/form.html", case=case, values={})


@bp.route("/<int:case_id>/edit", methods=["POST"])
@require_role("researcher")
def edit(case_id: int):
    values = _form_data()
    with kb().session() as db:
        case = _get(db, case_id)
        try:
            case_ops.edit_case(db, case, values, g.viewer)
        except InputError as exc:
            flash(str(exc))
            db.expunge(case)
            return render_template("cases/form.html", case=case, values=values), 422
        proposed = case.proposed_changes is not None and not g.viewer.at_least("curator")
    flash(gettext("Your edit is proposed; a curator will review it.") if proposed else gettext("Saved."))
    return redirect(url_for("cases.show", case_id=case_id))


def _review(case_id: int, operation, *args):
    with kb().session() as db:
        case = _get(db, case_id)
        try:
            operation(db, case, *args)
        except InputError as exc:
            flash(str(exc))
    return redirect(url_for("cases.show", case_id=case_id))


@bp.route("/<int:case_id>/validate", methods=["POST"])
@require_role("curator")
def validate(case_id: int):
    return _review(case_id, lambda db, case: case_ops.validate_case(db, case, g.viewer))


@bp.route("/validate", methods=["POST"])
@require_role("curator")
def validate_many():
    """Validate the proposed cases ticked on the list (at most one page of them)."""
    raw = request.form.getlist("case_id")[:PAGE_SIZE]
    ids = [n for n in map(whole_number, raw) if n is not None]
    with kb().session() as db:
        done = 0
        for case in db.scalars(select(Case).where(Case.id.in_(ids), Case.deleted_at.is_(None))):
            if case.review_state != "validated" or case.proposed_changes:
                case_ops.validate_case(db, case, g.viewer)
                done += 1
    flash(ngettext("Validated %(num)d case.", "Validated %(num)d cases.", done))
    return redirect(url_for("cases.list_cases", state="proposed"))


@bp.route("/<int:case_id>/reject", methods=["POST"])
@require_role("curator")
def reject(case_id: int):
    reason = request.form.get("reason") or ""
    return _review(case_id, lambda db, case: case_ops.reject_case(db, case, g.viewer, reason))


@bp.route("/<int:case_id>/merge", methods=["POST"])
@require_role("curator")
def merge(case_id: int):
    """Merge the case named in the form (``duplicate``) into this one."""
    raw = (request.form.get("duplicate") or "").strip()
    number = whole_number(raw)
    if number is None:
        flash(gettext("Give the number of the duplicate case."))
        return redirect(url_for("cases.show", case_id=case_id))

    def merge_into(db, keep):
        duplicate = db.get(Case, number)
        if duplicate is None:
            raise case_ops.CaseError(gettext("There is no case %(id)s.", id=raw))
        case_ops.merge_cases(db, keep, duplicate, g.viewer)
    return _review(case_id, merge_into)


@bp.route("/<int:case_id>/unmerge", methods=["POST"])
@require_role("curator")
def unmerge(case_id: int):
    return _review(case_id, lambda db, case: case_ops.unmerge_case(db, case, g.viewer))


@bp.route("/<int:case_id>/delete", methods=["POST"])
@require_role("curator")
def delete(case_id: int):
    return _review(case_id, lambda db, case: case_ops.delete_case(db, case, g.viewer))


@bp.route("/<int:case_id>/restore", methods=["POST"])
@require_role("curator")
def restore(case_id: int):
    return _review(case_id, lambda db, case: case_ops.restore_case(db, case, g.viewer))


@bp.route("/from-document/<int:doc_id>", methods=["POST"])
@require_role("curator")
def from_document(doc_id: int):
    with kb().session() as db:
        document = db.get(Document, doc_id)
        if document is None or document.doc_type == "case":
            abort(404, gettext("There is no crawled document %(id)s.", id=doc_id))
        case = case_ops.create_from_document(db, document, g.viewer)
    flash(gettext("Case drafted from the document; check its fields."))
    return redirect(url_for("cases.edit_form", case_id=case.id))


@bp.route("/import", methods=["POST"])
@require_role("researcher")
def import_file():
    path = uploaded_file()
    fmt = request.form.get("format") if request.form.get("format") in ("auto", "casebook", "ips") else "auto"
    try:
        with kb().session() as db:
            report = import_cases(db, path, g.viewer, fmt).to_json()
    except InputError as exc:
        flash(str(exc))
        return redirect(url_for("cases.list_cases"))
    finally:
        path.unlink(missing_ok=True)
    return render_template("cases/import.html", report=report)
