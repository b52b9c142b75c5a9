"""Refusing URLs that point inside the network: the crawler's SSRF guard.

Only http and https; the host is resolved and every address it resolves to must
be public, unless private hosts are explicitly allowed. Checked for each seed
and again at every redirect.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from crawler.errors import RefusedAddress, SkipError


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
        or ip.is_multicast or ip.is_unspecified or not ip.is_global
    )


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise SkipError("dns_error", f"{host}: {exc}") from None
    return sorted({info[4][0] for info in infos})


def check_url_allowed(url: str, allow_private: bool) -> None:
    """Raise RefusedAddress unless the URL is http(s) and its host is public (or allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RefusedAddress(f"scheme {parts.scheme or '(none)'!r} is not http or https")
    host = parts.hostname
    if not host:
        raise RefusedAddress("URL has no host")
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RefusedAddress("invalid port") from None
    for address in resolve(host, port):
        if not is_public_address(address):
            raise RefusedAddress(f"{host} resolves to non-public address {address}")
