"""Settings of one crawl: limits, politeness and identity."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CrawlSettings:
    """How one crawl behaves; built by kb/cli.py from kb settings and flags."""

    user_agent: str = field(default="CasebookBot/0.1 (+https://casebook.example/bot)", metadata={"help": "User-Agent header."})
    delay: float = field(default=1.0, metadata={"help": "Seconds between requests to one host."})
    max_pages: int = field(default=500, metadata={"help": "Most pages stored in one crawl."})
    max_depth: int = field(default=5, metadata={"help": "Most links followed from a seed."})
    max_bytes: int = field(default=10 * 1024 * 1024, metadata={"help": "Largest body kept, in bytes."})
    connect_timeout: float = field(default=10.0, metadata={"help": "Seconds to connect."})
    read_timeout: float = field(default=20.0, metadata={"help": "Seconds to wait for data."})
    allow_private_hosts: bool = field(default=False, metadata={"help": "Allow loopback/private addresses."})
    max_redirects: int = field(default=5, metadata={"help": "Redirects followed per request."})
    retries: int = field(default=2, metadata={"help": "Retries for 5xx, 429 and timeouts."})
    concurrency: int = field(default=4, metadata={"help": "Hosts crawled in parallel (one request at a time per host)."})
    sitemap_max_bytes: int = field(default=50 * 1024 * 1024,
                                   metadata={"help": "Largest sitemap read, after decompression (the protocol's limit)."})
    sitemap_trust_days: float = field(default=30.0, metadata={
        "help": "Days a sitemap lastmod may spare a page its request; older copies are asked again "
                "(a page deleted but still listed must be found gone)."})
    near_duplicate_distance: int = field(default=3, metadata={"help": "Most differing SimHash bits of a near-duplicate."})
    languages: tuple[str, ...] = field(default=("nl", "en", "fr", "de", "es", "it", "pt"), metadata={
        "help": "Languages preferred for a short text declaring none (kb.language); never override a longer text."})
