"""Experts and organisations: profiles, consent, links to cases, and GDPR rights.

A person's profile is public only with their recorded consent (who recorded
it, when, for what purpose); otherwise only curators see it. ``export_person``
gives everything held about a person; ``kb.erasure.erase_person`` removes it, keeping
the cases they were linked to and leaving an audit entry without personal data.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.audit import record, snapshot
from kb.errors import InputError
from kb.fields import Fields, whole_number
from kb.language import detect_language
from kb.models import Document, Organisation, Person, PersonLink, utcnow
from kb.thesaurus import load_thesaurus

ORG_KINDS = ("municipality", "region", "agency", "network", "programme", "company", "university", "other")
NETWORK_KINDS = ("network", "programme")  # organisations others join: kb.networks gives them members and cases
RELATIONS = ("author_of", "contact_for", "speaker_at", "member_of")
ENTITIES = ("case", "document", "collection", "event")


def profile_url(person_id: int) -> str:
    """The key of a profile's search entry (profiles are searchable as documents of type expert)."""
    return f"casebook:people/{person_id}"


def publish_profile(session: Session, person: Person) -> int:
    """Create or refresh the searchable entry of a public profile; returns its document id."""
    organisation = session.get(Organisation, person.organisation_id) if person.organisation_id else None
    document = session.query(Document).filter_by(url=profile_url(person.id)).one_or_none()
    if document is None:
        document = Document(url=profile_url(person.id), origin="person")
        session.add(document)
    document.title = person.name + (f" ({organisation.name})" if organisation else "")
    document.text = "\n".join(filter(None, [person.role_title, organisation.name if organisation else None,
                                            person.bio, ", ".join(person.expertise or [])]))
    document.doc_type, document.country, document.gone = "expert", person.country, False
    document.themes = list(person.expertise or [])
    document.lang = (person.languages or ["en"])[0]
    document.lang_confidence = 1.0
    document.meta = {"profile_path": f"/people/{person.id}", "languages": person.languages,
                     "organisation_kind": organisation.kind if organisation else None}
    document.fetched_at = document.checked_at = utcnow()
    session.flush()
    return document.id


def organisation_url(organisation_id: int) -> str:
    return f"casebook:organisations/{organisation_id}"


def publish_organisation(session: Session, organisation: Organisation) -> int:
    """Organisations are not personal data: their profiles are searchable at once, networks and
    programmes as type network (with who may join), the others as type organisation."""
    document = session.query(Document).filter_by(url=organisation_url(organisation.id)).one_or_none()
    if document is None:
        document = Document(url=organisation_url(organisation.id), origin="organisation")
        session.add(document)
    network = organisation.kind in NETWORK_KINDS
    document.title = organisation.name
    document.text = "\n".join(filter(None, [organisation.name, organisation.kind, organisation.description,
                                             organisation.join_info if network else None]))
    document.doc_type, document.country = "network" if network else "organisation", organisation.country
    # The language of what is said about it (its name is in its own language, whatever the text's):
    # analysed (stemmed) in it, so "cities" finds "city"; undetermined ("und") only when nothing is said.
    prose = "\n".join(filter(None, [organisation.description, organisation.join_info if network else None]))
    detected = detect_language(prose)
    document.lang, document.lang_confidence = detected.lang or "und", detected.confidence or None
    document.meta = {"organisation_kind": organisation.kind, "website": organisation.website}
    if network:
        document.meta["page_path"] = f"/networks/{organisation.id}"
    document.fetched_at = document.checked_at = utcnow()
    session.flush()
    return document.id


def record_consent(session: Session, person: Person, actor: str, purpose: str, given_by: str | None = None,
                   given_at: datetime | None = None) -> int:
    """Record consent to publish a profile; returns the id of its (new) search entry.

    ``given_by`` says who gave it (the person, or who speaks for them) and
    ``given_at`` when, both defaulting to ``actor`` and now. The audit entry
    names the actor and the moment only: who gave consent is personal data.
    """
    fields = Fields({"purpose": purpose, "given_by": given_by})
    purpose = fields.text("purpose", 2000)
    if not purpose:
        fields.fail("purpose", "purpose")
    given_by = fields.text("given_by", 200)
    if given_at is not None and given_at > utcnow():
        fields.fail("given_at", "consent_date")
    fields.check()
    before = snapshot(person)
    person.consent_at, person.consent_by, person.consent_purpose = given_at or utcnow(), given_by or actor, purpose
    record(session, actor, "consent", "person", person.id, {"consent_at": before["consent_at"]},
           {"consent_at": person.consent_at.isoformat()})
    return publish_profile(session, person)


def withdraw_consent(session: Session, person: Person, actor: str) -> None:
    """Make a profile visible to curators only again (its search entry is retired)."""
    person.consent_at = person.consent_by = person.consent_purpose = None
    retire_profile_entry(session, person.id)
    record(session, actor, "withdraw_consent", "person", person.id, None, {"public": False})


def retire_profile_entry(session: Session, person_id: int) -> None:
    """Empty a profile's search entry and mark it gone, keeping only its id and address.

    The row stays (without any personal data), its change stamped, and the next
    sync of the index (after the command, or the worker's round) takes the entry out.
    """
    document = session.scalar(select(Document).where(Document.url == profile_url(person_id)))
    if document is not None:
        document.title, document.text, document.description, document.lang = "", "", None, "und"
        document.meta, document.themes, document.country, document.gone = {}, [], None, True


def link_person(session: Session, person_id: int, entity: str, entity_id: int, relation: str) -> PersonLink:
    if entity not in ENTITIES or relation not in RELATIONS:
        raise InputError(f"entity must be one of {ENTITIES} and relation one of {RELATIONS}")
    link = PersonLink(person_id=person_id, entity=entity, entity_id=entity_id, relation=relation)
    session.add(link)
    session.flush()
    return link


def people_linked_to(session: Session, entity: str, entity_id: int, public_only: bool = True) -> list[dict]:
    rows = session.execute(select(Person, PersonLink.relation).join(PersonLink, PersonLink.person_id == Person.id)
                           .where(PersonLink.entity == entity, PersonLink.entity_id == entity_id)).all()
    return [{"id": p.id, "name": p.name, "relation": rel} for p, rel in rows if p.is_public or not public_only]


def export_person(session: Session, person_id: int) -> dict:
    """Everything held about a person (GDPR right of access), as JSON-ready data."""
    person = session.get(Person, person_id)
    if person is None:
        raise InputError(f"there is no person {person_id}")
    links = session.scalars(select(PersonLink).where(PersonLink.person_id == person_id))
    return {"person": snapshot(person),
            "links": [{"entity": link.entity, "entity_id": link.entity_id, "relation": link.relation}
                      for link in links]}


def _store(session: Session, row, values: dict):
    """``row`` with ``values`` set, added and flushed (so a new row has its id)."""
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return row


def save_organisation(session: Session, data: dict, actor: str, organisation: Organisation | None = None
                      ) -> Organisation:
    """Create (or, given ``organisation``, edit) an organisation profile; audited and searchable at once."""
    fields = Fields(data)
    values = {"name": fields.text("name", 300, required=True), "kind": fields.choice("kind", ORG_KINDS, "other"),
              "country": fields.country("country"), "website": fields.url("website"),
              "description": fields.text("description", 5000), "join_info": fields.text("join_info", 5000),
              "join_url": fields.url("join_url")}
    fields.check()
    before = snapshot(organisation) if organisation else None
    organisation = _store(session, organisation or Organisation(), values)
    record(session, actor, "edit" if before else "create", "organisation", organisation.id, before,
           snapshot(organisation))
    publish_organisation(session, organisation)
    return organisation


def resolve_concepts(terms: list[str]) -> tuple[list[str], list[str]]:
    """(concept ids, terms that name no single concept) for concept ids or labels in any language."""
    from kb.cases import concept_themes

    known = load_thesaurus().concepts
    resolved = concept_themes([term.strip() for term in terms if term.strip()])
    return [c for c in resolved if c in known], [c for c in resolved if c not in known]


def _expertise(fields: Fields) -> list[str]:
    value = fields.data.get("expertise")
    terms = value if isinstance(value, list) else str(value or "").replace("\n", ";").split(";")
    ids, unknown = resolve_concepts([str(t) for t in terms if str(t).strip()][:50])
    if unknown:
        fields.fail("expertise", "concepts", value=", ".join(unknown))
    return ids


def _organisation_id(session: Session, fields: Fields) -> int | None:
    raw = fields.raw("organisation_id")
    if not raw:
        return None
    number = whole_number(raw)
    if number is None or session.get(Organisation, number) is None:
        fields.fail("organisation_id", "organisation")
        return None
    return number


def save_person(session: Session, data: dict, actor: str, person: Person | None = None) -> Person:
    """Create (or, given ``person``, edit) an expert profile.

    The audit entry names the fields changed, never their values: a person's
    data must be erasable, and the audit trail is kept.
    """
    fields = Fields(data)
    values = {"name": fields.text("name", 300, required=True),
              "organisation_id": _organisation_id(session, fields), "role_title": fields.text("role_title", 300),
              "country": fields.country("country"), "languages": fields.languages("languages"),
              "expertise": _expertise(fields), "bio": fields.text("bio", 5000), "links": fields.urls("links")}
    fields.check()
    before = snapshot(person) if person else {}
    person = _store(session, person or Person(), values)
    changed = sorted(name for name in values if before.get(name) != snapshot(person)[name])
    record(session, actor, "edit" if before else "create", "person", person.id, None, {"fields": changed})
    if person.is_public:
        publish_profile(session, person)
    return person
