"""Politeness across threads: one request at a time per host, and a pause after each.

A ``HostGate`` is shared by every worker (and by the crawls of several sources
running side by side), so no host ever sees two requests from us at once. The
key is the URL's authority (host and port), the unit robots.txt applies to.
After a request the host rests for the crawl delay (ours, or the larger
``Crawl-delay`` of its robots.txt) before it can be claimed again, and, as
Scrapy's AutoThrottle does, at least as long as the host has lately taken to
answer: a server slowing down under load gets more room, never less than the
delay. ``--delay 0`` (one's own server) turns every pause off.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

MAX_ADAPTIVE_REST = 60.0  # a host that takes minutes to answer still gets asked again within one


def host_key(url: str) -> str:
    """The politeness unit of ``url``: its authority, lower-cased (``stad.be``, ``127.0.0.1:8000``)."""
    return urlsplit(url).netloc.lower()


class HostGate:
    """Which hosts are busy or resting; thread-safe."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
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

    def release(self, key: str, delay: float, latency: float | None = None) -> None:
        """The request to ``key`` is over, its answer took ``latency`` seconds (None: no request was
        sent); the host rests ``delay`` seconds, or its smoothed latency when longer (delay > 0 only)."""
        with self._lock:
            self._busy.discard(key)
            if latency is not None and delay > 0:
                smoothed = (self._latency.get(key, latency) + latency) / 2
                self._latency[key] = smoothed
                delay = max(delay, min(smoothed, MAX_ADAPTIVE_REST))
            self._free_at[key] = self._clock() + max(0.0, delay)

    def next_free_in(self) -> float:
        """Seconds until the first resting host may be claimed again (0 when none rests)."""
        now = self._clock()
        with self._lock:
            waits = [at - now for key, at in self._free_at.items() if at > now and key not in self._busy]
        return min(waits, default=0.0)
