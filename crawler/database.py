"""The crawl loop's direct line to the database: one short transaction per turn of the loop.

The loop writes a handful of rows per page; through the ORM (and even Core) the
statement caches, parameter processing and unit of work cost more CPU than
SQLite answering, and the crawl is bound by that CPU. So the frontier and the
page store speak SQL to the DBAPI connection, with values encoded by the very
types of ``kb.models`` (``encoder``): rows written here read back through the ORM
as if it had written them. ``kb.models`` stays the schema. Database errors are
translated at this boundary, as ``KnowledgeBase.session`` does for the ORM; those
by which PostgreSQL rolls back one of two writers that met (a deadlock broken) become
``TransactionConflict``, and ``retried`` runs such a transaction again whole.

The SQL is SQLite's. On PostgreSQL ``ServerConnection`` hands the same statements
to psycopg, translated once each (``server_sql``): ``?`` placeholders, the few
SQLite idioms used (``IS 0``, ``json_extract``), and an INSERT's new id; its
cursors read JSON and timestamps back as text, so ``decoder`` reads both engines
alike. Booleans are encoded as ``bool``, which SQLite stores as 0 and 1.
"""

from __future__ import annotations

import contextlib
import functools
import random
import re
import sqlite3
import time
from typing import Callable

from sqlalchemy import Boolean
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import OperationalError

from kb.errors import StorageError
from kb.storage import KnowledgeBase, describe_operational_error

_DIALECT = sqlite.dialect()


def encoder(column) -> Callable:
    """How SQLAlchemy would write a value of ``column`` to SQLite (JSON text, a DATETIME string), which
    PostgreSQL reads too; a boolean stays ``bool`` (SQLite stores 0/1, PostgreSQL refuses an integer)."""
    if isinstance(column.type, Boolean):
        return lambda value: value if value is None else bool(value)
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
        driver = pooled.driver_connection
        yield driver if kb.engine.dialect.name == "sqlite" else ServerConnection(driver)
    finally:
        pooled.close()  # back to the pool, rolled back if anything was left open


# PostgreSQL's answers that roll a transaction back through no fault of its own, when writers meet: a deadlock
# broken (40P01), a serialization failure (40001), and a unique key another writer took first (23505: two
# workers storing one address as a document at once). Nothing was written, and the same work may run again.
CONFLICTS = frozenset({"40P01", "40001", "23505"})
ATTEMPTS = 5  # runs of a transaction in all, before its conflict is the caller's


class TransactionConflict(StorageError):
    """The server rolled the transaction back to let another writer through; nothing was written."""


@contextlib.contextmanager
def transaction(kb: KnowledgeBase):
    """A connection whose writes in the block commit together, or none does (a kill keeps the last commit)."""
    with connection(kb) as db:
        try:
            yield db
            db.commit()
        except BaseException as exc:
            db.rollback()
            translated = _translated(kb, exc)
            if translated is None:
                raise
            raise translated from exc


def _translated(kb: KnowledgeBase, exc: BaseException) -> StorageError | None:
    """The StorageError a database error means (None: not one to translate)."""
    message = "the knowledge base is busy with another writer; nothing was changed, please retry"
    if getattr(exc, "sqlstate", None) in CONFLICTS:  # only psycopg's errors have one
        return TransactionConflict(f"{message} ({exc.sqlstate}: {str(exc).splitlines()[0]})")
    if isinstance(exc, kb.engine.dialect.loaded_dbapi.OperationalError):  # sqlite3's or psycopg's
        return StorageError(describe_operational_error(OperationalError(None, None, exc), kb.settings.data_dir))
    return None


def retried(kb: KnowledgeBase, work: Callable, undo: Callable[[], None] = lambda: None, attempts: int = ATTEMPTS):
    """``work(db)`` in a transaction, run again from the start when the server rolled it back for a
    conflict with another writer (up to ``attempts`` runs, after a short random pause); returns its result.

    Each run starts from a clean slate: ``work`` must not have changed anything outside the database
    before it returns (or ``undo`` takes that back after a run that failed).
    """
    for attempt in range(1, attempts + 1):
        try:
            with transaction(kb) as db:
                return work(db)
        except TransactionConflict:
            undo()
            if attempt == attempts:
                raise
            time.sleep(random.uniform(0, 0.01 * 2**attempt))  # the two writers do not meet again at once
    raise ValueError("attempts must be 1 or more")


@contextlib.contextmanager
def in_transaction(kb: KnowledgeBase, db: sqlite3.Connection | ServerConnection | None):
    """``db`` when the caller holds a transaction (to commit with its other writes), else one of our own."""
    if db is not None:
        yield db
        return
    with transaction(kb) as own:
        yield own


# SQLite idioms of the crawl's SQL and their PostgreSQL spelling (the columns named are json and boolean).
_IDIOMS = ((re.compile(r"\bIS 0\b"), "IS false"),
           (re.compile(r"json_extract\((\w+), '\$\.(\w+)'\)"), r"(\1 ->> '\2')"))


@functools.lru_cache(maxsize=256)
def server_sql(statement: str, returning_id: bool = False) -> str:
    """A statement of the crawl's SQLite SQL as PostgreSQL (psycopg's ``%s`` placeholders) reads it."""
    translated = statement.replace("%", "%%").replace("?", "%s")
    for pattern, replacement in _IDIOMS:
        translated = pattern.sub(replacement, translated)
    if returning_id:
        translated += " RETURNING id"
    return translated


def _is_plain_insert(statement: str) -> bool:
    return statement.lstrip()[:6].upper() == "INSERT" and "RETURNING" not in statement.upper()


class ServerCursor:
    """psycopg's cursor with ``lastrowid`` as sqlite3 gives it (the id of the row an INSERT added)."""

    def __init__(self, cursor, lastrowid: int | None = None):
        self._cursor, self.lastrowid = cursor, lastrowid

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def fetchone(self):
        return self._cursor.fetchone()

    def fetchall(self):
        return self._cursor.fetchall()

    def __iter__(self):
        return iter(self._cursor)


class ServerConnection:
    """The part of sqlite3's connection the crawl uses, over a psycopg connection to PostgreSQL."""

    def __init__(self, driver):
        self._driver = driver

    def _cursor(self):
        from psycopg.types.string import TextLoader

        cursor = self._driver.cursor()
        for name in ("json", "jsonb", "timestamp", "timestamptz"):  # as text, as SQLite gives them
            cursor.adapters.register_loader(name, TextLoader)
        return cursor

    def execute(self, statement: str, parameters=()) -> ServerCursor:
        cursor = self._cursor()
        if _is_plain_insert(statement):
            cursor.execute(server_sql(statement, returning_id=True), tuple(parameters))
            row = cursor.fetchone()
            return ServerCursor(cursor, row[0] if row else None)
        cursor.execute(server_sql(statement), tuple(parameters))
        return ServerCursor(cursor)

    def executemany(self, statement: str, rows) -> ServerCursor:
        cursor = self._cursor()
        cursor.executemany(server_sql(statement), [tuple(row) for row in rows])
        return ServerCursor(cursor)

    def commit(self) -> None:
        self._driver.commit()

    def rollback(self) -> None:
        self._driver.rollback()
