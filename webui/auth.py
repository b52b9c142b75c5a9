"""Sign-in, sign-out and who is asking: sessions, bearer tokens, roles, throttling.

A browser signs in with a password and gets a signed session cookie carrying the
user's id and session version (bumping the version logs out everywhere). The API
is written to with ``Authorization: Bearer TOKEN`` only, which is why API writes
need no CSRF token: a browser never attaches a bearer token by itself. Every
write route is wrapped in ``require_role``, which the permission test checks.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, g, has_request_context, redirect, render_template, request,
                   session, url_for)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext, lazy_gettext, ngettext
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from kb.accounts import ROLE_LEVEL, authenticate, logout_everywhere, role_at_least, user_for_token
from kb.fields import CONTROL
from kb.models import User
from webui.context import kb
from webui.throttle import LoginThrottle, shared_throttle

bp = Blueprint("auth", __name__, url_prefix="/auth")
csrf = CSRFProtect()
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SIGN_INS_PER_PAIR = 5  # failed sign-ins of one name from one address, per window
SIGN_INS_PER_ADDRESS = 30  # failed sign-ins from one address, whatever the names, per window
# Roles as people read them in the UI language; the codes stay in the data and the API.
ROLE_NAMES = {"anonymous": lazy_gettext("visitor"), "researcher": lazy_gettext("researcher"),
              "curator": lazy_gettext("curator"), "admin": lazy_gettext("administrator")}


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of a request, detached from the database session."""

    id: int
    name: str
    role: str

    def at_least(self, role: str) -> bool:
        return role_at_least(self.role, role)


class HttpsAwareSessions(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS, or always with ``secure_cookies``."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))


def init_app(app) -> None:
    """Wire sessions, CSRF, the login throttle and the request's viewer into ``app``."""
    app.session_interface = HttpsAwareSessions()
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    app.extensions["casebook"]["login_throttle"] = shared_throttle(app.extensions["casebook"]["settings"], "login",
                                                                   limit=SIGN_INS_PER_PAIR, window=900.0)
    app.before_request(load_viewer)
    app.before_request(check_csrf)
    app.context_processor(lambda: {"viewer": g.get("viewer"), "role_at_least": role_at_least,
                                   "role_name": role_name})
    app.register_blueprint(bp)


def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))


def bearer_challenge() -> WWWAuthenticate:
    return WWWAuthenticate("Bearer", {"realm": "casebook"})


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def load_viewer() -> None:
    """Set g.viewer from the bearer token or, outside API writes, the session cookie."""
    g.viewer, g.via_token = None, False
    token = _bearer_token()
    if token is not None:
        db = kb().sessions()
        try:
            user = user_for_token(db, token)
            g.viewer = Viewer(user.id, user.name, user.role) if user else None
            try:
                db.commit()  # the token's last use: worth keeping, not worth failing a read for
            except SQLAlchemyError:
                db.rollback()
        finally:
            db.close()
        g.via_token = True
        if g.viewer is None:
            raise Unauthorized("The API token is not valid.", www_authenticate=bearer_challenge())
        return
    if request.path.startswith("/api/") and request.method in UNSAFE_METHODS:
        return  # the API is written to with tokens only
    user_id = session.get("uid")
    if user_id is None:
        return
    with kb().session() as db:
        user = db.get(User, user_id)
        if user is None or user.disabled or user.session_version != session.get("sv"):
            session.clear()
            return
        g.viewer = Viewer(user.id, user.name, user.role)


def check_csrf() -> None:
    """Every unsafe request carries a CSRF token, except API calls (token-authenticated)."""
    if request.method not in UNSAFE_METHODS or g.get("via_token") or request.path.startswith("/api/"):
        return
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


def require_role(role: str):
    """Refuse the view to anyone below ``role``: 401 (or the sign-in page) anonymous, 403 else."""
    if role not in ROLE_LEVEL:
        raise ValueError(f"unknown role {role!r}")

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            viewer = g.get("viewer")
            if viewer is None:
                if request.path.startswith("/api/"):
                    raise Unauthorized("Send an API token: Authorization: Bearer TOKEN.",
                                       www_authenticate=bearer_challenge())
                if request.method == "GET":
                    return redirect(url_for("auth.login", next=request.full_path))
                abort(401, gettext("Please sign in first."))
            if not viewer.at_least(role):
                if request.path.startswith("/api/"):  # the API speaks English to machines
                    abort(403, f"This needs the {role} role.")
                abort(403, gettext("This needs the role %(role)s.", role=role_name(role)))
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorate


def public_write(view):
    """Mark a write route anyone may use (signing in); the permission test reads the mark."""
    view.required_role = "anonymous"
    return view


def _safe_next(target: str | None) -> str:
    """Only same-site paths, with no control character: never another host, never a broken header."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or CONTROL.search(target)):
        return url_for("search.index")
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else url_for("search.index")


@bp.route("/login", methods=["GET", "POST"])
@public_write
def login():
    error, status = None, 200
    if request.method == "POST":
        name = (request.form.get("name") or "").strip()[:200]
        password = request.form.get("password") or ""
        throttle: LoginThrottle = current_app.extensions["casebook"]["login_throttle"]
        # A name is locked from one address only, so nobody can lock someone else out from elsewhere;
        # an address trying many names meets its own, larger cap.
        pair, address = f"pair:{name.lower()}|{request.remote_addr}", f"ip:{request.remote_addr}"
        wait = throttle.reserve(pair, address, limits={pair: SIGN_INS_PER_PAIR, address: SIGN_INS_PER_ADDRESS})
        if wait:
            error, status = ngettext("Too many failed sign-ins. Try again in %(num)d minute.",
                                     "Too many failed sign-ins. Try again in %(num)d minutes.", wait // 60 + 1), 429
        else:
            with kb().session() as db:
                user = authenticate(db, name, password)
                found = (user.id, user.session_version) if user else None
            if found is None:  # the reserved attempt stays counted
                error, status = gettext("Wrong name or password."), 401
            else:
                throttle.succeeded(pair)
                throttle.release(address)
                session.clear()
                session["uid"], session["sv"] = found
                return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", error=error), status


@bp.route("/logout", methods=["POST"])
@public_write
def logout():
    session.clear()
    return redirect(url_for("search.index"))


@bp.route("/account")
@require_role("researcher")
def account():
    return render_template("auth/account.html")


@bp.route("/logout-everywhere", methods=["POST"])
@require_role("researcher")
def logout_all():
    with kb().session() as db:
        logout_everywhere(db, db.get(User, g.viewer.id))
    session.clear()
    flash(gettext("You have been signed out on every device."))
    return redirect(url_for("auth.login"))
