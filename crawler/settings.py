"""Settings of one crawl: limits, politeness and identity.

A limit a user may set in ``kb.toml`` has its default stated once, in
kb.settings, and taken from there; the others are the crawler's own.
"""

from __future__ import annotations

import dataclasses
import socket
from dataclasses import dataclass, field

from kb.settings import Settings

_KB_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Settings)}


def _setting(default, help_text: str):
    return field(default=default, metadata={"help": help_text})


def _kb_setting(name: str, help_text: str):
    """A field whose default is kb setting ``name``'s."""
    return _setting(_KB_DEFAULTS[name], f"{help_text} (kb setting {name}).")


@dataclass(frozen=True)
class CrawlSettings:
    """How one crawl behaves; built by kb/app/wiring.py from kb settings and flags."""

    user_agent: str = _kb_setting("user_agent", "User-Agent header")
    delay: float = _kb_setting("crawl_delay", "Seconds between requests to one host")
    max_pages: int = _kb_setting("max_pages", "Most pages stored in one crawl")
    max_depth: int = _kb_setting("max_depth", "Most links followed from a seed")
    max_bytes: int = _kb_setting("max_bytes", "Largest body kept, in bytes")
    connect_timeout: float = _setting(10.0, "Seconds to connect.")
    read_timeout: float = _kb_setting("timeout", "Seconds to wait for data")
    allow_private_hosts: bool = _kb_setting("allow_private_hosts", "Allow loopback/private addresses")
    max_redirects: int = _setting(5, "Redirects followed per request.")
    retries: int = _setting(2, "Retries for 5xx, 429 and timeouts.")
    concurrency: int = _setting(4, "Hosts crawled in parallel (one request at a time per host).")
    sitemap_max_bytes: int = _setting(50 * 1024 * 1024,
                                      "Largest sitemap read, after decompression (the protocol's limit).")
    sitemap_trust_days: float = _kb_setting(
        "sitemap_trust_days", "Days a sitemap lastmod may spare a page its request; older copies are asked again "
                              "(a page deleted but still listed must be found gone)")
    near_duplicate_distance: int = _setting(3, "Most differing SimHash bits of a near-duplicate.")
    worker_id: str = _kb_setting("worker_id", "Who claims URLs from a shared frontier; empty: this machine's name")
    claim_lease: float = _kb_setting("claim_lease", "Seconds a claimed URL stays its worker's without renewal")
    languages: tuple[str, ...] = _kb_setting(
        "languages", "Languages preferred for a short text declaring none (kb.language); never override a longer text")


def worker_name(settings: CrawlSettings) -> str:
    """The name a worker claims URLs and takes hosts under: its ``worker_id``, else the machine's name."""
    return settings.worker_id or socket.gethostname()
