"""Casebook's web UI and JSON API: a Flask app factory with one blueprint per area.

Imports kb and index only. Errors carry their HTTP status and one handler
renders them as HTML or JSON.
"""

from __future__ import annotations

import math
import os
import secrets
import time
from pathlib import Path

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from kb.record_ids import POSTGRESQL_ID_MAX, SQLITE_ID_MAX
from kb.settings import Settings
from kb.storage import open_kb

# Request bodies: what the largest legitimate request needs, and no more (413 beyond).
MAX_UPLOAD_BODY = 6 * 1024 * 1024  # a bulk-import file (5 MB at most) with its multipart wrapping
MAX_BODY = 1024 * 1024  # forms and JSON documents
MAX_PUBLIC_BODY = 64 * 1024  # what anyone may send without an account: sign-in, event sign-up
UPLOAD_ENDPOINTS = frozenset({"sources.import_sources", "cases.import_file"})
MAX_JSON_DEPTH = 32  # the deepest legitimate body (an event with its agenda) is 4 levels


def _secret_key(settings: Settings) -> str:
    """The configured key, or one generated once and kept in the data folder (0600)."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first: use theirs
        time.sleep(0.05)
        return path.read_text(encoding="utf-8").strip()
    with open(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


class RecordIntegerConverter(IntegerConverter):
    """``<int:...>`` in every route: a number the database can hold, else the route does not match (404):
    below 2**63 on SQLite, 2**31 on PostgreSQL (its record ids are 32-bit integers; a larger number
    would be an out-of-range error, a 500). The app's url_map says which (``record_id_max``)."""

    def __init__(self, map, **kwargs):
        super().__init__(map, **{"max": getattr(map, "record_id_max", SQLITE_ID_MAX), **kwargs})


class JSONProvider(DefaultJSONProvider):
    """JSON bodies nested at most MAX_JSON_DEPTH deep (deeper is unreadable: 400); answers in standard
    JSON only: a number that is not finite (a score overflowing to Infinity) is written as null."""

    def dumps(self, obj, **kwargs):
        try:
            return super().dumps(obj, allow_nan=False, **kwargs)
        except ValueError:
            return super().dumps(finite(obj), allow_nan=False, **kwargs)

    def loads(self, s, **kwargs):
        try:
            data = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise ValueError("JSON nested too deeply")
        return data


def finite(data):
    """``data`` with every float that is not finite (inf, nan) replaced by None."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: finite(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [finite(value) for value in data]
    return data


def _depth_exceeds(data, limit: int) -> bool:
    level, current = 0, [data]
    while current:
        level += 1
        if level > limit:
            return True
        current = [child for value in current if isinstance(value, (list, dict))
                   for child in (value.values() if isinstance(value, dict) else value)]
    return False


def limit_body() -> None:
    """Each route's body limit: uploads, ordinary forms and JSON, and anonymous writes."""
    view = current_app.view_functions.get(request.endpoint)
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = MAX_UPLOAD_BODY
    elif getattr(view, "required_role", None) == "anonymous":
        request.max_content_length = MAX_PUBLIC_BODY
    else:
        request.max_content_length = MAX_BODY


def create_app(settings: Settings, kb=None) -> Flask:
    """Build the Flask app for one data folder."""
    app = Flask(__name__)
    app.url_map.converters["int"] = RecordIntegerConverter  # before any route is added
    app.url_map.record_id_max = POSTGRESQL_ID_MAX if settings.on_postgresql else SQLITE_ID_MAX
    app.json = JSONProvider(app)
    app.config.update(SECRET_KEY=_secret_key(settings), JSON_SORT_KEYS=False,
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings.secure_cookies, MAX_CONTENT_LENGTH=MAX_UPLOAD_BODY)
    app.extensions["casebook"] = {"settings": settings, "kb": kb or open_kb(settings)}
    proxies = getattr(settings, "trusted_proxies", 0)
    if proxies:  # behind a reverse proxy every request comes from it: the client is in X-Forwarded-For
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    from webui import api, documents, errors, exports, search, site
    from webui.i18n import init_i18n
    from webui.links import init_links

    init_links(app, settings)

    init_i18n(app)
    app.before_request(limit_body)  # first: the CSRF check reads the form
    from webui.rate_limit import limit_expensive

    app.before_request(limit_expensive)
    app.register_blueprint(search.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(site.bp)
    from webui import api_write, audit, auth, cases, collections, sources

    auth.init_app(app)
    for area in (api_write, sources, cases, collections, audit):
        app.register_blueprint(area.bp)
    from webui import calls, events, networks, people

    app.register_blueprint(events.bp)
    app.register_blueprint(people.bp)
    app.register_blueprint(networks.bp)
    app.register_blueprint(calls.bp)

    errors.init_app(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        return response

    return app
