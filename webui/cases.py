"""Case pages: read, propose and edit, review (validate or reject), merge, delete, import.

Anyone reads validated and proposed cases (only validated ones carry the badge);
researchers propose new cases and edits and see rejected ones; curators
validate, reject with a reason, merge duplicates (and undo), delete and restore.
Every change goes through ``kb.cases`` and is audited.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext
from sqlalchemy import select

from kb import cases as case_ops
from kb.case_import import import_cases
from kb.case_listing import CASE_FACETS, browse_cases
from kb.case_listing import SORTS as CASE_SORTS
from kb.errors import InputError
from kb.fields import whole_number
from kb.formats import csv_cells
from kb.models import Case, Document, utcnow
from kb.record_ids import get_record, holds_id
from webui.auth import require_role
from webui.context import kb, settings, visible_case_states
from webui.europe_map import europe_map
from webui.i18n import facet_title, facet_value_label
from webui.links import absolute_url
from webui.search import FACET_FILTER_FROM, FACET_VISIBLE, FacetGroup, FacetValue, toggle_url
from webui.similar import similar_documents
from webui.sources import uploaded_file

bp = Blueprint("cases", __name__, url_prefix="/cases")
FORM_FIELDS = (*case_ops.EDITABLE,)
PAGE_SIZE = 50
MAX_EXPORT = 10_000
REVIEW_STATE_NAMES = {"proposed": lazy_gettext("proposed"), "validated": lazy_gettext("validated"),
                      "rejected": lazy_gettext("rejected")}


@bp.context_processor
def case_labels():
    return {"review_state_name": lambda state: str(REVIEW_STATE_NAMES.get(state, state)),
            "case_facet_label": case_facet_label, "case_facet_title": case_facet_title}


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


STATUS_NAMES = {"ongoing": lazy_gettext("ongoing"), "completed": lazy_gettext("completed"),
                "pilot": lazy_gettext("pilot"), "unknown": lazy_gettext("unknown")}
CASE_FACET_TITLES = {"status": lazy_gettext("Project status"), "state": lazy_gettext("Review"),
                     "network": lazy_gettext("Network or programme")}
SORT_NAMES = {"updated": lazy_gettext("recently changed"), "title": lazy_gettext("title"),
              "country": lazy_gettext("country and place"), "year": lazy_gettext("year, newest first")}
EXPORT_COLUMNS = ("id", "title", "summary", "municipality", "country", "nuts", "population_band", "level", "themes",
                  "technologies", "years", "status", "programme", "contact_org", "links", "review_state",
                  "validated_by", "validated_at", "page")


def case_facet_label(name: str, value: str) -> str:
    if name == "status":
        return str(STATUS_NAMES.get(value, value))
    if name == "state":
        return str(REVIEW_STATE_NAMES.get(value, value))
    return facet_value_label(name, value)


def case_facet_title(name: str) -> str:
    return str(CASE_FACET_TITLES.get(name) or facet_title(name))


def _browse_request() -> tuple[dict, str, str, int]:
    """The filters, words, sort and page of a browse, from the URL (values of unknown facets ignored)."""
    filters = {name: [v for v in request.args.getlist(name) if v][:20] for name in CASE_FACETS}
    if g.viewer is None and "rejected" in filters["state"]:
        filters["state"].remove("rejected")
    sort = request.args.get("sort") if request.args.get("sort") in CASE_SORTS else "updated"
    page = whole_number(request.args.get("page") or "1") or 1
    return {k: v for k, v in filters.items() if v}, (request.args.get("q") or "").strip()[:200], sort, min(page, 10_000)


def _value_label(name: str, value: str, network_names: dict[str, str]) -> str:
    """A facet value as the browse names it: a network by its name, other values as case_facet_label does."""
    return network_names.get(value, value) if name == "network" else case_facet_label(name, value)


def _case_facet_groups(counts: dict, filters: dict, network_names: dict[str, str]) -> list[FacetGroup]:
    groups = []
    for name in CASE_FACETS:
        chosen = filters.get(name, [])
        values = dict(counts.get(name, {}))
        for value in chosen:
            values.setdefault(value, 0)
        if not values:
            continue
        items = [FacetValue(v, _value_label(name, v, network_names), c, v in chosen, toggle_url(name, v))
                 for v, c in values.items()]
        if name == "year":  # years read best in order, newest first
            items.sort(key=lambda item: item.value, reverse=True)
        else:
            items.sort(key=lambda item: (not item.active, -item.count, item.label.lower()))
        groups.append(FacetGroup(name, case_facet_title(name), items[:FACET_VISIBLE], items[FACET_VISIBLE:],
                                 len(items) > FACET_FILTER_FROM))
    return groups


@bp.route("/")
def list_cases():
    """Cases with the facets of search (country, population, theme, year, status, network, review), sorted
    and exportable; every state in the URL, so it works without JavaScript."""
    filters, q, sort, page = _browse_request()
    with kb().session() as db:
        listing = browse_cases(db, filters, visible_case_states(), q, sort, page, PAGE_SIZE)
        pending = (list(db.scalars(select(Case.id).where(Case.proposed_changes.is_not(None),
                                                         Case.deleted_at.is_(None))))
                   if g.viewer is not None else [])
        db.expunge_all()
    selected = [(name, value, _value_label(name, value, listing.network_names)) for name, values in filters.items()
                for value in values]
    pages = max(1, (listing.total + PAGE_SIZE - 1) // PAGE_SIZE)
    case_map = europe_map(listing.facets.get("country", {}), _country_url, (filters.get("country") or [None])[0])
    return render_template("cases/list.html", listing=listing, cases=listing.cases, page=page, pages=pages,
                           case_map=case_map,
                           facets=_case_facet_groups(listing.facets, filters, listing.network_names),
                           selected=selected, q=q, sort=sort,
                           sorts=SORT_NAMES, filters=filters, pending=pending,
                           reviewing_state=filters.get("state") == ["proposed"],
                           clear_url="?" + urlencode([(k, v) for k, v in request.args.items(multi=True)
                                                      if k not in CASE_FACETS and k != "page"]),
                           export_query=urlencode([(k, v) for k, v in request.args.items(multi=True)
                                                   if k not in ("page", "lang_ui")]))


def _country_url(code: str) -> str:
    """This browse narrowed to one country (the other filters, the words and the sort kept)."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("country", "page")]
    return url_for("cases.list_cases") + "?" + urlencode([*kept, ("country", code)])


@bp.route("/export.<fmt>")
def export(fmt: str):
    """Every case of a browse (its filters, words and sort) as CSV or JSON."""
    if fmt not in ("csv", "json"):
        abort(404, gettext("There is no export format %(fmt)s; use csv or json.", fmt=fmt))
    filters, q, sort, _ = _browse_request()
    with kb().session() as db:
        listing = browse_cases(db, filters, visible_case_states(), q, sort, 1, MAX_EXPORT)
        records = [case_ops.case_json(case, for_contributors=g.viewer is not None)
                   | {"page": absolute_url("cases.show", case_id=case.id)} for case in listing.cases]
    headers = {"Content-Disposition": f'attachment; filename="casebook-cases-{utcnow():%Y%m%d}.{fmt}"'}
    if fmt == "json":
        body = current_app.json.dumps({"total": listing.total, "cases": records}, ensure_ascii=False, indent=1)
        return Response(body, content_type="application/json", headers=headers)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(csv_cells(record) for record in records)
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8", headers=headers)


@bp.route("/<int:case_id>")
def show(case_id: int):
    from kb.case_organisations import organisations_of
    from kb.networks import networks_of
    from kb.people import people_linked_to

    viewer = g.get("viewer")
    with kb().session() as db:
        case = _get(db, case_id)
        db.expunge(case)
        people = people_linked_to(db, "case", case_id, public_only=not (viewer and viewer.at_least("curator")))
        versions = language_versions(db, case)
        networks = [(n.id, n.name, n.kind) for n in networks_of(db, "cases", case_id)]
        organisations = [(name, o.id if o else None) for name, o in organisations_of(db, case)]
    return render_template("cases/show.html", case=case, people=people, like=cases_like(case), versions=versions,
                           networks=networks, organisations=organisations)


def language_versions(db, case: Case) -> list[tuple[int, str]]:
    """(document id, language) of the stored pages the case links to: the page it was drafted from
    and that page's other language versions (kb.crawled_cases), in the order of its links."""
    links = list(case.links or [])
    if not links:
        return []
    rows = db.execute(select(Document.id, Document.lang, Document.url)
                      .where(Document.url.in_(links), Document.origin != "case", Document.gone.is_(False))).all()
    by_url = {url: (doc_id, lang or "und") for doc_id, lang, url in rows}
    return [by_url[link] for link in links if link in by_url]


CASES_LIKE = 6


def cases_like(case) -> list[dict]:
    """"Cases like this one": the validated cases closest in meaning, in any country and language
    (index.similar), each with its country, population band and themes so a reader can judge."""
    if not case.document_id or case.deleted_at or case.merged_into:
        return []
    text = "\n\n".join(part for part in (case.summary, ", ".join(case.technologies or [])) if part)
    found = similar_documents(settings().index_dir, case.document_id, text, None, limit=CASES_LIKE * 4,
                              doc_type="case", exclude_urls=set(case.links or []), same_type_only=True)
    # case records only: crawled pages typed "case" are the pages cases are drafted from (kb.crawled_cases)
    return [item for item in found if str(item.get("url", "")).startswith("casebook:case/")][:CASES_LIKE]


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
    with kb().session() as db:
        ids = [n for n in map(whole_number, raw) if holds_id(db, n)]
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
        duplicate = get_record(db, Case, number)
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
