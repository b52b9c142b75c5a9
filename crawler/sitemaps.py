"""Sitemaps: where they are, and what they list.

A site's sitemaps are named by ``Sitemap:`` lines in its robots.txt, and
looked for at ``/sitemap.xml`` as well (a miss there is no skip). A sitemap is a ``<urlset>`` of pages (each with an
optional ``<lastmod>``) or a ``<sitemapindex>`` of further sitemaps; either may
be gzipped. A page's ``<lastmod>`` travels with its frontier row (``lastmod=...``
in ``CrawlUrl.detail``) so a re-crawl can leave unchanged pages alone.
Decompression stops at a cap, so a small gzip bomb cannot fill the
memory; the XML parser neither resolves entities nor touches the network.
``<loc>`` values are resolved against the sitemap's own URL, so root-relative
locations (as the demo site writes them) work; one that cannot be read is kept
apart (``Sitemap.bad``), to be skipped alone as ``bad_url``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit, urlunsplit

from lxml import etree

from crawler.urls import BadUrl, canonical_url, printable_url, resolve_link

GZIP_MAGIC = b"\x1f\x8b"
XML_TYPES = {"text/xml", "application/xml", "application/x-gzip", "application/gzip", "application/octet-stream",
             "text/plain", ""}
SITEMAP_MARKER = "sitemap"  # CrawlUrl.detail of a frontier row that is a sitemap, not a page
LASTMOD_PREFIX = "lastmod="  # CrawlUrl.detail of a page a sitemap listed with a <lastmod>
# A bare date (or a time without zone) may be any moment of that day anywhere on earth (UTC-12 to
# UTC+14): it is taken as its latest possible UTC moment, so a page changed late that day is not missed.
DATE_SLACK = timedelta(hours=36)
ZONE_SLACK = timedelta(hours=12)


class SitemapError(ValueError):
    """Not a sitemap, unreadable, or larger than allowed; the message says which."""


@dataclass
class Sitemap:
    """A parsed sitemap: pages with their lastmod, or child sitemaps (an index)."""

    is_index: bool
    entries: list[tuple[str, str | None]] = field(default_factory=list)
    bad: list[tuple[str, str]] = field(default_factory=list)  # (<loc> as written, why it cannot be read)


def candidate_sitemaps(site_root: str, declared: list[str], bad: list | None = None) -> list[str]:
    """The sitemaps to read for a site: those robots.txt declares, and ``/sitemap.xml``.

    A declared address that cannot be read is left out, and added to ``bad`` (as written, and why)."""
    parts = urlsplit(site_root)
    conventional = urlunsplit((parts.scheme, parts.netloc, "/sitemap.xml", "", ""))
    found = []
    for url in declared:
        if url.strip():
            try:
                found.append(_readable(site_root, url.strip()))
            except BadUrl as exc:
                if bad is not None:
                    bad.append((printable_url(url.strip()), f"Sitemap line of robots.txt: {exc}"))
    return list(dict.fromkeys([*found, conventional]))


def _readable(base: str, loc: str) -> str:
    """``loc`` made absolute; BadUrl unless it also has a canonical form (as the frontier will need)."""
    url = resolve_link(base, loc)
    canonical_url(url)
    return url


def gunzip_capped(body: bytes, cap: int) -> bytes:
    """Decompress gzip ``body``, refusing to produce more than ``cap`` bytes."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, cap + 1)
    except zlib.error as exc:
        raise SitemapError(f"broken gzip data: {exc}") from None
    if len(data) > cap or inflater.unconsumed_tail:
        raise SitemapError(f"sitemap over {cap} bytes once decompressed")
    return data


def looks_like_sitemap(url: str, content_type: str, body: bytes) -> bool:
    """Cheap test before parsing: an XML or gzip body that names a sitemap element."""
    if content_type not in XML_TYPES and not content_type.endswith("+xml"):
        return False
    if body[:2] == GZIP_MAGIC:
        return url.lower().endswith((".xml.gz", ".gz")) or "sitemap" in url.lower()
    head = body[:2048].lower()
    return b"<urlset" in head or b"<sitemapindex" in head


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name and child.text and child.text.strip():
            return child.text.strip()
    return None


def parse_sitemap(body: bytes, url: str, cap: int) -> Sitemap:
    """Parse a (possibly gzipped) sitemap fetched from ``url``; SitemapError when it is none."""
    if body[:2] == GZIP_MAGIC:
        body = gunzip_capped(body, cap)
    if len(body) > cap:
        raise SitemapError(f"sitemap over {cap} bytes")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"not XML: {exc}") from None
    if root is None or _local(root.tag) not in ("urlset", "sitemapindex"):
        raise SitemapError("XML, but neither a urlset nor a sitemapindex")
    is_index = _local(root.tag) == "sitemapindex"
    wanted = "sitemap" if is_index else "url"
    sitemap = Sitemap(is_index)
    for element in root:
        if _local(element.tag) != wanted:
            continue
        loc = _child_text(element, "loc")
        if not loc:
            continue
        try:
            sitemap.entries.append((_readable(url, loc), _child_text(element, "lastmod")))
        except BadUrl as exc:
            sitemap.bad.append((printable_url(loc), str(exc)))
    return sitemap


def lastmod_detail(lastmod: str | None) -> str | None:
    return f"{LASTMOD_PREFIX}{lastmod}" if lastmod else None


def lastmod_of(detail: str | None) -> str | None:
    """The ``<lastmod>`` a frontier row's detail carries, if any."""
    return detail[len(LASTMOD_PREFIX):] if (detail or "").startswith(LASTMOD_PREFIX) else None


def lastmod_time(value: str | None) -> datetime | None:
    """A ``<lastmod>`` (W3C datetime) as the latest naive-UTC moment it may mean; None when unreadable."""
    text = (value or "").strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None  # a year or a month alone is too vague to skip anything
    if len(text) == 10:
        return moment + DATE_SLACK
    if moment.tzinfo is None:
        return moment + ZONE_SLACK
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def unchanged_since(lastmod: str | None, fetched_at: datetime | None, stored_lastmod: str | None) -> bool:
    """True when a sitemap's ``lastmod`` is not newer than our copy (its fetch time, or the lastmod it had)."""
    when = lastmod_time(lastmod)
    if when is None:
        return False
    if fetched_at is not None and when <= fetched_at:
        return True
    before = lastmod_time(stored_lastmod)
    return before is not None and when <= before
