"""Attempt counts shared by every serving process: sign-in failures and event sign-ups.

``kb serve`` runs one process per core by default (gunicorn workers); a count
kept in each process's memory would give an attacker that many times the
allowed attempts. The counts live in a small SQLite file of the data folder
(``throttle.sqlite3``, not the knowledge base: nothing here is a record worth
keeping or migrating). Should that file be unusable (a read-only folder, a
full disk) the counts fall back to this process's memory (LoginThrottle), with one log line:
searches and sign-ins keep working.
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


def shared_throttle(settings, scope: str, limit: int, window: float) -> SharedThrottle:
    """The throttle of ``scope`` for the data folder of ``settings``."""
    return SharedThrottle(Path(settings.data_dir) / FILE_NAME, scope, limit, window)
