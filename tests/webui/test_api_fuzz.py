"""Whatever JSON a client sends to the write API, the answer is a 4xx message or a success, never a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from kb.accounts import create_token, create_user

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children,
                                                                                      max_size=4), max_leaves=8)
FIELDS = ["url", "name", "title", "visibility", "summary", "country", "years", "themes", "links", "agenda",
          "event_mode", "document_id", "case_id", "note", "items", "decision", "reason", "tags", "include"]
BODIES = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=6) | JSON
ENDPOINTS = [("POST", "/api/sources"), ("POST", "/api/collections"), ("PATCH", "/api/collections/1"),
             ("POST", "/api/collections/1/items"), ("POST", "/api/collections/1/order"), ("POST", "/api/cases"),
             ("POST", "/api/cases/1/review")]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    from kb.settings import load_settings
    from kb.storage import open_kb
    from webui import create_app

    settings = load_settings(tmp_path_factory.mktemp("fuzz") / "data", environ={})
    knowledge_base = open_kb(settings)
    with knowledge_base.session() as session:
        token = create_token(session, create_user(session, "admin", "admin", "admin-password"))
    app = create_app(settings, knowledge_base)
    app.config["TESTING"] = True
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/collections", json={"title": "x"}, headers=headers).status_code == 201
    assert client.post("/api/cases", json={"title": "x", "summary": "y"}, headers=headers).status_code == 201
    yield client, headers
    knowledge_base.close()


@pytest.mark.parametrize("method, path", ENDPOINTS)
@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
def test_the_write_api_never_answers_500(fuzz_app, method, path, body):
    client, headers = fuzz_app
    response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code < 500, (body, response.get_json())
    assert response.is_json or response.status_code == 204
