"""Record ids a request may name, and which of them the database can hold.

A number from a form, a query string or a JSON body is asked for only when the database could have a
record by it: SQLite's integer primary keys are 64-bit, PostgreSQL's (the migrations' INTEGER) 32-bit,
and asking PostgreSQL for a larger one is an out-of-range error (a 500), not an empty answer.
Its own module: the modules that check ids are among those kb.storage loads to build the schema.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

SQLITE_ID_MAX, POSTGRESQL_ID_MAX = 2**63 - 1, 2**31 - 1


def record_id_max(bind: Engine | Connection) -> int:
    return POSTGRESQL_ID_MAX if bind.dialect.name == "postgresql" else SQLITE_ID_MAX


def holds_id(session: Session, number) -> bool:
    """Whether ``number`` (from a form, a query string or a JSON body) can be a record id in the session's
    database: a positive whole number it can store. Check before asking for it; a number that fails names
    no record, on either engine."""
    return (isinstance(number, int) and not isinstance(number, bool)
            and 0 < number <= record_id_max(session.get_bind()))


def get_record(session: Session, model, number):
    """``session.get(model, number)``, None for a number no record of the database can have (``holds_id``)."""
    return session.get(model, number) if holds_id(session, number) else None
