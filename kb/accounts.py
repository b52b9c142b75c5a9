"""Accounts: users with a role, hashed passwords and API tokens.

Roles are ordered (researcher < curator < admin) and a route names the lowest
role it needs. Passwords are hashed by werkzeug (scrypt); API tokens are random
and only their SHA-256 is stored, so a stolen database yields no usable token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from kb import audit
from kb.errors import InputError
from kb.models import ApiToken, User, utcnow

ROLES = ("researcher", "curator", "admin")
ROLE_LEVEL = {"anonymous": 0, "researcher": 1, "curator": 2, "admin": 3}
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
MIN_PASSWORD = 8
OPERATOR = "operator"  # who changes accounts from the command line (the audit trail's actor)
# Checked against when a name is unknown, so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not a real password")


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a signed-in user, or a command run by an operator."""

    name: str
    role: str
    id: int | None = None

    def at_least(self, role: str) -> bool:
        return role_at_least(self.role, role)


class AccountError(InputError):
    """A user cannot be created or changed as asked; the message says why."""


def role_at_least(role: str | None, needed: str) -> bool:
    return ROLE_LEVEL.get(role or "anonymous", 0) >= ROLE_LEVEL[needed]


def find_user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def create_user(session: Session, name: str, role: str, password: str) -> User:
    if not NAME_PATTERN.match(name or ""):
        raise AccountError("a user name is 1-100 letters, digits or . _ @ - and starts with a letter or digit")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    if find_user(session, name) is not None:
        raise AccountError(f"there is already a user named {name!r}")
    user = User(name=name, role=role, password_hash=generate_password_hash(password), disabled=False,
                session_version=1)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The enabled user with this name and password, or None."""
    user = find_user(session, name or "")
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or user.disabled:
        return None
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User) -> str:
    """A new API token for ``user``; the plain token is shown once and never stored."""
    token = "kb_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_hash_token(token), revoked=False))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The enabled user owning this (unrevoked) token, or None; records its use."""
    if not token or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if row is None or row.revoked:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now  # once a minute at most: SQLite has one writer at a time
    return user


def disable_user(session: Session, name: str, actor: str = OPERATOR) -> User:
    """Disable a user: sessions end (new session version) and tokens stop working. Audited."""
    user = _existing(session, name)
    before = _account_state(user)
    user.disabled = True
    user.session_version += 1
    for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        token.revoked = True
    audit.record(session, actor, "disable", "user", user.id, before, _account_state(user))
    return user


def set_role(session: Session, name: str, role: str, actor: str = OPERATOR) -> User:
    user = _existing(session, name)
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    before = _account_state(user)
    user.role = role
    user.session_version += 1  # a changed role takes effect at the next sign-in
    audit.record(session, actor, "set_role", "user", user.id, before, _account_state(user))
    return user


def _account_state(user: User) -> dict:
    """What the audit trail keeps of an account: never its password hash or tokens."""
    return {"name": user.name, "role": user.role, "disabled": user.disabled}


def set_password(session: Session, name: str, password: str) -> User:
    user = _existing(session, name)
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    user.password_hash = generate_password_hash(password)
    user.session_version += 1
    return user


def enable_user(session: Session, name: str, actor: str = OPERATOR) -> User:
    """Enable a disabled user again (their old tokens stay revoked). Audited."""
    user = _existing(session, name)
    before = _account_state(user)
    user.disabled = False
    audit.record(session, actor, "enable", "user", user.id, before, _account_state(user))
    return user


def _existing(session: Session, name: str) -> User:
    user = find_user(session, name)
    if user is None:
        raise AccountError(f"there is no user named {name!r}")
    return user


def logout_everywhere(session: Session, user: User) -> None:
    """End every session of ``user`` (cookies carry the version they were issued with)."""
    user.session_version += 1


def list_users(session: Session) -> list[dict]:
    tokens = {}
    for token in session.scalars(select(ApiToken).where(ApiToken.revoked.is_(False))):
        tokens[token.user_id] = tokens.get(token.user_id, 0) + 1
    return [{"name": u.name, "role": u.role, "disabled": u.disabled, "tokens": tokens.get(u.id, 0),
             "created_at": u.created_at.isoformat(timespec="seconds")}
            for u in session.scalars(select(User).order_by(User.name))]
