"""Politeness across threads: one request at a time per host, and a pause after each.

A ``HostGate`` is shared by every worker (and by the crawls of several sources
running side by side), so no host ever sees two requests from us at once. The
key is the URL's authority (host and port), the unit robots.txt applies to.
After a request the host rests for the crawl delay (ours, or the larger
``Crawl-delay`` of its robots.txt) before it can be claimed again, and, as
Scrapy's AutoThrottle does, at least as long as the host has lately taken to
answer: a server slowing down under load gets more room, never less than the
delay. ``--delay 0`` (one's own server) turns every pause off. A visit holds
one host; the few requests it makes beyond one (a redirect hop, robots.txt
moved to another host, a retry) each take their turn too (``Turns``).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Callable, Protocol
from urllib.parse import urlsplit

MAX_ADAPTIVE_REST = 60.0  # a host that takes minutes to answer still gets asked again within one


def host_key(url: str) -> str:
    """The politeness unit of ``url``: its authority, lower-cased (``stad.be``, ``127.0.0.1:8000``)."""
    return urlsplit(url).netloc.lower()


class HostGate:
    """Which hosts are busy or resting; thread-safe."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Condition()  # notified when a host is released
        self._busy: set[str] = set()
        self._free_at: dict[str, float] = {}
        self._latency: dict[str, float] = {}  # per host: its answering time, smoothed (AutoThrottle's mean)

    def unavailable(self) -> set[str]:
        """Hosts that must not be claimed now: in use, or resting after a request."""
        now = self._clock()
        with self._lock:
            return self._busy | {key for key, at in self._free_at.items() if at > now}

    def try_acquire(self, key: str) -> bool:
        now = self._clock()
        with self._lock:
            if key in self._busy or self._free_at.get(key, 0.0) > now:
                return False
            self._busy.add(key)
            return True

    def acquire(self, key: str, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for ``key`` to be free and rested, and take it; False if it was not."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                if key not in self._busy and self._free_at.get(key, 0.0) <= self._clock():
                    self._busy.add(key)
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                resting = self._free_at.get(key, 0.0) - self._clock() if key not in self._busy else left
                self._lock.wait(min(left, max(resting, 0.001)))

    def release(self, key: str, delay: float, latency: float | None = None) -> None:
        """The request to ``key`` is over, its answer took ``latency`` seconds (None: no request was
        sent); the host rests ``delay`` seconds, or its smoothed latency when longer (delay > 0 only)."""
        self._free(key, self._rest_after(key, delay, latency))

    def _rest_after(self, key: str, delay: float, latency: float | None) -> float:
        with self._lock:
            if latency is not None and delay > 0:
                smoothed = (self._latency.get(key, latency) + latency) / 2
                self._latency[key] = smoothed
                delay = max(delay, min(smoothed, MAX_ADAPTIVE_REST))
        return max(0.0, delay)

    def _free(self, key: str, rest: float) -> None:
        with self._lock:
            self._busy.discard(key)
            self._free_at[key] = self._clock() + rest
            self._lock.notify_all()

    def renew(self) -> None:
        """Nothing to renew: this gate's hosts are held in this process only (see SharedGate)."""

    def close(self) -> None:
        """Nothing to let go of (see SharedGate)."""

    def next_free_in(self) -> float:
        """Seconds until the first resting host may be claimed again (0 when none rests)."""
        now = self._clock()
        with self._lock:
            waits = [at - now for key, at in self._free_at.items() if at > now and key not in self._busy]
        return min(waits, default=0.0)


class Ledger(Protocol):
    """Where workers of one knowledge base keep hosts' turns between them (crawler.host_ledger)."""

    def take(self, key: str) -> float | None: ...
    def give_back(self, key: str, rest: float) -> None: ...
    def renew(self) -> None: ...
    def close(self) -> None: ...


class SharedGate(HostGate):
    """A ``HostGate`` whose hosts are also taken in a ledger shared by other processes (workers on
    other machines): a host is this process's only once both agree. A host another worker holds or
    rested is left to rest here for as long as the ledger says (or a short look again), so the
    claims pass over it meanwhile."""

    def __init__(self, ledger: Ledger, clock=time.monotonic):
        super().__init__(clock)
        self.ledger = ledger

    def try_acquire(self, key: str) -> bool:
        return super().try_acquire(key) and self._take(key)

    def acquire(self, key: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while super().acquire(key, max(0.0, deadline - time.monotonic())):
            if self._take(key):
                return True
        return False

    def _take(self, key: str) -> bool:
        """Held here: take it in the ledger too, or let it rest here until it may be free there."""
        wait = self.ledger.take(key)
        if wait is not None:
            self._free(key, wait)
        return wait is None

    def release(self, key: str, delay: float, latency: float | None = None) -> None:
        rest = self._rest_after(key, delay, latency)
        try:  # in the ledger first: the host is free here only once it is there
            self.ledger.give_back(key, rest)
        finally:
            self._free(key, rest)

    def renew(self) -> None:
        self.ledger.renew()

    def close(self) -> None:
        self.ledger.close()


class HostBusy(Exception):
    """Another host a visit's request leads to stayed busy too long: the visit is tried again later."""


class Turns:
    """The requests of one visit, each in its host's turn.

    The visit holds one host at the gate (``held``). A second request to it within the
    visit (a redirect hop, a retry, robots.txt of the other scheme) waits for the host's
    delay after the first; a request to any other host (robots.txt that redirects to
    another host) waits for that host's turn at the gate, as the crawl's own claims do,
    and leaves it resting for its delay (``rest_of``: the crawl's, or the larger ``Crawl-delay``
    of that host's robots.txt once read). That wait is bounded (``patience``): two
    visits each waiting for the host the other holds give up, raising ``HostBusy``, and
    their URLs go back to the frontier.
    """

    def __init__(self, gate: HostGate, held: str, delay: float, patience: float,
                 rest_of: Callable[[str], float] | None = None, sleep=time.sleep, clock=time.monotonic):
        self.gate, self.held, self.delay, self.patience = gate, host_key(held), delay, patience
        self.rest_of = rest_of or (lambda _url: delay)  # what another host rests after our request to it
        self._sleep, self._clock = sleep, clock
        self._last: float | None = None  # when the visit's last request to its own host ended

    @contextmanager
    def request(self, url: str):
        """Around one request to ``url``: wait for its host's turn, then hold it while the request runs."""
        key = host_key(url)
        if key == self.held:
            if self._last is not None and self.delay > 0:
                self._sleep(max(0.0, self._last + self.delay - self._clock()))
            try:
                yield
            finally:
                self._last = self._clock()
            return
        if not self.gate.acquire(key, self.patience):
            raise HostBusy(f"{key} stayed busy for {self.patience:.0f} s")
        started = self._clock()
        try:
            yield
        finally:
            self.gate.release(key, self.rest_of(url), self._clock() - started)
