"""Networks and programmes: who takes part, the cases that came out of them, the events they hold.

A network (a city network such as Eurocities) or a programme (an EU funding
programme such as URBACT) is an organisation of kind ``network`` or
``programme`` (kb.people), with what it is, who may join and where. This
module keeps its links: member organisations, cases and events, each change
audited on the network ("organisation" entries of the trail). The profile itself
is searchable as a document of type ``network`` (kb.people.publish_organisation).
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kb.audit import record
from kb.errors import InputError
from kb.models import Case, Event, NetworkCase, NetworkEvent, NetworkMember, Organisation
from kb.people import NETWORK_KINDS
from kb.record_ids import holds_id

LINKS = ("members", "cases", "events")


_TABLES = {"members": (NetworkMember, NetworkMember.organisation_id, Organisation),
           "cases": (NetworkCase, NetworkCase.case_id, Case), "events": (NetworkEvent, NetworkEvent.event_id, Event)}


def is_network(organisation: Organisation | None) -> bool:
    return organisation is not None and organisation.kind in NETWORK_KINDS


def get_network(session: Session, network_id: int) -> Organisation:
    """The network or programme ``network_id``; LookupError when there is none."""
    organisation = session.get(Organisation, network_id)
    if not is_network(organisation):
        raise LookupError(f"there is no network or programme {network_id}")
    return organisation


def list_networks(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).where(Organisation.kind.in_(NETWORK_KINDS))
                                .order_by(func.lower(Organisation.name))))


def linked_ids(session: Session, network_id: int, link: str) -> list[int]:
    """The ids of the network's members, cases or events (``link``), in the order they were added."""
    model, column, _ = _TABLES[link]
    return list(session.scalars(select(column).where(model.network_id == network_id).order_by(model.id)))


def set_links(session: Session, network: Organisation, link: str, ids: list[int], actor: str) -> list[int]:
    """Make ``ids`` the network's members, cases or events (``link``); audited before and after.

    Unknown ids are refused (InputError names them); a network cannot be its own member."""
    if link not in LINKS:
        raise InputError(f"link must be one of {', '.join(LINKS)}")
    model, column, target = _TABLES[link]
    wanted = list(dict.fromkeys(i for i in ids if isinstance(i, int) and not isinstance(i, bool)))
    storable = [i for i in wanted if holds_id(session, i)]
    found = set(session.scalars(select(target.id).where(target.id.in_(storable)))) if storable else set()
    missing = [i for i in wanted if i not in found or (link == "members" and i == network.id)]
    if missing:
        raise InputError(f"these {link} do not exist (or cannot be linked): {', '.join(map(str, missing[:20]))}")
    before = linked_ids(session, network.id, link)
    if before == wanted:
        return wanted
    session.execute(delete(model).where(model.network_id == network.id))
    for target_id in wanted:
        session.add(model(network_id=network.id, **{column.key: target_id}))
    session.flush()
    record(session, actor, "link", "organisation", network.id, {link: before}, {link: wanted})
    return wanted


def add_link(session: Session, network: Organisation, link: str, target_id: int, actor: str) -> None:
    """Add one member, case or event to a network (nothing happens when it is there already)."""
    current = linked_ids(session, network.id, link)
    if target_id not in current:
        set_links(session, network, link, [*current, target_id], actor)


def networks_of(session: Session, link: str, target_id: int) -> list[Organisation]:
    """The networks and programmes a member, case or event (``link``) belongs to, by name."""
    model, column, _ = _TABLES[link]
    return list(session.scalars(select(Organisation).join(model, model.network_id == Organisation.id)
                                .where(column == target_id).order_by(func.lower(Organisation.name))))


def network_json(session: Session, network: Organisation, visible_case=None) -> dict:
    """A network as the API gives it: members and cases as (id, name/title) pairs, and who may join.

    ``visible_case(case)`` says which cases the reader may see (all when None)."""
    members = [{"id": o.id, "name": o.name} for o in _rows(session, Organisation, linked_ids(session, network.id,
                                                                                                "members"))]
    cases = [{"id": c.id, "title": c.title} for c in _rows(session, Case, linked_ids(session, network.id, "cases"))
             if c.deleted_at is None and c.merged_into is None and (visible_case is None or visible_case(c))]
    return {"id": network.id, "name": network.name, "kind": network.kind, "country": network.country,
            "description": network.description, "who_may_join": network.join_info, "website": network.website,
            "join_url": network.join_url, "members": members, "cases": cases}


def _rows(session: Session, model, ids: list[int]) -> list:
    """The rows of ``ids``, in that order (a missing one left out)."""
    by_id = {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}
    return [by_id[i] for i in ids if i in by_id]


def linked_rows(session: Session, network_id: int, link: str) -> list:
    """The member organisations, cases or events of a network, in the order they were added."""
    return _rows(session, _TABLES[link][2], linked_ids(session, network_id, link))
