"""robots.txt, read with Protego (wildcards, Allow precedence, Crawl-delay).

A robots.txt answering 404 (or any 4xx) allows everything; a 5xx or a network
error means "do not crawl this host now", as Google and RFC 9309 advise.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from crawler.errors import SkipError
from crawler.fetch import Fetcher
from crawler.politeness import Turns


@dataclass
class HostRules:
    """What robots.txt says for one host, for our user agent."""

    parser: Protego | None
    unavailable: str | None = None

    def allows(self, url: str, agent: str) -> bool:
        return self.unavailable is None and (self.parser is None or self.parser.can_fetch(url, agent))

    def crawl_delay(self, agent: str) -> float:
        if self.parser is None:
            return 0.0
        return float(self.parser.crawl_delay(agent) or 0.0)

    def sitemaps(self) -> list[str]:
        return list(self.parser.sitemaps) if self.parser is not None else []


class RobotsCache:
    """robots.txt per scheme+host, fetched once per crawl; safe to share between threads."""

    def __init__(self, fetcher: Fetcher, agent: str):
        self.fetcher = fetcher
        self.agent = agent.split("/", 1)[0]
        self.rules: dict[str, HostRules] = {}
        self._lock = threading.Lock()

    def for_url(self, url: str, turns: Turns | None = None) -> HostRules:
        return self.load(url, turns)[0]

    def load(self, url: str, turns: Turns | None = None) -> tuple[HostRules, bool]:
        """The rules for ``url``'s site, and whether they were fetched by this call.

        In a crawl, ``turns`` is the visit's: robots.txt, and every host its redirects lead to, is
        asked in that host's turn. A host that stays busy raises ``HostBusy`` and nothing is kept."""
        parts = urlsplit(url)
        root = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        with self._lock:
            if root in self.rules:
                return self.rules[root], False
        rules = self._load(root + "/robots.txt", turns)  # the host is ours alone (HostGate), so no double fetch
        with self._lock:
            return self.rules.setdefault(root, rules), True

    def known_crawl_delay(self, url: str) -> float:
        """The ``Crawl-delay`` of ``url``'s site if its robots.txt was read already, else 0 (nothing is fetched)."""
        parts = urlsplit(url)
        with self._lock:
            rules = self.rules.get(urlunsplit((parts.scheme, parts.netloc, "", "", "")))
        return rules.crawl_delay(self.agent) if rules is not None else 0.0

    def allows(self, url: str, turns: Turns | None = None) -> bool:
        return self.for_url(url, turns).allows(url, self.agent)

    def _load(self, robots_url: str, turns: Turns | None) -> HostRules:
        try:
            response = self.fetcher.fetch(robots_url, turns=turns)
        except SkipError as exc:
            return HostRules(None, f"robots.txt unreachable ({exc.reason})")
        if response.status >= 500:
            return HostRules(None, f"robots.txt answered {response.status}")
        if response.status >= 400:
            return HostRules(None)
        text = response.body.decode("utf-8", errors="replace")
        return HostRules(Protego.parse(text))
