"""The crawl loop's direct line to SQLite: one short transaction per turn of the loop.

The loop writes a handful of rows per page; through the ORM (and even Core) the
statement caches, parameter processing and unit of work cost more CPU than
SQLite answering, and the crawl is bound by that CPU. So the frontier and the
page store speak SQL to the DBAPI connection, with values encoded by the very
types of ``kb.models`` (``encoder``): rows written here read back through the ORM
as if it had written them. ``kb.models`` stays the schema. SQLite errors are
translated at this boundary, as ``KnowledgeBase.session`` does for the ORM.
"""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Callable

from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import OperationalError

from kb.errors import StorageError
from kb.storage import KnowledgeBase, describe_operational_error

_DIALECT = sqlite.dialect()


def encoder(column) -> Callable:
    """How SQLAlchemy would write a value of ``column`` (JSON text, a DATETIME string, 0/1)."""
    process = column.type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
    return process or (lambda value: value)


def decoder(column) -> Callable:
    """How SQLAlchemy would read a stored value of ``column`` back."""
    process = column.type.dialect_impl(_DIALECT).result_processor(_DIALECT, None)
    return process or (lambda value: value)


@contextlib.contextmanager
def connection(kb: KnowledgeBase):
    """A connection from the engine's pool, for a few statements (a checkout costs microseconds).

    Never held for a whole crawl: ``kb crawl --due`` runs up to 64 crawls side by side, more than
    the pool holds.
    """
    pooled = kb.engine.raw_connection()
    try:
        yield pooled.driver_connection
    finally:
        pooled.close()  # back to the pool, rolled back if anything was left open


@contextlib.contextmanager
def transaction(kb: KnowledgeBase):
    """A connection whose writes in the block commit together, or none does (a kill keeps the last commit)."""
    with connection(kb) as db:
        try:
            yield db
            db.commit()
        except sqlite3.OperationalError as exc:
            db.rollback()
            raise StorageError(describe_operational_error(OperationalError(None, None, exc),
                                                          kb.settings.data_dir)) from exc
        except BaseException:
            db.rollback()
            raise


@contextlib.contextmanager
def in_transaction(kb: KnowledgeBase, db: sqlite3.Connection | None):
    """``db`` when the caller holds a transaction (to commit with its other writes), else one of our own."""
    if db is not None:
        yield db
        return
    with transaction(kb) as own:
        yield own
