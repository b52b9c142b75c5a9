"""A person's erasure (GDPR right to erasure): their links, their place in event agendas, their search
entry and their profile go; the cases they were linked to stay, and the audit keeps no personal data.

Its own module because it reaches both kb.people and kb.events (whose agendas name speakers), and
kb.events already reads kb.people: kept in either, the two would import each other.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kb.audit import record
from kb.errors import InputError
from kb.models import Event, Person, PersonLink
from kb.people import retire_profile_entry


def erase_person(session: Session, person_id: int, actor: str) -> int:
    """Erase a person (GDPR right to erasure), with their search entry; returns the links removed."""
    person = session.get(Person, person_id)
    if person is None:
        raise InputError(f"there is no person {person_id}")
    _leave_agendas(session, person_id)
    removed = session.execute(delete(PersonLink).where(PersonLink.person_id == person_id)).rowcount or 0
    retire_profile_entry(session, person_id)
    session.delete(person)
    record(session, actor, "erase", "person", person_id, None, {"links_removed": removed})
    return removed


def _leave_agendas(session: Session, person_id: int) -> None:
    """Take an erased person out of the agendas they speak in (their id would otherwise come back
    as a link on the next agenda edit, or name whoever is given the id next)."""
    event_ids = session.scalars(select(PersonLink.entity_id).where(
        PersonLink.person_id == person_id, PersonLink.entity == "event", PersonLink.relation == "speaker_at"))
    for event in session.scalars(select(Event).where(Event.id.in_(list(event_ids)))):
        event.agenda = [{**item, "speakers": [s for s in item.get("speakers") or [] if s != person_id]}
                        for item in event.agenda or []]
