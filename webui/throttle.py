"""Attempt counts shared by every serving process: sign-in failures and event sign-ups.

``kb serve`` runs one process per core by default (gunicorn workers); a count
kept in each process's memory would give an attacker that many times the
allowed attempts. The counts live in a small SQLite file of the data folder
(``throttle.sqlite3``, not the knowledge base: nothing here is a record worth
keeping or migrating). Should that file be unusable (a read-only folder, a
full disk) the counts fall back to this process's memory (LoginThrottle), with one log line:
searches and sign-ins keep working. On PostgreSQL (``database_url``) several web nodes share one
database and no file, so the counts live in its ``throttle_attempt`` table (ServerThrottle),
made when first needed and left out of the migrations as the file is.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque
from pathlib import Path

from kb.errors import StorageError
from kb.storage import private_file
LOG = logging.getLogger(__name__)
FILE_NAME = "throttle.sqlite3"
PRUNE_EVERY = 200  # calls between removals of expired attempts of every key


class LoginThrottle:
    """Attempts per key (a name and address pair, an address) in a sliding window, in this process's memory.

    ``reserve`` counts an attempt before it is made, so concurrent attempts
    cannot all pass the check before any of them is counted.
    """

    MAX_KEYS = 50_000

    def __init__(self, limit: int = 5, window: float = 900.0, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque:
        now = self.clock()
        failures = self._failures.setdefault(key, deque())
        while failures and now - failures[0] > self.window:
            failures.popleft()
        return failures

    def _wait(self, keys, limits) -> int:
        waits = []
        for key in keys:
            failures, limit = self._recent(key), limits.get(key, self.limit)
            if len(failures) >= limit:
                waits.append(self.window - (self.clock() - failures[len(failures) - limit]))
        return int(max(waits, default=0)) + (1 if waits else 0)

    def retry_after(self, *keys: str, limits: dict | None = None) -> int:
        """Seconds until these keys may try again; 0 when they may now."""
        with self._lock:
            return self._wait(keys, limits or {})

    def reserve(self, *keys: str, limits: dict | None = None) -> int:
        """Count one attempt of every key, unless one is over its limit: then the seconds to wait."""
        with self._lock:
            wait = self._wait(keys, limits or {})
            if not wait:
                self._record(keys)
            return wait

    def failed(self, *keys: str) -> None:
        with self._lock:
            self._record(keys)

    def _record(self, keys) -> None:
        if len(self._failures) > self.MAX_KEYS:  # many names or addresses: forget the quiet ones
            for key in [k for k in self._failures if not self._recent(k)]:
                del self._failures[key]
        for key in keys:
            self._recent(key).append(self.clock())

    def release(self, key: str) -> None:
        """Take back the newest attempt of ``key`` (a sign-in that succeeded)."""
        with self._lock:
            if self._failures.get(key):
                self._failures[key].pop()

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


class SharedThrottle:
    """LoginThrottle's interface (reserve, retry_after, failed, release, succeeded) over a SQLite file."""

    def __init__(self, path: Path, scope: str, limit: int = 5, window: float = 900.0, clock=time.time):
        self.path, self.scope, self.limit, self.window, self.clock = Path(path), scope, limit, window, clock
        self._local = threading.local()
        self._calls = 0
        self._fallback: LoginThrottle | None = None
        self._guarded(self._create)

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            try:  # addresses and names tried: for the owner's eyes only (SQLite's -wal and -shm follow)
                private_file(self.path)
            except StorageError as exc:
                raise sqlite3.OperationalError(str(exc)) from None
            connection = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)  # each statement commits
            connection.execute("PRAGMA journal_mode=WAL")
            self._local.connection = connection
        return connection

    def _create(self, db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS attempts (scope TEXT NOT NULL, key TEXT NOT NULL, at REAL NOT NULL)")
        db.execute("CREATE INDEX IF NOT EXISTS attempts_by_key ON attempts (scope, key, at)")

    def _guarded(self, operation, default=None):
        if self._fallback is None:
            try:
                return operation(self._connection())
            except sqlite3.Error as exc:
                LOG.warning("attempt counts kept in memory only (%s: %s)", self.path, exc)
                self._fallback = LoginThrottle(self.limit, self.window, self.clock)
        return default

    def _wait(self, db: sqlite3.Connection, keys, limits: dict) -> int:
        now, waits = self.clock(), []
        for key in keys:
            limit = limits.get(key, self.limit)
            times = [at for (at,) in db.execute(
                "SELECT at FROM attempts WHERE scope = ? AND key = ? AND at > ? ORDER BY at",
                (self.scope, key, now - self.window))]
            if len(times) >= limit:
                waits.append(self.window - (now - times[len(times) - limit]))
        return int(max(waits, default=0)) + (1 if waits else 0)

    def _insert(self, db: sqlite3.Connection, keys) -> None:
        now = self.clock()
        db.executemany("INSERT INTO attempts (scope, key, at) VALUES (?, ?, ?)",
                       [(self.scope, key, now) for key in keys])
        self._calls += 1
        if self._calls % PRUNE_EVERY == 0:
            db.execute("DELETE FROM attempts WHERE at < ?", (now - self.window,))

    def retry_after(self, *keys: str, limits: dict | None = None) -> int:
        """Seconds until these keys may try again; 0 when they may now."""
        answer = self._guarded(lambda db: self._wait(db, keys, limits or {}))
        return self._fallback.retry_after(*keys, limits=limits) if answer is None else answer

    def reserve(self, *keys: str, limits: dict | None = None) -> int:
        """Count one attempt of every key, unless one is over its limit: then the seconds to wait.

        Check and count are one write transaction, so of many processes and
        threads trying at once, only as many as the limit allows get through.
        """
        def take(db):
            db.execute("BEGIN IMMEDIATE")
            try:
                wait = self._wait(db, keys, limits or {})
                if not wait:
                    self._insert(db, keys)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            return wait

        answer = self._guarded(take)
        return self._fallback.reserve(*keys, limits=limits) if answer is None else answer

    def failed(self, *keys: str) -> None:
        def record(db):
            self._insert(db, keys)
            return True

        if self._guarded(record) is None:
            self._fallback.failed(*keys)

    def release(self, key: str) -> None:
        """Take back the newest attempt of ``key`` (a sign-in that succeeded)."""
        def forget_one(db):
            db.execute("DELETE FROM attempts WHERE rowid = (SELECT rowid FROM attempts WHERE scope = ? AND key = ? "
                       "ORDER BY at DESC LIMIT 1)", (self.scope, key))
            return True

        if self._guarded(forget_one) is None:
            self._fallback.release(key)

    def succeeded(self, *keys: str) -> None:
        def forget(db):
            db.executemany("DELETE FROM attempts WHERE scope = ? AND key = ?", [(self.scope, key) for key in keys])
            return True

        if self._guarded(forget) is None:
            self._fallback.succeeded(*keys)


class ServerThrottle(SharedThrottle):
    """SharedThrottle's counts in the knowledge base's PostgreSQL database, seen by every web node.

    ``reserve`` takes a transaction-scoped advisory lock per key (in a fixed order) before it counts,
    as SQLite's write lock does for the file.
    """

    TABLE = "throttle_attempt"

    def __init__(self, database_url: str, scope: str, limit: int = 5, window: float = 900.0, clock=time.time):
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        # a connection per count (a few ms, for sign-ins, sign-ups and costly searches): none is left
        # open by a throttle that is never closed, as an app's are not
        self.engine = create_engine(database_url, poolclass=NullPool)
        super().__init__(Path(f"{self.TABLE} in {self.engine.url.database}"), scope, limit, window, clock)

    def _guarded(self, operation, default=None):
        from sqlalchemy.exc import SQLAlchemyError

        if self._fallback is None:
            try:
                with self.engine.begin() as db:
                    return operation(db)
            except SQLAlchemyError as exc:
                LOG.warning("attempt counts kept in memory only (%s: %s)", self.path, exc)
                self._fallback = LoginThrottle(self.limit, self.window, self.clock)
        return default

    def _create(self, db) -> None:
        from sqlalchemy import text

        db.execute(text("SELECT pg_advisory_xact_lock(20260002)"))  # two nodes starting at once
        db.execute(text(f"CREATE TABLE IF NOT EXISTS {self.TABLE} (id BIGSERIAL PRIMARY KEY, scope TEXT NOT NULL, "
                        "key TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)"))
        db.execute(text(f"CREATE INDEX IF NOT EXISTS {self.TABLE}_by_key ON {self.TABLE} (scope, key, at)"))

    def _wait(self, db, keys, limits: dict) -> int:
        from sqlalchemy import text

        now, waits = self.clock(), []
        for key in keys:
            limit = limits.get(key, self.limit)
            times = db.execute(text(f"SELECT at FROM {self.TABLE} WHERE scope = :scope AND key = :key AND "
                                    "at > :since ORDER BY at"),
                               {"scope": self.scope, "key": key, "since": now - self.window}).scalars().all()
            if len(times) >= limit:
                waits.append(self.window - (now - times[len(times) - limit]))
        return int(max(waits, default=0)) + (1 if waits else 0)

    def _insert(self, db, keys) -> None:
        from sqlalchemy import text

        now = self.clock()
        db.execute(text(f"INSERT INTO {self.TABLE} (scope, key, at) VALUES (:scope, :key, :at)"),
                   [{"scope": self.scope, "key": key, "at": now} for key in keys])
        self._calls += 1
        if self._calls % PRUNE_EVERY == 0:
            db.execute(text(f"DELETE FROM {self.TABLE} WHERE at < :before"), {"before": now - self.window})

    def reserve(self, *keys: str, limits: dict | None = None) -> int:
        """Count one attempt of every key, unless one is over its limit: then the seconds to wait."""
        from sqlalchemy import text

        def take(db):
            for key in sorted(set(keys)):
                db.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
                           {"name": f"{self.scope} {key}"})
            wait = self._wait(db, keys, limits or {})
            if not wait:
                self._insert(db, keys)
            return wait

        answer = self._guarded(take)
        return self._fallback.reserve(*keys, limits=limits) if answer is None else answer

    def release(self, key: str) -> None:
        """Take back the newest attempt of ``key`` (a sign-in that succeeded)."""
        from sqlalchemy import text

        def forget_one(db):
            db.execute(text(f"DELETE FROM {self.TABLE} WHERE id = (SELECT id FROM {self.TABLE} WHERE scope = :scope "
                            "AND key = :key ORDER BY at DESC, id DESC LIMIT 1)"), {"scope": self.scope, "key": key})
            return True

        if self._guarded(forget_one) is None:
            self._fallback.release(key)

    def succeeded(self, *keys: str) -> None:
        from sqlalchemy import text

        def forget(db):
            db.execute(text(f"DELETE FROM {self.TABLE} WHERE scope = :scope AND key = :key"),
                       [{"scope": self.scope, "key": key} for key in keys])
            return True

        if self._guarded(forget) is None:
            self._fallback.succeeded(*keys)


def shared_throttle(settings, scope: str, limit: int, window: float) -> SharedThrottle:
    """The throttle of ``scope`` for the data folder of ``settings`` (its PostgreSQL database when it has one)."""
    if getattr(settings, "database_url", ""):
        return ServerThrottle(settings.database_url, scope, limit, window)
    return SharedThrottle(Path(settings.data_dir) / FILE_NAME, scope, limit, window)
