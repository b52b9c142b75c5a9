"""Which organisations a case names, and which cases name an organisation.

A case's contact organisation (``Case.contact_org``) names one or more organisations,
separated by semicolons: "Stad Antwerpen; imec". Where such a name is the name of an
organisation profile (ignoring case and surrounding spaces), the case and the profile
are linked: the case page leads to the profile and the profile lists the case. A name
with no profile stays plain text. Editing either side's name is all it takes to link or
unlink them, with no second record to keep in step.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.cases import is_live
from kb.models import Case, Organisation

SEPARATOR = ";"


def named_organisations(contact_org: str | None) -> list[str]:
    """The organisation names of a contact organisation field, in order, without repeats."""
    names = (part.strip() for part in (contact_org or "").split(SEPARATOR))
    return list(dict.fromkeys(name for name in names if name))


def join_names(names: list[str]) -> str:
    return f"{SEPARATOR} ".join(dict.fromkeys(names))


def _key(name: str) -> str:
    return name.strip().casefold()


def organisations_of(session: Session, case: Case) -> list[tuple[str, Organisation | None]]:
    """Each name the case gives, with the profile of that name (None when there is none)."""
    names = named_organisations(case.contact_org)
    if not names:
        return []
    profiles = {_key(o.name): o for o in session.scalars(select(Organisation))}
    return [(name, profiles.get(_key(name))) for name in names]


def cases_of(session: Session, organisation: Organisation, readers: bool = True) -> list[Case]:
    """The cases naming ``organisation``; for ``readers``, only validated, live ones. By title."""
    wanted = _key(organisation.name)
    pattern = f"%{organisation.name.strip()}%"  # a cheap first cut; the exact test is on each name
    rows = session.scalars(select(Case).where(Case.contact_org.ilike(pattern)))
    found = [case for case in rows if wanted in map(_key, named_organisations(case.contact_org))
             and is_live(case) and (case.review_state == "validated" or not readers)]
    return sorted(found, key=lambda case: case.title.casefold())
