"""Checking sources before a crawl: is each seed reachable, and does robots.txt let us in?

For every seed: the address guard (which resolves the host), robots.txt (read
by the crawler's own ``RobotsCache``, once per site), then the seed page itself,
each answered with a short reason. When every host fails to resolve, the machine
is offline, which ``all_offline`` tells apart from a source that is gone.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from crawler.addresses import check_url_allowed
from crawler.errors import SkipError
from crawler.fetch import Fetcher
from crawler.politeness import host_key
from crawler.robots import RobotsCache
from crawler.settings import CrawlSettings

CHECK_WORKERS = 32  # hosts checked at once: the work is waiting on DNS and the network


@dataclass
class SeedCheck:
    """The answer for one seed of one source."""

    source_id: int
    name: str
    url: str
    reachable: bool = False
    reason: str = ""
    code: str = ""
    robots: str = ""

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def _robots(robots: RobotsCache, url: str) -> tuple[bool, str]:
    """Whether robots.txt lets the crawler at ``url``, read as the crawler reads it (and once per site)."""
    rules = robots.for_url(url)
    if rules.unavailable:
        return False, f"{rules.unavailable}: the crawler will wait"
    if rules.parser is None:
        return True, "no robots.txt: everything allowed"
    if not rules.allows(url, robots.agent):
        return False, "robots.txt disallows this seed"
    return True, "robots.txt allows this seed"


def check_seed(robots: RobotsCache, settings: CrawlSettings, source_id: int, name: str, url: str) -> SeedCheck:
    check = SeedCheck(source_id, name, url)
    try:
        check_url_allowed(url, settings.allow_private_hosts)
        allowed, check.robots = _robots(robots, url)
        response = robots.fetcher.fetch(url)
    except SkipError as exc:
        check.code, check.reason = exc.reason, f"{exc.reason}: {exc.detail}" if exc.detail else exc.reason
        return check
    ctype = response.headers.get("content-type", "?").split(";", 1)[0]
    if response.status >= 400:
        check.code, check.reason = f"http_{response.status}", f"HTTP {response.status}"
        return check
    check.reachable = allowed
    check.code = "ok" if allowed else "robots"
    moved = f", moved to {response.final_url}" if response.redirects else ""
    check.reason = f"HTTP {response.status} {ctype}, {len(response.body)} bytes{moved}"
    if not allowed:
        check.reason = f"{check.robots} ({check.reason})"
    return check


def check_seeds(settings: CrawlSettings, seeds: list[tuple[int, str, str]]) -> list[SeedCheck]:
    """Check (source id, name, url) triples, with no retries; results in the order given.

    Hosts are checked in parallel, the seeds of one host one after another (politeness).
    """
    fetcher = Fetcher(dataclasses.replace(settings, retries=0))
    robots = RobotsCache(fetcher, settings.user_agent)
    by_host: dict[str, list[int]] = {}
    for position, (_id, _name, url) in enumerate(seeds):
        by_host.setdefault(host_key(url), []).append(position)
    results: list[SeedCheck | None] = [None] * len(seeds)

    def check_host(positions: list[int]) -> None:
        for position in positions:
            results[position] = check_seed(robots, settings, *seeds[position])

    try:
        with ThreadPoolExecutor(CHECK_WORKERS, thread_name_prefix="check") as pool:
            list(pool.map(check_host, by_host.values()))
    finally:
        fetcher.close()
    return results


def all_offline(checks: list[SeedCheck]) -> bool:
    """True when no public host could be resolved: no network, rather than dead sources.

    Seeds refused for pointing at private addresses say nothing about the network.
    """
    public = [check for check in checks if check.code != "refused_address"]
    return bool(public) and all(check.code == "dns_error" for check in public)
