"""The demo's organisations and example experts, linked to cases and ready to speak at workshops.

`kb demo` adds, as the demo curator, the real public organisations the demo's cases name
(records/people.yaml), each linked to its cases by being their contact organisation
(kb.case_organisations), and five example experts, whose names and profiles say they
are examples, with their consent recorded as given by the demo. The experts are the
contacts of some cases; kb.demo.events makes them speakers on the workshops' agendas
with the ids returned here. Organisations are found by name before one is created, so
running the demo again, or after another part of the demo added one of them, adds none
twice; a curator's edits to a profile are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.accounts import Actor
from kb.case_organisations import join_names, named_organisations
from kb.cases import edit_case
from kb.demo.events import Lookup
from kb.models import Organisation, Person, PersonLink
from kb.people import link_person, record_consent, save_organisation, save_person

RECORDS = Path(__file__).resolve().parent / "records" / "people.yaml"


@dataclass
class DemoPeople:
    """What adding the profiles did: organisations and experts by name and key, cases linked."""

    organisations: dict[str, int] = field(default_factory=dict)
    experts: dict[str, int] = field(default_factory=dict)
    cases_linked: int = 0


def load_records(path: Path = RECORDS) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _organisation(session: Session, spec: dict, curator: Actor) -> Organisation:
    found = session.scalar(select(Organisation).where(func.lower(Organisation.name) == spec["name"].lower())
                           .order_by(Organisation.id).limit(1))
    if found is not None:
        return found
    data = {name: spec.get(name) for name in ("name", "kind", "country", "website", "description")}
    return save_organisation(session, data, curator.name)


def _name_on_cases(session: Session, lookup: Lookup, organisation: Organisation, slugs: list[str],
                   curator: Actor) -> int:
    """Add the organisation to the contact organisations of its cases (a curator's edit, audited)."""
    linked = 0
    for slug in slugs:
        case = lookup.case(slug)
        names = named_organisations(case.contact_org)
        if organisation.name.casefold() not in {n.casefold() for n in names}:
            edit_case(session, case, {"contact_org": join_names([*names, organisation.name])}, curator)
            linked += 1
    return linked


def _expert(session: Session, spec: dict, consent: dict, curator: Actor) -> Person:
    found = session.scalar(select(Person).where(Person.name == spec["name"]).order_by(Person.id).limit(1))
    if found is not None:
        return found
    data = {name: spec.get(name) for name in ("name", "role_title", "country", "languages", "expertise", "bio")}
    person = save_person(session, data, curator.name)
    record_consent(session, person, curator.name, consent["purpose"], given_by=consent["given_by"],
                   given_at=datetime.fromisoformat(consent["given_at"]))
    return person


def _contact_for(session: Session, lookup: Lookup, person: Person, slugs: list[str]) -> None:
    for slug in slugs:
        case_id = lookup.case(slug).id
        known = session.scalar(select(PersonLink.id).where(
            PersonLink.person_id == person.id, PersonLink.entity == "case", PersonLink.entity_id == case_id,
            PersonLink.relation == "contact_for"))
        if known is None:
            link_person(session, person.id, "case", case_id, "contact_for")


def add_demo_people(session: Session, curator: Actor, records: dict | None = None) -> DemoPeople:
    """Add the organisations (linked to their cases) and the example experts as ``curator``."""
    records = records or load_records()
    lookup, report = Lookup(session, {}), DemoPeople()
    for spec in records["organisations"]:
        organisation = _organisation(session, spec, curator)
        report.organisations[spec["name"]] = organisation.id
        report.cases_linked += _name_on_cases(session, lookup, organisation, spec.get("cases", []), curator)
    experts = records["experts"]
    for spec in experts["people"]:
        person = _expert(session, spec, experts["consent"], curator)
        report.experts[spec["key"]] = person.id
        _contact_for(session, lookup, person, spec.get("contact_for", []))
    return report
