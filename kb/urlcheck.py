"""Which URLs a user may register as a source: the SSRF guard of the knowledge base.

The same rules as the crawler's guard (kb cannot import crawler): http or https
only, and every address the host resolves to must be public unless private hosts
are allowed by an admin (setting ``allow_private_hosts``). Numeric hosts written
in a non-standard form (``http://2130706433/``, ``0x7f.1``) are refused outright,
since resolvers disagree on them. A host that does not resolve now is accepted:
the crawler checks it again, at every redirect too, before any request is sent.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import Callable
from urllib.parse import urlsplit

from kb.errors import InputError

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]*))*\.?$", re.IGNORECASE)
MAX_URL_LENGTH = 2048


class RefusedUrl(InputError):
    """The URL may not be crawled; the message says why."""


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
                or ip.is_multicast or ip.is_unspecified or not ip.is_global)


def resolve_host(host: str, port: int) -> list[str]:
    """Addresses of ``host``; an empty list when it does not resolve (now)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    return sorted({info[4][0] for info in infos})


def check_source_url(url: str, allow_private: bool = False,
                     resolve: Callable[[str, int], list[str]] = resolve_host) -> str:
    """The URL, stripped, if it may be registered; RefusedUrl otherwise."""
    url = (url or "").strip()
    if not url:
        raise RefusedUrl("a URL is required")
    if len(url) > MAX_URL_LENGTH:
        raise RefusedUrl(f"a URL has at most {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise RefusedUrl("a URL may not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedUrl("the URL cannot be parsed (bad port or brackets)") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise RefusedUrl(f"scheme {parts.scheme or '(none)'!r} is not http or https")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise RefusedUrl("the URL has no host")
    if parts.username or parts.password:
        raise RefusedUrl("URLs with a user name or password are not accepted")
    if allow_private:
        return url
    _check_host(host, port or (443 if parts.scheme.lower() == "https" else 80), resolve)
    return url


def _check_host(host: str, port: int, resolve) -> None:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if not is_public_address(host):
            raise RefusedUrl(f"{host} is not a public address")
        return
    if _NUMERIC_HOST.match(host):
        raise RefusedUrl(f"{host} is a numeric address in a non-standard form")
    lowered = host.lower()
    if lowered == "localhost" or lowered.endswith(LOCAL_SUFFIXES):
        raise RefusedUrl(f"{host} is a local host name")
    for address in resolve(host, port):
        if not is_public_address(address):
            raise RefusedUrl(f"{host} resolves to non-public address {address}")
