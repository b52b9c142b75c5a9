"""Fetching one URL politely and safely.

Redirects are followed by hand (up to ``max_redirects``, loops detected) so the
address guard runs at every hop; a crawl's fetch stops at a redirect to another
host (``Response.moved_to``), which waits for that host's turn at the gate; a
fetch that does follow one (robots.txt), and every hop or retry, asks the visit's
``Turns`` first, so each request waits for its host's turn and delay. Every
connection is checked again once made
(``crawler.addresses.GuardedAdapter``) unless private hosts are allowed; a
``Location`` that cannot be read ends the fetch as ``bad_url``; bodies are streamed and cut at ``max_bytes``
after decompression, so neither a huge page nor a gzip bomb is read whole.
Retries with backoff for 5xx, 429 (honouring Retry-After) and timeouts.
"""

from __future__ import annotations

import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Callable
from urllib.parse import urlsplit

import requests
import urllib3

from crawler.addresses import GuardedAdapter, PeerGuard, check_url_allowed
from crawler.errors import SkipError
from crawler.politeness import Turns, host_key
from crawler.settings import CrawlSettings
from crawler.urls import MAX_URL_CHARS, canonical_url, printable_url, resolve_link
from kb.urlcheck import BadUrl, is_public_address

REDIRECT_CODES = {301, 302, 303, 307, 308}
RETRY_CODES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 60.0


@dataclass
class Response:
    """What a fetch brought back: the final URL, status, headers and (cut) body."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool = False
    redirects: list[str] = field(default_factory=list)
    moved_to: str | None = None  # a redirect to another host, not followed (``fetch(..., other_hosts=False)``)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def retry_after_seconds(value: str | None, default: float) -> float:
    if not value:
        return default
    try:
        return min(MAX_RETRY_AFTER, max(0.0, float(value)))
    except ValueError:
        pass
    try:
        delta = parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError, IndexError, OverflowError):
        return default
    return min(MAX_RETRY_AFTER, max(0.0, delta))


class ManualRedirects(requests.Session):
    """A session that never reads a ``Location`` itself (requests does, even with ``allow_redirects=False``,
    and raises on one it cannot parse): redirects are the Fetcher's, read by the rulebook and guarded."""

    def get_redirect_target(self, resp):
        return None


class Fetcher:
    """A requests session with the crawler's identity, limits and guards."""

    def __init__(self, settings: CrawlSettings, sleep=time.sleep, is_public: Callable[[str], bool] = is_public_address):
        self.settings = settings
        self.sleep = sleep
        self.is_public = is_public  # the address rule of both guards (kb.urlcheck's, unless a test stands in)
        self._local = threading.local()  # a requests.Session per thread: sessions are not thread-safe
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = ManualRedirects()
            session.headers.update({"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip, deflate",
                                    "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.5"})
            session.trust_env = False
            if not self.settings.allow_private_hosts:
                guarded = GuardedAdapter(PeerGuard(self.is_public))
                session.mount("http://", guarded)
                session.mount("https://", guarded)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    def fetch(self, url: str, headers: dict | None = None, allowed: Callable[[str], bool] | None = None,
              other_hosts: bool = True, turns: Turns | None = None) -> Response:
        """GET ``url`` following redirects; raise SkipError with a reason on failure.

        ``allowed`` (robots.txt's rules) is asked about every address a redirect leads to,
        before it is requested. Without ``other_hosts``, a redirect to another host (politeness
        key) is not followed: the answer names it in ``moved_to``, for the crawl to fetch in that
        host's turn, after its robots.txt and its delay. ``turns`` (a crawl's visit) is asked before
        every request, redirect hops and retries included (crawler.politeness.Turns)."""
        for attempt in range(self.settings.retries + 1):
            try:
                response = self._follow(url, headers or {}, allowed, other_hosts, turns)
            except SkipError as exc:
                if exc.reason != "timeout" or attempt == self.settings.retries:
                    raise
                self.sleep(min(30.0, 2.0 ** attempt))
                continue
            if response.status not in RETRY_CODES or attempt == self.settings.retries:
                return response
            self.sleep(retry_after_seconds(response.headers.get("retry-after"), min(30.0, 2.0 ** attempt)))
        raise AssertionError("unreachable")

    def _follow(self, url: str, headers: dict, allowed: Callable[[str], bool] | None = None,
                other_hosts: bool = True, turns: Turns | None = None) -> Response:
        try:
            seen = [canonical_url(url)]
        except BadUrl as exc:
            raise SkipError("bad_url", f"{printable_url(url)[:300]}: {exc}") from None
        current = url
        self._check(current)  # each redirect target below, once
        for _hop in range(self.settings.max_redirects + 1):
            with turns.request(current) if turns is not None else nullcontext():
                status, resp_headers, body, truncated = self._get(current, headers)
            if status in REDIRECT_CODES and "location" in resp_headers:
                location = resp_headers["location"]
                try:
                    target = resolve_link(current, location)
                    key = canonical_url(target)
                except BadUrl as exc:
                    raise SkipError("bad_url", f"redirect to {printable_url(location)[:300]}: {exc}", status) from None
                if len(target) > MAX_URL_CHARS:
                    raise SkipError("url_too_long", f"redirect to an address of {len(target)} characters", status)
                if key in seen:
                    raise SkipError("redirect_loop", " -> ".join(seen + [key]), status)
                self._check(target)  # at every hop, before its robots.txt
                if not other_hosts and host_key(key) != host_key(seen[0]):
                    return Response(url, current, status, resp_headers, body, truncated, seen[1:], moved_to=target)
                if allowed is not None and not allowed(target):
                    raise SkipError("robots", f"redirect to {key}, which robots.txt disallows"[:1000], status)
                seen.append(key)
                current = target
                continue
            return Response(url, current, status, resp_headers, body, truncated, seen[1:])
        raise SkipError("too_many_redirects", f"more than {self.settings.max_redirects} redirects")

    def _check(self, url: str) -> None:
        check_url_allowed(url, self.settings.allow_private_hosts, self.is_public)

    def _get(self, url: str, headers: dict):
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            with self.session.get(url, headers=headers, stream=True, timeout=timeout, allow_redirects=False) as resp:
                resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                body, truncated = self._read_capped(resp)
                return resp.status_code, resp_headers, body, truncated
        except (requests.Timeout, urllib3.exceptions.TimeoutError) as exc:
            raise SkipError("timeout", str(exc)) from None
        except requests.exceptions.InvalidURL as exc:
            raise SkipError("invalid_url", str(exc)) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError, urllib3.exceptions.HTTPError) as exc:
            if _caused_by(exc, urllib3.exceptions.NameResolutionError):
                raise SkipError("dns_error", f"{urlsplit(url).hostname}: name does not resolve") from None
            raise SkipError("connection_error", str(exc)[:300]) from None
        except requests.RequestException as exc:
            raise SkipError("fetch_error", str(exc)[:300]) from None

    def _read_capped(self, resp) -> tuple[bytes, bool]:
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.settings.max_bytes * 20:
            return b"", True  # do not even start on a body announced as enormous
        chunks, size = [], 0
        for chunk in resp.iter_content(64 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size > self.settings.max_bytes:
                return b"".join(chunks)[: self.settings.max_bytes], True
        return b"".join(chunks), False


def _caused_by(exc: BaseException, kind: type) -> bool:
    """True when ``kind`` is in the chain of causes (requests wraps urllib3's errors twice)."""
    pending, seen = [exc], 0
    while pending and seen < 20:
        current, seen = pending.pop(), seen + 1
        if isinstance(current, kind):
            return True
        pending += [c for c in (current.__cause__, current.__context__, getattr(current, "reason", None),
                                *current.args) if isinstance(c, BaseException)]
    return False
