"""Accounts: users, roles, password hashes, API tokens, and the `kb user` commands."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kb.accounts import (AccountError, authenticate, create_token, create_user, disable_user, role_at_least,
                         user_for_token)
from kb.models import ApiToken


def kb_command(*args, data, input_text=None):
    command = [sys.executable, "-c", "from kb.cli import main; main()", "--data", str(data), *args]
    return subprocess.run(command, capture_output=True, text=True, input=input_text, timeout=120)


def test_roles_are_ordered_researcher_curator_admin():
    assert role_at_least("admin", "curator") and role_at_least("curator", "researcher")
    assert not role_at_least("researcher", "curator") and not role_at_least(None, "researcher")


def test_a_password_is_stored_hashed_and_checked(kb):
    with kb.session() as session:
        user = create_user(session, "ana", "researcher", "correct horse")
        assert "correct horse" not in user.password_hash
        assert authenticate(session, "ana", "correct horse").name == "ana"
        assert authenticate(session, "ana", "wrong horse") is None
        assert authenticate(session, "nobody", "correct horse") is None


@pytest.mark.parametrize("name, role, password", [
    ("", "researcher", "long enough"), ("ana", "boss", "long enough"), ("ana", "curator", "short"),
    ("a b", "curator", "long enough"),
])
def test_bad_accounts_are_refused_with_a_reason(kb, name, role, password):
    with kb.session() as session, pytest.raises(AccountError):
        create_user(session, name, role, password)


def test_a_token_is_stored_only_as_a_hash_and_stops_working_when_the_user_is_disabled(kb):
    with kb.session() as session:
        user = create_user(session, "ben", "curator", "long enough")
        token = create_token(session, user)
        assert session.query(ApiToken).one().token_hash != token
        assert user_for_token(session, token).name == "ben"
        assert session.query(ApiToken).one().last_used_at is not None
        assert user_for_token(session, token + "x") is None
        disable_user(session, "ben")
        assert user_for_token(session, token) is None
        assert authenticate(session, "ben", "long enough") is None


def test_kb_user_add_token_list_and_disable(tmp_path):
    data = tmp_path / "data"
    added = kb_command("user", "add", "carla", "--role", "curator", "--password-stdin", data=data,
                       input_text="a long password\n")
    assert added.returncode == 0, added.stderr
    token = kb_command("user", "token", "carla", data=data)
    assert token.returncode == 0 and token.stdout.strip().startswith("kb_") and len(token.stdout.split()) == 1
    listed = json.loads(kb_command("user", "list", "--json", data=data).stdout)
    assert listed[0]["name"] == "carla" and listed[0]["role"] == "curator" and listed[0]["tokens"] == 1
    assert kb_command("user", "disable", "carla", data=data).returncode == 0
    assert json.loads(kb_command("user", "list", "--json", data=data).stdout)[0]["disabled"] is True


def test_kb_user_errors_are_one_line_with_exit_code_2(tmp_path):
    data = tmp_path / "data"
    short = kb_command("user", "add", "dan", "--role", "admin", "--password-stdin", data=data, input_text="x\n")
    assert short.returncode == 2 and "8 characters" in short.stderr and "Traceback" not in short.stderr
    missing = kb_command("user", "token", "nobody", data=data)
    assert missing.returncode == 2 and "no user" in missing.stderr


def test_kb_user_role_password_and_enable(tmp_path):
    data = tmp_path / "data"
    kb_command("user", "add", "eva", "--role", "researcher", "--password-stdin", data=data,
               input_text="first password\n")
    assert kb_command("user", "role", "eva", "curator", data=data).returncode == 0
    assert kb_command("user", "password", "eva", "--password-stdin", data=data,
                      input_text="second password\n").returncode == 0
    kb_command("user", "disable", "eva", data=data)
    assert kb_command("user", "enable", "eva", data=data).returncode == 0
    listed = json.loads(kb_command("user", "list", "--json", data=data).stdout)[0]
    assert (listed["role"], listed["disabled"]) == ("curator", False)
    assert kb_command("user", "role", "nobody", "admin", data=data).returncode == 2



def test_disabling_enabling_and_changing_a_role_are_audited_without_secrets(kb):
    from kb.accounts import create_user, disable_user, enable_user, set_role
    from kb.audit import history

    with kb.session() as session:
        user = create_user(session, "ann", "researcher", "ann-password")
        disable_user(session, "ann", actor="root")
        enable_user(session, "ann")
        set_role(session, "ann", "curator", actor="root")
        events = [(e.actor, e.action, e.entity_id, e.before["disabled"], e.after["disabled"], e.after["role"])
                  for e in reversed(history(session, "user"))]
        assert events == [("root", "disable", str(user.id), False, True, "researcher"),
                          ("operator", "enable", str(user.id), True, False, "researcher"),
                          ("root", "set_role", str(user.id), False, False, "curator")]
        assert all("password_hash" not in e.after for e in history(session, "user"))
