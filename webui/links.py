"""Absolute links: where every link the app writes out whole gets its scheme, host and port.

Calendar files, share and cancel links, feeds, exports, the sitemap and the API
description carry links that leave the page, so they cannot be relative; nor
are the redirects Werkzeug writes itself (a missing final slash). A
request's Host header is the client's to choose, and a link built on it would
send readers (of a cached feed, a forwarded cancel link) wherever a forger said.
So a link starts with the ``base_url`` setting; without it, with the request's
host only when that host is allowed (in ``allowed_hosts``, or a loopback name
when the list is empty), else with localhost and the port the server listens on.
With ``allowed_hosts`` set, any other Host is refused with 400 before a view
runs; an entry starting with a dot allows its subdomains, and ports are not compared.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request, url_for
from werkzeug.sansio.utils import host_is_trusted

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def init_links(app: Flask, settings) -> None:
    """Refuse hosts outside ``allowed_hosts`` (400) before anything else, when the list is set."""
    allowed = tuple(host.strip().lower() for host in getattr(settings, "allowed_hosts", ()) if host.strip())
    app.extensions["casebook"]["allowed_hosts"] = allowed
    app.extensions["casebook"]["link_hosts"] = allowed or LOOPBACK_HOSTS
    app.extensions["casebook"]["base_url"] = (getattr(settings, "base_url", "") or "").rstrip("/")
    app.jinja_env.globals["absolute_url"] = absolute_url
    app.after_request(rebase_redirect)
    if allowed:
        app.before_request_funcs.setdefault(None, []).insert(0, refuse_unknown_host)


def refuse_unknown_host() -> None:
    """400 for a request whose Host header names no allowed host (the error page has no absolute link)."""
    if not host_is_trusted(request.host, current_app.extensions["casebook"]["allowed_hosts"]):
        abort(400, "This server does not answer to that host name.")


def rebase_redirect(response):
    """A redirect Werkzeug wrote on the request's own host (``/api`` -> ``/api/``) starts at ``site_root()``."""
    location, own_root = response.headers.get("Location", ""), request.url_root
    if location.startswith(own_root):
        response.headers["Location"] = f"{site_root()}/{location[len(own_root):]}"
    return response


def site_root() -> str:
    """``scheme://host[:port][/prefix]`` that every absolute link of this request starts with (no final /)."""
    state = current_app.extensions["casebook"]
    if state["base_url"]:
        return state["base_url"]
    host = request.host
    if not host or not host_is_trusted(host, state["link_hosts"]):
        port = request.environ.get("SERVER_PORT") or ""
        default = {"http": "80", "https": "443"}.get(request.scheme)
        host = "localhost" if port in ("", default) else f"localhost:{port}"
    return f"{request.scheme}://{host}{request.script_root}"


def absolute_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as an absolute link on ``site_root()``."""
    return site_root() + url_for(endpoint, **values).removeprefix(request.script_root)


def absolute_request_url() -> str:
    """This request's own URL (path and query) as an absolute link on ``site_root()``."""
    query = request.query_string.decode("latin-1")
    return site_root() + request.path + (f"?{query}" if query else "")


def link_host() -> str:
    """The host name (no port) that absolute links carry: for identifiers such as a calendar UID."""
    return urlsplit(site_root()).hostname or "casebook"
