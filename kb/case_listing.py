"""Browsing case records: the facets of search over cases, sorted, a page at a time or all for export.

Facets are country, population band, theme, year, project status, network or programme and
review state, named in URLs as search names them (``country``, ``population``, ``theme``,
``year``) plus ``status``, ``network`` (a network's id: the cases that came out of it, as
kb.networks links them) and ``state``. As in search (index.facets), values of one facet are OR, facets are AND, and
each facet's counts reflect every other active filter but its own, so a reader can widen a
selection from the counts shown. A case of several years counts under each of them.

Cases are few next to documents (thousands, not millions), so this reads the live cases'
facet columns in one query and counts in Python; it needs no index and is never stale.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.fields import whole_number
from kb.models import Case, NetworkCase, Organisation
from kb.people import NETWORK_KINDS
from kb.record_ids import holds_id

CASE_FACETS = ("country", "population", "theme", "year", "status", "network", "state")
SORTS = ("updated", "title", "country", "year")
NO_VALUE = ""


@dataclass
class CaseListing:
    """One page of matching cases, how many match, the facet counts, and the names of the networks
    counted or chosen (by id, as the network facet's values are)."""

    cases: list[Case]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    network_names: dict[str, str] = field(default_factory=dict)


def facet_values(case: Case, networks: list[str] = ()) -> dict[str, list[str]]:
    """The values a case has in each facet (none for a facet it says nothing about); ``networks`` are
    the ids of the networks and programmes it came out of."""
    def one(value) -> list[str]:
        return [str(value)] if value not in (None, NO_VALUE) else []
    return {"country": one(case.country), "population": one(case.population_band),
            "theme": [str(t) for t in case.themes or []], "year": [str(y) for y in case.years or []],
            "status": one(case.status), "network": list(networks), "state": one(case.review_state)}


def case_networks(session: Session) -> dict[int, list[str]]:
    """Case id -> the ids (as text) of the networks and programmes linked to it."""
    linked: dict[int, list[str]] = {}
    for case_id, network_id in session.execute(select(NetworkCase.case_id, NetworkCase.network_id)
                                               .order_by(NetworkCase.id)):
        linked.setdefault(case_id, []).append(str(network_id))
    return linked


def network_names(session: Session, ids: set[str]) -> dict[str, str]:
    """The names of the networks and programmes of ``ids`` (other ids are left out)."""
    numbers = [n for n in map(whole_number, ids) if holds_id(session, n)]
    if not numbers:
        return {}
    return {str(i): name for i, name in session.execute(select(Organisation.id, Organisation.name)
                                                        .where(Organisation.id.in_(numbers),
                                                               Organisation.kind.in_(NETWORK_KINDS)))}


def _matches(values: dict[str, list[str]], filters: dict[str, list[str]], skip: str | None = None,
             unless_chosen: tuple[str, ...] = ()) -> bool:
    if skip != "state" and not filters.get("state") and set(values["state"]) & set(unless_chosen):
        return False
    return all(set(values[name]) & set(chosen) for name, chosen in filters.items() if name != skip and chosen)


def _sort_key(sort: str):
    if sort == "title":
        return lambda case: (case.title or "").casefold()
    if sort == "country":
        return lambda case: (case.country or "~", (case.municipality or "").casefold(), (case.title or "").casefold())
    if sort == "year":
        return lambda case: (-max(case.years or [0]), (case.title or "").casefold())
    return lambda case: (-case.updated_at.timestamp() if case.updated_at else 0, -case.id)


def _text_matches(case: Case, words: list[str]) -> bool:
    text = " ".join(filter(None, (case.title, case.summary, case.municipality, case.programme,
                                  case.contact_org, " ".join(case.technologies or [])))).casefold()
    return all(word in text for word in words)


def browse_cases(session: Session, filters: dict[str, list[str]], states: tuple[str, ...], q: str = "",
                 sort: str = "updated", page: int = 1, per_page: int = 50,
                 unless_chosen: tuple[str, ...] = ("rejected",)) -> CaseListing:
    """Live cases in one of ``states`` matching ``q`` (every word, in any field of text) and the filters.
    Cases in a review state of ``unless_chosen`` are counted in the state facet but listed only when
    that facet is filtered (a contributor asks for the rejected ones)."""
    filters = {name: list(values) for name, values in filters.items() if name in CASE_FACETS and values}
    query = select(Case).where(Case.deleted_at.is_(None), Case.merged_into.is_(None), Case.review_state.in_(states))
    words = q.casefold().split()
    cases = [case for case in session.scalars(query) if not words or _text_matches(case, words)]
    linked = case_networks(session)
    values = {case.id: facet_values(case, linked.get(case.id, [])) for case in cases}
    facets = {}
    for name in CASE_FACETS:
        counts = Counter(value for case in cases if _matches(values[case.id], filters, name, unless_chosen)
                         for value in set(values[case.id][name]))
        facets[name] = dict(counts)
    matching = sorted((case for case in cases if _matches(values[case.id], filters, None, unless_chosen)),
                      key=_sort_key(sort if sort in SORTS else "updated"))
    start = (max(1, page) - 1) * per_page
    names = network_names(session, set(facets["network"]) | set(filters.get("network", [])))
    return CaseListing(matching[start:start + per_page], len(matching), facets, names)
