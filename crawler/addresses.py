"""Refusing URLs that point inside the network: the crawler's side of the SSRF guard.

The rules are ``kb.urlcheck``'s (http or https, no credentials, a public host,
every address it resolves to public); ``check_url_allowed`` applies them, with
resolution, to each seed and at every redirect, and also refuses a URL that
urllib3 (the HTTP library) would read as another host than the rulebook does.
Since parsers and resolvers can still disagree (or a name can resolve anew
between the check and the request), ``GuardedAdapter`` checks the address each
socket really connected to, before a byte is sent: no URL spelling can reach a
private address. Both are off only when private hosts are allowed explicitly
(``allow_private_hosts``: tests and the demo crawl servers on 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Callable

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from crawler.errors import RefusedAddress, SkipError
from kb.urlcheck import RefusedUrl, check_url, is_public_address


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise SkipError("dns_error", f"{host}: {exc}") from None
    return sorted({info[4][0] for info in infos})


def check_url_allowed(url: str, allow_private: bool, is_public: Callable[[str], bool] = is_public_address) -> None:
    """Raise RefusedAddress unless the URL is http(s) and its host is public (or private hosts are allowed)."""
    try:
        address = check_url(url, allow_private, resolve, is_public)
    except RefusedUrl as exc:
        raise RefusedAddress(str(exc)) from None
    try:
        seen = parse_url(url)
    except LocationParseError as exc:
        raise RefusedAddress(f"the HTTP library cannot read the URL: {exc}") from None
    if not _same_host(seen.host or "", address.host) or (seen.port or None) != address.port:
        raise RefusedAddress(f"the HTTP library reads another host in {url[:200]!r} ({seen.host}:{seen.port})")


def _same_host(theirs: str, ours: str) -> bool:
    theirs = theirs.strip("[]").lower()
    if ":" in theirs:
        try:
            return ipaddress.IPv6Address(theirs) == ipaddress.IPv6Address(ours)
        except ValueError:
            return False
    return theirs.rstrip(".") == ours


class PeerGuard:
    """Refuses a connection whose peer address is not public (the rulebook's ``is_public_address``)."""

    def __init__(self, is_public: Callable[[str], bool] = is_public_address):
        self.is_public = is_public

    def check(self, sock: socket.socket, host: str) -> None:
        peer = sock.getpeername()[0]
        if not self.is_public(peer):
            sock.close()
            raise RefusedAddress(f"{host} connected to non-public address {peer}")


class GuardedAdapter(HTTPAdapter):
    """A requests transport whose connections are checked by ``guard`` once connected, before any request."""

    def __init__(self, guard: PeerGuard, **kwargs):
        self._connection_classes = _guarded_pools(guard)
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._connection_classes


def _guarded_pools(guard: PeerGuard) -> dict:
    """Connection pool classes for http and https whose new sockets pass ``guard``."""

    class GuardedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            guard.check(sock, self.host)
            return sock

    class GuardedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            guard.check(sock, self.host)
            return sock

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    return {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}
