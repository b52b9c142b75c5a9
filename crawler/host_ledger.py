"""Hosts' turns kept in the knowledge base (table ``crawl_host``), for crawler workers on several machines.

One process keeps one request at a time per host, and the rest after it, with
``crawler.politeness.HostGate``. Workers sharing a PostgreSQL frontier also take
each host here before asking it (``take``: one atomic upsert, so of two workers
at once exactly one gets it) and give it back with the time it may next be asked
(``give_back``). A host is held under a lease, as frontier claims are: renewed
with them (``renew``), and taken over by another worker once it ran out (its
holder died). A worker restarted under its name lets go at once of what it held
before (``let_go``), as it puts back its URLs in flight.

Times are the workers' clocks in UTC, as the claims' are: machines kept in time
by NTP, a few milliseconds apart, move a host's rest by as much.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import datetime, timedelta

from sqlalchemy.exc import OperationalError

from crawler.database import ServerConnection, decoder, encoder, transaction
from crawler.politeness import HostGate, SharedGate
from crawler.settings import CrawlSettings, worker_name
from kb.models import CrawlHost, utcnow
from kb.errors import StorageError
from kb.storage import KnowledgeBase, describe_operational_error

_WHEN = encoder(CrawlHost.__table__.c.free_at)
_READ_WHEN = decoder(CrawlHost.__table__.c.free_at)
# Another worker is asking the host now: how soon to look again (its rest after the request is unknown).
LOOK_AGAIN = 0.1

_TAKE = ("INSERT INTO crawl_host (host, held_by, held_until, free_at) VALUES (?, ?, ?, ?) "
         "ON CONFLICT (host) DO UPDATE SET held_by = excluded.held_by, held_until = excluded.held_until "
         "WHERE (crawl_host.held_by IS NULL OR crawl_host.held_until < ?) AND crawl_host.free_at <= ? "
         "RETURNING host")
_STATE = "SELECT held_by, held_until, free_at FROM crawl_host WHERE host = ?"
_GIVE_BACK = ("UPDATE crawl_host SET held_by = NULL, held_until = NULL, free_at = ? "
              "WHERE host = ? AND held_by = ?")
_RENEW = "UPDATE crawl_host SET held_until = ? WHERE held_by = ?"
_LET_GO = "UPDATE crawl_host SET held_by = NULL, held_until = NULL WHERE held_by = ?"


class HostLedger:
    """The ``crawl_host`` table as one worker (``worker_id``) uses it; each call is its own short
    transaction, never the crawl loop's (two workers' turns must not wait on each other's locks).

    On PostgreSQL the ledger keeps one connection in autocommit, its calls taking turns on it: a
    call is one round trip to the server instead of four (the pool's ping, BEGIN, the statement,
    COMMIT), which cost one worker on four local hosts a quarter of its pages per second. ``close``
    gives it back to the pool.
    """

    def __init__(self, kb: KnowledgeBase, worker_id: str, lease: float):
        self.kb, self.worker_id, self.lease = kb, worker_id, lease
        self._lock = threading.Lock()
        self._kept = None  # the pooled connection held, on PostgreSQL

    @contextlib.contextmanager
    def _db(self):
        if self.kb.engine.dialect.name != "postgresql":
            with transaction(self.kb) as db:
                yield db
            return
        with self._lock:
            if self._kept is None:
                self._kept = self.kb.engine.raw_connection()
                self._kept.driver_connection.autocommit = True
            try:
                yield ServerConnection(self._kept.driver_connection)
            except self.kb.engine.dialect.loaded_dbapi.OperationalError as exc:
                self._kept.invalidate()  # the next call connects again
                self._kept = None
                raise StorageError(describe_operational_error(OperationalError(None, None, exc),
                                                              self.kb.settings.data_dir)) from exc

    def close(self) -> None:
        with self._lock:
            if self._kept is not None:
                self._kept.driver_connection.autocommit = False
                self._kept.close()
                self._kept = None

    def take(self, key: str) -> float | None:
        """Hold host ``key`` for a request: None when held now, else seconds until it may be free."""
        now = utcnow()
        parameters = (key, self.worker_id, _WHEN(now + timedelta(seconds=self.lease)), _WHEN(now), _WHEN(now),
                      _WHEN(now))
        with self._db() as db:
            if db.execute(_TAKE, parameters).fetchall():
                return None
            row = db.execute(_STATE, (key,)).fetchone()
        return self._wait(now, row)

    @staticmethod
    def _wait(now: datetime, row) -> float:
        held_by, held_until, free_at = row if row else (None, None, None)
        if held_by is not None and _READ_WHEN(held_until) >= now:
            return LOOK_AGAIN
        rest = (_READ_WHEN(free_at) - now).total_seconds() if free_at else 0.0
        return max(rest, 0.001)  # given back meanwhile: look again at once

    def give_back(self, key: str, rest: float) -> None:
        """The request to ``key`` is over; no worker asks it for ``rest`` seconds."""
        free_at = _WHEN(utcnow() + timedelta(seconds=rest))
        with self._db() as db:
            db.execute(_GIVE_BACK, (free_at, key, self.worker_id))

    def renew(self) -> None:
        """The hosts this worker holds stay its own for another lease."""
        with self._db() as db:
            db.execute(_RENEW, (_WHEN(utcnow() + timedelta(seconds=self.lease)), self.worker_id))

    def let_go(self) -> None:
        """What this worker held before it was restarted (killed mid-request) is free again."""
        with self._db() as db:
            db.execute(_LET_GO, (self.worker_id,))


def host_gate(kb: KnowledgeBase, settings: CrawlSettings) -> HostGate:
    """The gate of one crawling process: on PostgreSQL, where workers on other machines may share the
    frontier, one that takes hosts in the ledger too. SQLite has one writer at a time, and the crawl
    loop asks the gate inside its own write transaction: a ledger there would wait on the loop itself,
    so one crawling process per data folder keeps its hosts' turns in memory, as before."""
    if kb.engine.dialect.name != "postgresql":
        return HostGate()
    ledger = HostLedger(kb, worker_name(settings), settings.claim_lease)
    ledger.let_go()
    return SharedGate(ledger)
