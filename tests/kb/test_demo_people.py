"""The demo's organisations and example experts (kb.demo.people): linked to cases, speaking at workshops."""

from __future__ import annotations

from kb.case_organisations import cases_of
from kb.demo.events import Lookup
from kb.demo.people import add_demo_people, load_records
from kb.models import Case, Event, Organisation, Person, PersonLink


def test_each_organisation_of_the_records_lists_exactly_the_validated_cases_that_name_it(demo_curated_kb):
    knowledge_base, _, _ = demo_curated_kb
    records = load_records()
    with knowledge_base.session() as session:
        lookup = Lookup(session, {})
        for spec in records["organisations"]:
            organisation = session.query(Organisation).filter_by(name=spec["name"]).one()
            assert organisation.kind == spec["kind"] or spec["kind"] == "network", spec["name"]
            expected = {lookup.case(slug).id for slug in spec["cases"]}
            assert {case.id for case in cases_of(session, organisation)} == expected, spec["name"]
        shared = lookup.case("antwerpen-city-of-things")
        assert shared.contact_org == "Stad Antwerpen; imec; Vlaamse overheid" and shared.review_state == "validated"
        assert len(records["organisations"]) >= 20
        kinds = {spec["kind"] for spec in records["organisations"]}
        assert {"municipality", "region", "agency", "network"} <= kinds


def test_the_experts_are_marked_as_examples_with_consent_recorded_and_are_contacts_on_validated_cases(
        demo_curated_kb):
    knowledge_base, _, _ = demo_curated_kb
    with knowledge_base.session() as session:
        experts = session.query(Person).order_by(Person.id).all()
        assert len(experts) == 5
        for person in experts:
            assert person.name.endswith("(example)") and "does not exist" in person.bio
            assert person.is_public and "example" in person.consent_by and person.consent_purpose
            assert person.organisation_id is None  # no real organisation is given an invented employee
            contacts = session.query(PersonLink).filter_by(person_id=person.id, relation="contact_for").all()
            assert contacts and all(session.get(Case, link.entity_id).review_state == "validated"
                                    for link in contacts)


def test_every_expert_speaks_at_a_workshop_and_each_workshop_has_speakers(demo_curated_kb):
    knowledge_base, _, _ = demo_curated_kb
    with knowledge_base.session() as session:
        speaking = {link.person_id for link in session.query(PersonLink).filter_by(relation="speaker_at")}
        assert speaking == {person.id for person in session.query(Person)}
        for event in session.query(Event):
            assert any(item.get("speakers") for item in event.agenda), event.title


def test_adding_the_profiles_again_adds_nothing_twice_and_keeps_a_curators_edit(demo_curated_kb):
    knowledge_base, _, curator = demo_curated_kb
    with knowledge_base.session() as session:
        gent = session.query(Organisation).filter_by(name="Stad Gent").one()
        description, gent.description = gent.description, "Edited by a curator."
        counts = (session.query(Organisation).count(), session.query(Person).count(),
                  session.query(PersonLink).count())
        contacts = {case.id: case.contact_org for case in session.query(Case)}
        report = add_demo_people(session, curator)
        assert report.cases_linked == 0 and len(report.experts) == 5
        assert (session.query(Organisation).count(), session.query(Person).count(),
                session.query(PersonLink).count()) == counts
        assert {case.id: case.contact_org for case in session.query(Case)} == contacts
        assert gent.description == "Edited by a curator."
        gent.description = description
