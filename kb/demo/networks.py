"""The demo's networks and programmes, linked to its organisations and cases, with example calls.

`kb demo` adds, as the demo curator, the networks and programmes of records/networks.yaml
(URBACT, Eurocities, Living-in.EU, OASC, Interreg Europe, the Digital Europe Programme,
Smart Flanders, VVSG...), each with what it is and who may join, its members among the
demo's organisations and the demo cases that came out of it. Its calls are examples,
marked as such, dated from the day the demo is built: past ones are closed, one is open
and one is upcoming. A network or organisation is found by name before one is created
(kb.demo.people adds some of the same), so nothing is added twice; a curator's links
and text are kept on a second run, and the example calls get new dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.accounts import Actor
from kb.calls import create_call, update_call
from kb.models import Call, Case, Document, Organisation
from kb.networks import add_link
from kb.people import save_organisation

RECORDS = Path(__file__).resolve().parent / "records" / "networks.yaml"
PROFILE = ("name", "kind", "country", "website", "description", "join_info", "join_url")


@dataclass
class DemoNetworks:
    """What adding the networks did: their ids by name, links made, calls by title."""

    networks: dict[str, int] = field(default_factory=dict)
    links: int = 0
    calls: dict[str, int] = field(default_factory=dict)


def load_records(path: Path = RECORDS) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _by_name(session: Session, name: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(func.lower(Organisation.name) == name.lower())
                          .order_by(Organisation.id).limit(1))


def _network(session: Session, spec: dict, note: str, curator: Actor) -> Organisation:
    """The network of ``spec``: created, or (made by another part of the demo) given what it lacks."""
    wanted = {name: spec.get(name) for name in PROFILE}
    wanted["description"] = f"{spec['description']}\n{note}"
    found = _by_name(session, spec["name"])
    if found is None:
        return save_organisation(session, wanted, curator.name)
    current = {name: getattr(found, name) for name in PROFILE}
    merged = {name: current[name] or wanted[name] for name in PROFILE}
    merged["kind"] = wanted["kind"]
    if merged != current:
        save_organisation(session, merged, curator.name, found)
    return found


def _member(session: Session, name: str, profiles: dict, curator: Actor) -> Organisation:
    """A member by name: a network of the records, an organisation kb.demo.people added, or else
    created from the records' short profile."""
    found = _by_name(session, name)
    if found is not None:
        return found
    if name not in profiles:
        raise LookupError(f"records/networks.yaml names the member {name!r} without a profile")
    kind, country = profiles[name]
    return save_organisation(session, {"name": name, "kind": kind, "country": country}, curator.name)


def _case(session: Session, slug: str) -> Case:
    """The case drafted from the demo site's page of ``slug`` (any language version, any address)."""
    pattern = "%/cases/" + slug.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
    pages = select(Document.id).where(Document.url.like(pattern, escape="\\"))
    case = session.scalar(select(Case).where(Case.from_document_id.in_(pages), Case.deleted_at.is_(None),
                                             Case.merged_into.is_(None)).order_by(Case.id).limit(1))
    if case is None:
        raise LookupError(f"records/networks.yaml names the case {slug!r}, which the demo has no case of")
    return case


def _moment(build_day: date, days: int, at: str, zone: str) -> str:
    hour, minute = map(int, at.split(":"))
    local = datetime.combine(build_day + timedelta(days=days), time(hour, minute), ZoneInfo(zone))
    return local.isoformat()


def _call(session: Session, spec: dict, network_id: int, build_day: date, curator: Actor) -> Call:
    data = {"title": spec["title"], "network_id": network_id, "eligibility": spec["eligibility"],
            "countries": spec["countries"], "themes": spec["themes"], "description": spec["description"],
            "opens": _moment(build_day, spec["opens_days"], "09:00", spec["zone"]),
            "deadline": _moment(build_day, spec["deadline_days"], spec["time"], spec["zone"]),
            "zone": spec["zone"], "url": None, "example": True}
    network = session.get(Organisation, network_id)
    data["url"] = network.website if network else None
    found = session.scalar(select(Call).where(Call.network_id == network_id, Call.title == spec["title"]))
    if found is None:
        return create_call(session, data, curator.name)
    if found.example:  # an example's dates follow the day the demo is built
        update_call(session, found, data, curator.name)
    return found


def add_demo_networks(session: Session, curator: Actor, build_day: date, records: dict | None = None
                      ) -> DemoNetworks:
    """Add the demo's networks, their members and cases, and the example calls (see the module)."""
    records = records or load_records()
    done = DemoNetworks()
    for spec in records["networks"]:
        network = _network(session, spec, records["note"], curator)
        done.networks[spec["name"]] = network.id
    for spec in records["networks"]:
        network = session.get(Organisation, done.networks[spec["name"]])
        for name in spec.get("members") or []:
            member = _member(session, name, records.get("organisations") or {}, curator)
            add_link(session, network, "members", member.id, curator.name)
            done.links += 1
        for slug in spec.get("cases") or []:
            add_link(session, network, "cases", _case(session, slug).id, curator.name)
            done.links += 1
    for spec in records["calls"]:
        done.calls[spec["title"]] = _call(session, spec, done.networks[spec["network"]], build_day, curator).id
    return done
