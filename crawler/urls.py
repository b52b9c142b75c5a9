"""URL canonicalisation and crawl scope.

Two spellings of one page must give one key: scheme and host lower-cased,
default ports and fragments dropped, query parameters sorted and common
tracking parameters removed, empty paths made "/".
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset({
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id",
    "gclid", "fbclid", "msclkid", "mc_cid", "mc_eid", "_ga", "yclid", "igshid",
})
DEFAULT_PORTS = {"http": 80, "https": 443}
# Links longer than this are not followed (Scrapy's URLLENGTH_LIMIT): no real page needs one, and a
# hostile page can make each a megabyte long. Recorded skipped, cut to this length.
MAX_URL_CHARS = 2083


def _clean_path(path: str) -> str:
    # Re-quote so that %7E and ~ give one key, keeping reserved characters.
    return quote(unquote(path), safe="/:@!$&'()*+,;=-._~") or "/"


def canonical_url(url: str, base: str | None = None) -> str:
    """The canonical spelling of ``url`` (resolved against ``base`` first)."""
    if base:
        url = urljoin(base, url.strip())
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".").lower()
    try:
        host = host.encode("idna").decode("ascii") if host and not host.isascii() else host
    except UnicodeError:
        pass
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in TRACKING_PARAMS]
    return urlunsplit((scheme, netloc, _clean_path(parts.path), urlencode(sorted(query)), ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


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
        """``host`` is one of the crawl's, with or without "www." (stad.be and www.stad.be are one site)."""
        host = host.lower()
        return host in self.hosts or _other_www(host) in self.hosts

    def with_host(self, host: str) -> "Scope":
        """This scope with one more host: where a seed's site has moved (a redirect to another name)."""
        return Scope(self.hosts | {host.lower()}, self.include, self.exclude)

    def allows(self, url: str) -> bool:
        """Same rule as the source catalogue's: a prefix covers whole path segments."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not self.covers(parts.hostname or ""):
            return False
        path = parts.path or "/"
        if self.include and not any(_under(path, p) for p in self.include):
            return False
        return not any(_under(path, p) for p in self.exclude)


    def split(self, links: list[str]) -> tuple[list[str], list[str]]:
        """``links`` canonicalised, once each, as (inside the scope, outside it)."""
        inside, outside = [], []
        for url in dict.fromkeys(canonical_url(link) for link in links):
            (inside if self.allows(url) else outside).append(url)
        return inside, outside


def _other_www(host: str) -> str:
    return host[4:] if host.startswith("www.") else f"www.{host}"


def _under(path: str, prefix: str) -> bool:
    stem = prefix.rstrip("/")
    return stem == "" or path == stem or path.startswith(stem + "/")
