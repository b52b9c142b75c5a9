"""Expert and organisation profiles: public with consent, otherwise curators only.

Curators create and edit profiles in forms that show each problem beside its
field, record a person's consent (who gave it, when, for what) and withdraw it.
Every change goes through ``kb.people`` and is audited there.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext

from kb.case_organisations import cases_of
from kb.cases import is_live
from kb.models import Case, Event, Organisation, Person, PersonLink
from kb.networks import networks_of
from kb.people import NETWORK_KINDS, ORG_KINDS, record_consent, save_organisation, save_person, withdraw_consent
from kb.thesaurus import load_thesaurus
from webui.auth import require_role
from webui.context import kb
from webui.forms import form_values, save_or_show
from webui.i18n import ORG_KIND_NAMES, ui_language

bp = Blueprint("people", __name__)
PERSON_FIELDS = ("name", "organisation_id", "role_title", "country", "languages", "expertise", "bio", "links")
ORGANISATION_FIELDS = ("name", "kind", "country", "website", "description", "join_info", "join_url")


def _may_see(person: Person) -> bool:
    viewer = g.get("viewer")
    return person.is_public or (viewer is not None and viewer.at_least("curator"))


def person_json(db, person: Person) -> dict:
    organisation = db.get(Organisation, person.organisation_id) if person.organisation_id else None
    links = db.query(PersonLink).filter_by(person_id=person.id).all()
    return {"id": person.id, "name": person.name, "role": person.role_title, "country": person.country,
            "languages": person.languages, "expertise": person.expertise, "bio": person.bio,
            "links": [u for u in person.links or [] if str(u).startswith(("https://", "http://"))],
            "public": person.is_public,
            "organisation": {"id": organisation.id, "name": organisation.name, "kind": organisation.kind}
            if organisation else None,
            "linked": [{"entity": link.entity, "entity_id": link.entity_id, "relation": link.relation}
                       for link in links]}


def _visible_person(db, person_id: int) -> Person:
    person = db.get(Person, person_id)
    if person is None or not _may_see(person):
        abort(404, gettext("There is no public profile %(id)s.", id=person_id))
    return person


@bp.route("/people")
def index():
    with kb().session() as db:
        people = [p for p in db.query(Person).order_by(Person.name).all() if _may_see(p)]
        rows = [person_json(db, p) for p in people]
        organisations = [(o.id, o.name, o.country) for o in db.query(Organisation).order_by(Organisation.name)]
    return render_template("people/index.html", people=rows, organisations=organisations)


@bp.route("/people/<int:person_id>")
def show(person_id: int):
    with kb().session() as db:
        person = _visible_person(db, person_id)
        data = person_json(db, person)
        consent = {"by": person.consent_by, "at": person.consent_at, "purpose": person.consent_purpose}
        event_ids = [link["entity_id"] for link in data["linked"] if link["entity"] == "event"]
        events = [(e.id, e.title) for e in db.query(Event).filter(Event.id.in_(event_ids)).order_by(Event.starts_utc)]
        case_ids = [link["entity_id"] for link in data["linked"]
                    if link["entity"] == "case" and link["relation"] == "contact_for"]
        cases = [(c.id, c.title) for c in db.query(Case).filter(Case.id.in_(case_ids)).order_by(Case.title)
                 if is_live(c) and c.review_state == "validated"]
    return render_template("people/show.html", person=data, consent=consent, events=events, cases=cases)


@bp.route("/api/people/<int:person_id>")
def api_show(person_id: int):
    with kb().session() as db:
        return jsonify(person_json(db, _visible_person(db, person_id)))


def _concept_choices() -> list[tuple[str, str]]:
    """(concept id, preferred label in the UI language), by label: the expertise field's suggestions."""
    thesaurus, lang = load_thesaurus(), ui_language()
    return sorted(((cid, thesaurus.label(cid, lang)) for cid in thesaurus.concepts), key=lambda c: c[1].lower())


def _person_form(person: Person | None, values: dict, errors: dict, status: int = 200, **consent):
    with kb().session() as db:
        organisations = [(o.id, o.name) for o in db.query(Organisation).order_by(Organisation.name)]
    return render_template("people/form.html", person=person, values=values, errors=errors,
                           organisations=organisations, concepts=_concept_choices(), **consent), status


def _person_values(person: Person) -> dict:
    """A profile as its form shows it: lists joined, expertise by label in the UI language."""
    thesaurus, lang = load_thesaurus(), ui_language()
    labels = [thesaurus.label(c, lang) if c in thesaurus.concepts else c for c in person.expertise or []]
    return {"name": person.name, "organisation_id": str(person.organisation_id or ""),
            "role_title": person.role_title, "country": person.country,
            "languages": ", ".join(person.languages or []), "expertise": labels, "bio": person.bio,
            "links": "\n".join(person.links or [])}


@bp.route("/people/new")
@require_role("curator")
def new_person():
    return _person_form(None, {}, {})


def _person_submission() -> dict:
    return {**form_values(request.form, PERSON_FIELDS), "expertise": request.form.getlist("expertise")}


def _detached_person(person_id: int) -> Person:
    with kb().session() as db:
        person = _visible_person(db, person_id)
        db.expunge(person)
    return person


@bp.route("/people", methods=["POST"])
@require_role("curator")
def create_person():
    values = _person_submission()
    return save_or_show(lambda db: save_person(db, values, g.viewer.name).id,
                        lambda errors: _person_form(None, values, errors, 422),
                        gettext("Profile created. It stays visible to curators only until consent is recorded."),
                        lambda person_id: url_for("people.show", person_id=person_id))


@bp.route("/people/<int:person_id>/edit")
@require_role("curator")
def edit_person(person_id: int):
    with kb().session() as db:
        person = _visible_person(db, person_id)
        values = _person_values(person)
        db.expunge(person)
    return _person_form(person, values, {})


@bp.route("/people/<int:person_id>/edit", methods=["POST"])
@require_role("curator")
def update_person(person_id: int):
    values = _person_submission()
    return save_or_show(lambda db: save_person(db, values, g.viewer.name, _visible_person(db, person_id)),
                        lambda errors: _person_form(_detached_person(person_id), values, errors, 422),
                        gettext("Profile saved."), lambda _: url_for("people.show", person_id=person_id))


def _consent_date(raw: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(raw), datetime.min.time()) if raw else None
    except ValueError:
        return datetime.max  # a date that cannot be read is refused like a future one


@bp.route("/people/<int:person_id>/consent", methods=["POST"])
@require_role("curator")
def consent(person_id: int):
    values = {name: (request.form.get(name) or "").strip() for name in ("given_by", "given_at", "purpose")}

    def show_form(errors):
        person = _detached_person(person_id)
        return _person_form(person, _person_values(person), {}, 422, consent_values=values, consent_errors=errors)

    return save_or_show(lambda db: record_consent(db, _visible_person(db, person_id), g.viewer.name,
                                                  values["purpose"], values["given_by"] or None,
                                                  _consent_date(values["given_at"])),
                        show_form, gettext("Consent recorded: the profile is public."),
                        lambda _: url_for("people.show", person_id=person_id))


@bp.route("/people/<int:person_id>/withdraw-consent", methods=["POST"])
@require_role("curator")
def withdraw(person_id: int):
    with kb().session() as db:
        withdraw_consent(db, _visible_person(db, person_id), g.viewer.name)
    flash(gettext("Consent withdrawn: the profile is visible to curators only."))
    return redirect(url_for("people.show", person_id=person_id), code=303)


def _organisation_or_404(db, organisation_id: int) -> Organisation:
    organisation = db.get(Organisation, organisation_id)
    if organisation is None:
        abort(404, gettext("There is no organisation %(id)s.", id=organisation_id))
    return organisation


@bp.route("/organisations/<int:organisation_id>")
def show_organisation(organisation_id: int):
    with kb().session() as db:
        organisation = _organisation_or_404(db, organisation_id)
        people = [p for p in db.query(Person).filter_by(organisation_id=organisation_id).order_by(Person.name)
                  if _may_see(p)]
        members = [(p.id, p.name, p.role_title) for p in people]
        networks = [(n.id, n.name) for n in networks_of(db, "members", organisation_id)]
        cases = [(c.id, c.title, c.municipality, c.country) for c in cases_of(db, organisation)]
        db.expunge(organisation)
    return render_template("people/organisation.html", organisation=organisation, members=members,
                           kind_names=ORG_KIND_NAMES, networks=networks, cases=cases,
                           is_network=organisation.kind in NETWORK_KINDS)


def _organisation_form(organisation: Organisation | None, values: dict, errors: dict, status: int = 200):
    return render_template("people/organisation_form.html", organisation=organisation, values=values,
                           errors=errors, kinds=[(k, ORG_KIND_NAMES[k]) for k in ORG_KINDS]), status


@bp.route("/organisations/new")
@require_role("curator")
def new_organisation():
    return _organisation_form(None, {}, {})


@bp.route("/organisations", methods=["POST"])
@require_role("curator")
def create_organisation():
    values = form_values(request.form, ORGANISATION_FIELDS)
    return save_or_show(lambda db: save_organisation(db, values, g.viewer.name).id,
                        lambda errors: _organisation_form(None, values, errors, 422),
                        gettext("Organisation created."),
                        lambda organisation_id: url_for("people.show_organisation", organisation_id=organisation_id))


@bp.route("/organisations/<int:organisation_id>/edit")
@require_role("curator")
def edit_organisation(organisation_id: int):
    with kb().session() as db:
        organisation = _organisation_or_404(db, organisation_id)
        values = {name: getattr(organisation, name) or "" for name in ORGANISATION_FIELDS}
        db.expunge(organisation)
    return _organisation_form(organisation, values, {})


@bp.route("/organisations/<int:organisation_id>/edit", methods=["POST"])
@require_role("curator")
def update_organisation(organisation_id: int):
    values = form_values(request.form, ORGANISATION_FIELDS)

    def show_form(errors):
        with kb().session() as db:
            organisation = _organisation_or_404(db, organisation_id)
            db.expunge(organisation)
        return _organisation_form(organisation, values, errors, 422)

    return save_or_show(lambda db: save_organisation(db, values, g.viewer.name,
                                                     _organisation_or_404(db, organisation_id)),
                        show_form, gettext("Organisation saved."),
                        lambda _: url_for("people.show_organisation", organisation_id=organisation_id))
