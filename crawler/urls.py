"""URL canonicalisation and the crawl's scope.

Two spellings of one page must give one key: scheme and host lower-cased (and
IDNA-encoded), default ports and fragments dropped, query parameters sorted and
common tracking parameters removed, empty paths made "/". What a URL is, and
which hosts and paths a scope covers, are the rules of ``kb.urlcheck``; this
module adds only what is the crawler's own: the key, and links read from pages
(a link that cannot be read is a ``BadUrl``, skipped alone as ``bad_url``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from kb.urlcheck import (BadUrl, RefusedUrl, WebAddress, normalise_link, parse_web_url, path_in_scope,
                         same_site)

TRACKING_PARAMS = frozenset({
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id",
    "gclid", "fbclid", "msclkid", "mc_cid", "mc_eid", "_ga", "yclid", "igshid",
})
# Links longer than this are not followed (Scrapy's URLLENGTH_LIMIT): no real page needs one, and a
# hostile page can make each a megabyte long. Recorded skipped, cut to this length.
MAX_URL_CHARS = 2083
_UNPRINTABLE = re.compile(r"[\x00-\x20\x7f]")


def _clean_path(path: str) -> str:
    # Re-quote so that %7E and ~ give one key, keeping reserved characters.
    return quote(unquote(path), safe="/:@!$&'()*+,;=-._~") or "/"


def resolve_link(base: str | None, href: str) -> str:
    """``href`` as a browser reads it, made absolute against ``base``; BadUrl when it cannot be read."""
    link = normalise_link(href)
    try:
        return urljoin(base, link) if base else link
    except ValueError as exc:
        raise BadUrl(f"cannot be parsed: {exc}") from None


def readable_link(base: str | None, href: str) -> str:
    """``resolve_link``, and an http(s) result must also be readable strictly (``parse_web_url``)."""
    link = resolve_link(base, href)
    try:
        parse_web_url(link)
    except BadUrl:
        raise
    except RefusedUrl:
        pass  # another scheme: never followed, and not ours to judge
    return link


def canonical_address(url: str, base: str | None = None) -> WebAddress:
    """The canonical form of an http(s) ``url`` (resolved against ``base`` first); BadUrl when it cannot be
    read, RefusedUrl for another scheme."""
    address = parse_web_url(resolve_link(base, url))
    query = [(k, v) for k, v in parse_qsl(address.query, keep_blank_values=True) if k.lower() not in TRACKING_PARAMS]
    path, query = _clean_path(address.path), urlencode(sorted(query))
    key = urlunsplit((address.scheme, address.netloc, path, query, ""))
    return WebAddress(key, address.scheme, address.host, address.port, path, query, False)


def canonical_url(url: str, base: str | None = None) -> str:
    """The canonical spelling of ``url`` (resolved against ``base`` first); BadUrl when it cannot be read.

    Other schemes than http(s) (never crawled) are only lower-cased and stripped of their fragment."""
    try:
        return canonical_address(url, base).url
    except BadUrl:
        raise
    except RefusedUrl:
        link = resolve_link(base, url)
    try:
        parts = urlsplit(link)
    except ValueError as exc:
        raise BadUrl(f"cannot be parsed: {exc}") from None
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def host_of(url: str) -> str:
    """The host of an http(s) ``url`` as the scope knows it; "" when it has none that can be read."""
    try:
        return parse_web_url(url).host
    except RefusedUrl:
        return ""


def printable_url(text: str) -> str:
    """``text`` with spaces and control characters percent-encoded, cut to MAX_URL_CHARS: safe to store and show."""
    return _UNPRINTABLE.sub(lambda m: f"%{ord(m.group()):02X}", text)[:MAX_URL_CHARS]


@dataclass(frozen=True)
class Scope:
    """Which URLs a crawl may follow: hosts plus optional path prefixes."""

    hosts: frozenset[str]
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @classmethod
    def of_seeds(cls, seeds, include=(), exclude=(), hosts=()) -> "Scope":
        every_host = {host_of(s) for s in seeds} | {h.lower() for h in hosts}
        return cls(frozenset(every_host), tuple(include), tuple(exclude))

    def covers(self, host: str) -> bool:
        """``host`` is one of the crawl's, with or without "www." (kb.urlcheck.same_site)."""
        return same_site(host, self.hosts)

    def with_host(self, host: str) -> "Scope":
        """This scope with one more host: where a seed's site has moved (a redirect to another name)."""
        return Scope(self.hosts | {host.lower()}, self.include, self.exclude)

    def allows(self, url: str) -> bool:
        """``url`` is http(s), on the crawl's hosts, and its path passes include/exclude (kb.urlcheck's rule)."""
        try:
            return self._holds(canonical_address(url))
        except RefusedUrl:
            return False

    def _holds(self, address: WebAddress) -> bool:
        return same_site(address.host, self.hosts) and path_in_scope(address.path, self.include, self.exclude)

    def split(self, links: list[str]) -> tuple[list[str], list[str], list[tuple[str, str]]]:
        """``links`` canonicalised, once each, as (inside the scope, outside it, unreadable).

        An unreadable link is (the link as written, made printable; why it cannot be read)."""
        inside, outside, bad = {}, {}, {}
        for link in links:
            try:
                address = canonical_address(link)
            except BadUrl as exc:
                bad.setdefault(printable_url(link), str(exc))
                continue
            except RefusedUrl:  # another scheme: never followed
                address = None
            if address is not None and self._holds(address):
                inside.setdefault(address.url, None)
                continue
            try:
                outside.setdefault(address.url if address is not None else canonical_url(link), None)
            except BadUrl as exc:
                bad.setdefault(printable_url(link), str(exc))
        return list(inside), list(outside), list(bad.items())
