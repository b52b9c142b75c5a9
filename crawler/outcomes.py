"""What one visit of a URL came to: one type per outcome, made on a worker, recorded by the loop.

A visit ends ``Skipped`` (with its reason, crawler.reasons), ``Deferred``
(robots.txt was just read and the host rests before the page, or another host
the visit was led to stayed busy), ``NotModified``
(a 304), ``Unchanged`` (not fetched: its sitemap lastmod is not newer than our
copy), ``Redirected`` to another host, ``SitemapRead`` or ``PageRead``. Each
carries only what its recording needs, plus what every visit may have met on
the way: sitemaps to read (robots.txt names them on the first visit to a site)
and addresses that cannot be read. A seed moved to another host name names
the host that joins the crawl's scope; the loop widens the scope, so no worker
changes what others read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.errors import SkipError
from crawler.extract import Page
from crawler.fetch import Response
from crawler.frontier import Claim
from crawler.sitemaps import Sitemap
from kb.language import Detected


@dataclass(frozen=True)
class Links:
    """A page's links: to follow (canonical), out of scope, and how many were left beyond the most followed."""

    inside: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    dropped: int = 0


@dataclass(frozen=True, kw_only=True)
class Outcome:
    entry: Claim
    sitemaps: list[str] = field(default_factory=list)  # sitemaps met (robots.txt, /sitemap.xml), to read
    bad: list[tuple[str, str]] = field(default_factory=list)  # addresses met that cannot be read, and why


@dataclass(frozen=True, kw_only=True)
class Skipped(Outcome):
    """Not stored, for ``skip.reason``. A page may still lead on (a noindex page's links, a meta refresh)."""

    skip: SkipError
    gone: bool = False  # the page is gone (404, 410, noindex): a stored copy is marked so
    links: Links = field(default_factory=Links)


@dataclass(frozen=True, kw_only=True)
class Deferred(Outcome):
    """robots.txt was just fetched and the host rests first, or robots.txt moved to a host that stayed busy
    (crawler.politeness.Turns): the URL goes back to the frontier."""


@dataclass(frozen=True, kw_only=True)
class NotModified(Outcome):
    """The server answered 304: our copy is current."""

    status: int


@dataclass(frozen=True, kw_only=True)
class Unchanged(Outcome):
    """Not fetched at all: the sitemap's lastmod is not newer than our copy."""


@dataclass(frozen=True, kw_only=True)
class Redirected(Outcome):
    """A redirect to another host: the target is fetched in that host's turn."""

    target: str
    status: int
    joins_scope: str | None = None  # a seed moved to this host name: the site lives there now


@dataclass(frozen=True, kw_only=True)
class SitemapRead(Outcome):
    sitemap: Sitemap
    status: int | None


@dataclass(frozen=True, kw_only=True)
class PageRead(Outcome):
    """A page fetched and extracted, its language, SimHash and content hash known."""

    response: Response
    page: Page
    detected: Detected | None
    fingerprint: int | None
    digest: str
    links: Links
