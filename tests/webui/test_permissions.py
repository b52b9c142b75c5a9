"""Every write route refuses roles below its level; forms need a CSRF token; sign-in is throttled."""

from __future__ import annotations

import re

import pytest

from kb.accounts import ROLE_LEVEL, create_token, create_user
from kb.models import AuditEvent

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ROLES = ("researcher", "curator", "admin")


@pytest.fixture
def app(settings, kb):
    from webui import create_app

    app = create_app(settings, kb)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def tokens(kb):
    with kb.session() as session:
        return {role: create_token(session, create_user(session, role, role, f"{role}-password")) for role in ROLES}


def sample_url(rule) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        options = getattr(converter, "items", None)
        values[name] = sorted(options)[0] if options else (1 if "Integer" in type(converter).__name__ else "x")
    return rule.build(values)[1]


def write_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & WRITE_METHODS):
            yield rule, method, app.view_functions[rule.endpoint]


def sign_in(client, name, password):
    return client.post("/auth/login", data={"name": name, "password": password})


def test_every_write_route_declares_the_role_it_needs(app):
    undeclared = [f"{method} {rule.rule}" for rule, method, view in write_routes(app)
                  if getattr(view, "required_role", None) not in ROLE_LEVEL]
    assert undeclared == []
    assert len(list(write_routes(app))) >= 30


@pytest.mark.both_engines
def test_no_write_route_accepts_a_write_from_a_role_below_its_level(app, kb, tokens):
    app.config["WTF_CSRF_ENABLED"] = False  # the refusal must come from the role check itself
    sessions = {}
    for role in ROLES:
        sessions[role] = app.test_client()
        assert sign_in(sessions[role], role, f"{role}-password").status_code == 302
    checked = 0
    for rule, method, view in write_routes(app):
        needed = ROLE_LEVEL[view.required_role]
        url = sample_url(rule)
        lower = [role for role in ("anonymous", *ROLES) if ROLE_LEVEL[role] < needed]
        for role in lower:
            attempts = [app.test_client().open(url, method=method, data={}, json=None)] if role == "anonymous" else [
                app.test_client().open(url, method=method, json={},
                                       headers={"Authorization": f"Bearer {tokens[role]}"}),
                sessions[role].open(url, method=method, data={}),
            ]
            for response in attempts:
                refused = response.status_code in (401, 403) or (
                    response.status_code == 302 and "/auth/login" in response.headers["Location"])
                assert refused, f"{role} got {response.status_code} on {method} {url}"
                checked += 1
    with kb.session() as session:
        assert session.query(AuditEvent).count() == 0
    assert checked >= 40


def csrf_token(client, path):
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def test_a_form_post_without_a_csrf_token_is_refused(app, tokens):
    client = app.test_client()
    assert sign_in(client, "curator", "curator-password").status_code == 400  # the sign-in form too
    token = csrf_token(client, "/auth/login")
    assert client.post("/auth/login", data={"name": "curator", "password": "curator-password",
                                            "csrf_token": token}).status_code == 302
    assert client.post("/collections/", data={"title": "No token"}).status_code == 400
    assert client.post("/collections/", data={"title": "Forged", "csrf_token": "forged"}).status_code == 400
    token = csrf_token(client, "/collections/new")
    created = client.post("/collections/", data={"title": "With token", "visibility": "public", "csrf_token": token})
    assert created.status_code == 302 and "/collections/" in created.headers["Location"]


def test_a_bearer_token_needs_no_csrf_token(app, tokens):
    response = app.test_client().post("/api/collections", json={"title": "API", "visibility": "public"},
                                      headers={"Authorization": f"Bearer {tokens['curator']}"})
    assert response.status_code == 201


def test_the_api_ignores_a_session_cookie_for_writes(app, tokens):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, "curator", "curator-password")
    assert client.post("/api/collections", json={"title": "Cookie", "visibility": "public"}).status_code == 401


def test_repeated_failed_sign_ins_lock_the_name_out_from_that_address(app, tokens):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, "admin", "wrong").status_code == 401
    locked = sign_in(client, "admin", "admin-password")
    assert locked.status_code == 429 and "Too many" in locked.get_data(as_text=True)
    assert sign_in(app.test_client(), "curator", "curator-password").status_code == 302  # another name


def test_logout_everywhere_ends_every_session_and_disabling_a_user_too(app, kb, tokens):
    from kb.accounts import disable_user

    app.config["WTF_CSRF_ENABLED"] = False
    laptop, phone = app.test_client(), app.test_client()
    for client in (laptop, phone):
        sign_in(client, "curator", "curator-password")
    assert phone.get("/collections/new").status_code == 200
    laptop.post("/auth/logout-everywhere")
    assert phone.get("/collections/new").status_code == 302
    sign_in(phone, "curator", "curator-password")
    with kb.session() as session:
        disable_user(session, "curator")
    assert phone.get("/collections/new").status_code == 302


def test_sign_in_never_redirects_to_another_site(app, tokens):
    app.config["WTF_CSRF_ENABLED"] = False
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = app.test_client().post(f"/auth/login?next={target}",
                                          data={"name": "curator", "password": "curator-password"})
        assert response.headers["Location"] in ("/", "http://localhost/"), target


def test_the_session_cookie_is_http_only_and_same_site(app, tokens):
    app.config["WTF_CSRF_ENABLED"] = False
    cookie = sign_in(app.test_client(), "curator", "curator-password").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_session_cookie_is_secure_over_https(app, tokens):
    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post("https://localhost/auth/login",
                                      data={"name": "curator", "password": "curator-password"})
    assert "Secure" in response.headers["Set-Cookie"]
    plain = sign_in(app.test_client(), "curator", "curator-password").headers["Set-Cookie"]
    assert "Secure" not in plain
