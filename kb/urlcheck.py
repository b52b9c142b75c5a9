"""The URL rulebook: what a web address is, whether it is public, and whether it is in a crawl's scope.

The one owner of these rules (the SSRF guard included): the source registry, the
catalogue, the web API and the crawler all ask here. ``parse_web_url`` reads an
http(s) URL strictly (a bad port, an unclosed bracket, a failed IDNA label, a
control character or a backslash in the authority make it a ``BadUrl``);
``normalise_link`` first does what a browser does to a link written in a page.
``check_url`` adds the address rules: no credentials, and a host that is public
unless private hosts are allowed by an admin (setting ``allow_private_hosts``).
Numeric hosts in a non-standard form (``http://2130706433/``, ``0x7f.1``) and
IPv6 forms that embed a private IPv4 address (mapped, 6to4, Teredo, NAT64) are
refused, since resolvers and routers disagree on them. Name resolution is
optional: off for offline checks (the catalogue), on when a URL is registered
or crawled. The crawler enforces the address again at connect time.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import urlsplit

import idna

from kb.errors import InputError

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
WEB_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 2048
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]*))*\.?$", re.IGNORECASE)
_ASCII_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_PORT = re.compile(r"^[0-9]{1,5}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_STORED_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # kb.fields.CONTROL: none in a stored link
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_OR_SPACE = "".join(map(chr, range(0x21)))
# Characters no host may hold (the WHATWG URL standard's forbidden host code points, and whitespace).
_FORBIDDEN_IN_HOST = re.compile(r"[\x00-\x20\x7f#%/:<>?@\[\\\]^|\s]")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NOT_PUBLIC_V6 = tuple(ipaddress.ip_network(net) for net in (
    "::/96",  # IPv4-compatible addresses, deprecated: never a public host
    "64:ff9b:1::/48",  # NAT64 for local use
    "fec0::/10",  # site-local, deprecated
))

Resolver = Callable[[str, int], list[str]]


class RefusedUrl(InputError):
    """The URL may not be crawled; the message says why."""


class BadUrl(RefusedUrl, ValueError):
    """The URL cannot be read at all (its syntax); a link like this is skipped as ``bad_url``."""


@dataclass(frozen=True)
class WebAddress:
    """An http(s) URL read strictly: lower-case scheme, host (ASCII, no brackets, no final dot) and port."""

    url: str
    scheme: str
    host: str
    port: int | None
    path: str
    query: str
    has_credentials: bool

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.scheme]

    @property
    def netloc(self) -> str:
        """Host and port as a URL spells them: brackets around IPv6, the port only when not the default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port in (None, DEFAULT_PORTS[self.scheme]) else f"{host}:{self.port}"


# -- reading a URL -------------------------------------------------------------

def normalise_link(raw: str) -> str:
    """A link as a browser reads it (WHATWG URL): surrounding spaces and controls stripped, tabs and
    newlines removed, and backslashes before the query taken as slashes, so that
    ``http://127.0.0.1:8099\\@1.1.1.1/`` names the host 127.0.0.1 for every parser."""
    text = _TAB_OR_NEWLINE.sub("", raw.strip(_C0_OR_SPACE))
    if "\\" not in text:
        return text
    cut = min((i for i in (text.find("?"), text.find("#")) if i >= 0), default=len(text))
    return text[:cut].replace("\\", "/") + text[cut:]


def parse_web_url(url: str) -> WebAddress:
    """``url`` read strictly as an http(s) address; BadUrl when it cannot be, RefusedUrl for another scheme."""
    if _CONTROL.search(url):
        raise BadUrl("a control character in the URL")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise BadUrl(f"cannot be parsed: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES:
        raise RefusedUrl(f"scheme {parts.scheme or '(none)'!r} is not http or https")
    _userinfo, at, hostport = parts.netloc.rpartition("@")
    host_text, port = _split_port(hostport)
    return WebAddress(url, scheme, ascii_host(host_text), port, parts.path, parts.query, bool(at))


def _split_port(hostport: str) -> tuple[str, int | None]:
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise BadUrl("an unclosed [ in the host")
        host, rest = hostport[: end + 1], hostport[end + 1:]
        if rest and not rest.startswith(":"):
            raise BadUrl(f"characters after the IPv6 address: {rest[:40]!r}")
        port_text = rest[1:] if rest else None
    else:
        host, colon, port_text = hostport.partition(":")
        port_text = port_text if colon else None
    if port_text is None or port_text == "":
        return host, None
    if not _PORT.match(port_text) or not 0 < int(port_text) <= 65535:
        raise BadUrl(f"port {port_text[:20]!r} is not a number from 1 to 65535")
    return host, int(port_text)


@functools.lru_cache(maxsize=4096)  # a crawl meets the same few hosts in every link
def ascii_host(host: str) -> str:
    """The host as DNS and the HTTP library see it: lower-case, IDNA-encoded, unbracketed; BadUrl if it is none."""
    if host.startswith("[") and host.endswith("]"):
        if "%" in host:
            raise BadUrl("an IPv6 zone in the host")
        try:
            return ipaddress.IPv6Address(host[1:-1]).compressed
        except ValueError:
            raise BadUrl(f"{host[:60]!r} is not an IPv6 address") from None
    host = host.rstrip(".").lower() if host not in (".", "") else ""
    if not host:
        raise BadUrl("the URL has no host")
    if _FORBIDDEN_IN_HOST.search(host):
        raise BadUrl(f"a character no host may hold in {host[:60]!r}")
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError) as exc:
            raise BadUrl(f"{host[:60]!r} is not a valid international host name ({exc})") from None
    if len(host) > 253:
        raise BadUrl("a host name of more than 253 characters")
    for label in host.split("."):
        _check_label(label)
    return host


def _check_label(label: str) -> None:
    if not _ASCII_LABEL.match(label):
        raise BadUrl(f"{label[:64]!r} is not a host name label (letters, digits and '-', at most 63)")
    if label.startswith("xn--"):  # an A-label: Punycode that must decode to some non-ASCII text
        try:
            decoded = label[4:].encode("ascii").decode("punycode")
        except UnicodeError:
            decoded = ""
        if decoded.isascii() or not decoded.isprintable():
            raise BadUrl(f"{label!r} is not a valid IDNA label")


# -- public addresses ----------------------------------------------------------

def is_public_address(address: str) -> bool:
    """True when ``address`` (an IP literal) is a globally reachable unicast address, including every
    IPv4 address an IPv6 form embeds (IPv4-mapped, 6to4, Teredo server and client, NAT64)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in _NOT_PUBLIC_V6):
            return False
        embedded = _embedded_ipv4(ip)
        if embedded:
            return all(is_public_address(str(v4)) for v4 in embedded)
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
                or ip.is_multicast or ip.is_unspecified or not ip.is_global)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    if ip.ipv4_mapped:
        return [ip.ipv4_mapped]
    if ip.sixtofour:
        return [ip.sixtofour]
    if ip.teredo:
        return list(ip.teredo)
    if ip in _NAT64:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def resolve_host(host: str, port: int) -> list[str]:
    """Addresses of ``host``; an empty list when it does not resolve (now)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    return sorted({info[4][0] for info in infos})


def host_problem(host: str, port: int = 443, resolve: Resolver | None = None,
                 is_public: Callable[[str], bool] = is_public_address) -> str | None:
    """Why ``host`` (ASCII, as ``ascii_host`` gives it) is not a public internet host, or None.

    ``resolve``: None checks the name alone (offline); otherwise every address it resolves to must be public.
    ``is_public`` is the address rule (a test may stand one loopback address in for the internet)."""
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        return None if is_public(host) else f"{host} is not a public address"
    if _NUMERIC_HOST.match(host):
        return f"{host} is a numeric address in a non-standard form"
    if host == "localhost" or host.endswith(LOCAL_SUFFIXES):
        return f"{host} is a local host name"
    if "." not in host:
        return f"{host} is a single-label host name, not a public one"
    for address in resolve(host, port) if resolve is not None else ():
        if not is_public(address):
            return f"{host} resolves to non-public address {address}"
    return None


def check_url(url: str, allow_private: bool = False, resolve: Resolver | None = resolve_host,
              is_public: Callable[[str], bool] = is_public_address) -> WebAddress:
    """``url`` read, if it is an http(s) URL without credentials whose host is public (or private hosts are
    allowed); RefusedUrl (BadUrl for syntax) otherwise. ``resolve=None`` for an offline check."""
    address = parse_web_url(url)
    if address.has_credentials:
        raise RefusedUrl("URLs with a user name or password are not accepted")
    if not allow_private:
        problem = host_problem(address.host, address.effective_port, resolve, is_public)
        if problem:
            raise RefusedUrl(problem)
    return address


def is_web_address(text: str) -> bool:
    """Whether ``text`` may be stored as a link (a case's links, an event's online link, a document's URL):
    an http(s) URL read strictly, without credentials, and with no control character, C1 and line
    separators included. Offline: names are not resolved and private hosts are not refused here,
    since a stored link is shown, never fetched."""
    if _STORED_CONTROL.search(text):
        return False
    try:
        check_url(text, allow_private=True, resolve=None)
    except RefusedUrl:
        return False
    return True


def url_problem(url: str, allow_private: bool = False, resolve: Resolver | None = None) -> str | None:
    """Why ``url`` is unfit to crawl, or None (offline unless ``resolve`` is given)."""
    try:
        check_url(url, allow_private, resolve)
    except RefusedUrl as exc:
        return str(exc)
    return None


def check_source_url(url: str, allow_private: bool = False, resolve: Resolver = resolve_host) -> str:
    """The URL, stripped, if a user may register it; RefusedUrl otherwise.

    Typed by a person, so refused rather than normalised: spaces, control characters and backslashes."""
    url = (url or "").strip()
    if not url:
        raise RefusedUrl("a URL is required")
    if len(url) > MAX_URL_LENGTH:
        raise RefusedUrl(f"a URL has at most {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise RefusedUrl("a URL may not contain spaces or control characters")
    if "\\" in url:
        raise RefusedUrl("a URL may not contain backslashes")
    check_url(url, allow_private, resolve)
    return url


# -- scope -------------------------------------------------------------------

def same_site(host: str, hosts: Iterable[str]) -> bool:
    """``host`` is one of ``hosts``, with or without "www." (stad.be and www.stad.be are one site)."""
    host = host.lower()
    other = host[4:] if host.startswith("www.") else f"www.{host}"
    return host in hosts or other in hosts


def path_in_scope(path: str, include: Iterable[str] = (), exclude: Iterable[str] = ()) -> bool:
    """A path passes when some include prefix covers it (or there is none) and no exclude prefix does.
    A prefix covers whole path segments: ``/cases`` covers ``/cases/x`` but not ``/cases-old``."""
    path = path or "/"
    include = tuple(include)
    if include and not any(_under(path, prefix) for prefix in include):
        return False
    return not any(_under(path, prefix) for prefix in exclude)


def _under(path: str, prefix: str) -> bool:
    stem = prefix.rstrip("/")
    return stem == "" or path == stem or path.startswith(stem + "/")


def in_scope(url: str, hosts: Iterable[str], include: Iterable[str] = (), exclude: Iterable[str] = ()) -> bool:
    """True when ``url`` is an http(s) URL on one of ``hosts`` (www. or not) whose path is in scope."""
    try:
        address = parse_web_url(url)
    except RefusedUrl:
        return False
    hosts = hosts if isinstance(hosts, (set, frozenset)) else {h.lower() for h in hosts}
    return same_site(address.host, hosts) and path_in_scope(address.path, include, exclude)
