"""Expert and organisation profiles: public with consent, otherwise curators only."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, render_template

from kb.people import Organisation, Person, PersonLink
from webui.context import kb

bp = Blueprint("people", __name__)


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
            "linked": [{"entity": l.entity, "entity_id": l.entity_id, "relation": l.relation} for l in links]}


def _visible_person(db, person_id: int) -> Person:
    person = db.get(Person, person_id)
    if person is None or not _may_see(person):
        abort(404, f"There is no public profile {person_id}.")
    return person


@bp.route("/people")
def index():
    with kb().session() as db:
        people = [p for p in db.query(Person).order_by(Person.name).all() if _may_see(p)]
        rows = [person_json(db, p) for p in people]
    return render_template("people/index.html", people=rows)


@bp.route("/people/<int:person_id>")
def show(person_id: int):
    with kb().session() as db:
        data = person_json(db, _visible_person(db, person_id))
    return render_template("people/show.html", person=data)


@bp.route("/api/people/<int:person_id>")
def api_show(person_id: int):
    with kb().session() as db:
        return jsonify(person_json(db, _visible_person(db, person_id)))
