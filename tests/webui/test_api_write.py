"""The write API contract: sources and collections with bearer tokens."""

from __future__ import annotations

import pytest

from kb.accounts import create_token, create_user


@pytest.fixture
def app(settings, kb):
    from webui import create_app

    app = create_app(settings, kb)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def tokens(kb):
    made = {}
    with kb.session() as session:
        for role in ("researcher", "curator", "admin"):
            made[role] = create_token(session, create_user(session, role, role, "password-" + role))
        made["curator2"] = create_token(session, create_user(session, "curator2", "curator", "password-c2"))
    return made


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_researcher_registers_a_source_which_is_queued(app, tokens):
    response = app.test_client().post("/api/sources", json={"url": "https://www.example.org/cases/", "name": "Ex"},
                                      headers=bearer(tokens["researcher"]))
    assert response.status_code == 201
    assert response.get_json() == {"id": response.get_json()["id"], "status": "queued"}
    assert isinstance(response.get_json()["id"], int)


def test_registering_a_source_without_a_token_answers_401(app):
    response = app.test_client().post("/api/sources", json={"url": "https://www.example.org/", "name": "Ex"})
    assert response.status_code == 401
    assert response.is_json and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_answers_401(app, tokens):
    response = app.test_client().post("/api/sources", json={"url": "https://www.example.org/", "name": "Ex"},
                                      headers=bearer("kb_not-a-token"))
    assert response.status_code == 401


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://[::1]/", "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
    "http://2130706433/", "http://localhost:8080/", "http://0x7f.0.0.1/", "ftp://example.org/", "file:///etc/passwd",
    "javascript:alert(1)", "http://192.168.1.1/", "http://[::ffff:127.0.0.1]/", "not a url", "",
])
def test_a_refused_url_answers_422_with_a_message(app, tokens, url):
    response = app.test_client().post("/api/sources", json={"url": url, "name": "x"},
                                      headers=bearer(tokens["researcher"]))
    assert response.status_code == 422
    assert response.get_json()["message"]


def test_private_hosts_are_accepted_when_an_admin_allows_them(settings, kb, tokens):
    import dataclasses

    from webui import create_app

    app = create_app(dataclasses.replace(settings, allow_private_hosts=True), kb)
    response = app.test_client().post("/api/sources", json={"url": "http://127.0.0.1:8765/", "name": "demo"},
                                      headers=bearer(tokens["researcher"]))
    assert response.status_code == 201


def test_a_bad_body_is_a_4xx_message_never_a_500(app, tokens):
    client = app.test_client()
    for body in ("not json", "[1, 2]", '{"url": 5}', '{"url": "https://example.org/", "tags": {"a": 1}}'):
        response = client.post("/api/sources", data=body, content_type="application/json",
                               headers=bearer(tokens["researcher"]))
        assert response.status_code in (400, 422), body
        assert response.get_json()["message"]


def test_the_same_url_twice_is_a_conflict_naming_the_first_source(app, tokens):
    client = app.test_client()
    first = client.post("/api/sources", json={"url": "https://example.org/a"}, headers=bearer(tokens["researcher"]))
    again = client.post("/api/sources", json={"url": "https://example.org/a"}, headers=bearer(tokens["curator"]))
    assert again.status_code == 409 and again.get_json()["id"] == first.get_json()["id"]


def test_a_curator_creates_a_collection_a_researcher_may_not(app, tokens):
    client = app.test_client()
    body = {"title": "Smart city governance workshop", "visibility": "public"}
    created = client.post("/api/collections", json=body, headers=bearer(tokens["curator"]))
    assert created.status_code == 201 and isinstance(created.get_json()["id"], int)
    assert client.post("/api/collections", json=body, headers=bearer(tokens["researcher"])).status_code == 403
    assert client.post("/api/collections", json=body).status_code == 401
    assert client.post("/api/collections", json=body, headers=bearer(tokens["admin"])).status_code == 201


def test_a_collection_with_a_bad_visibility_or_no_title_answers_422(app, tokens):
    client = app.test_client()
    for body in ({"title": "x", "visibility": "secret"}, {"visibility": "public"}, {"title": ["x"]}):
        assert client.post("/api/collections", json=body, headers=bearer(tokens["curator"])).status_code == 422


def test_a_private_collection_is_404_to_all_but_its_curators_and_admins(app, tokens):
    client = app.test_client()
    created = client.post("/api/collections", json={"title": "Internal", "visibility": "private"},
                          headers=bearer(tokens["curator"]))
    url = f"/api/collections/{created.get_json()['id']}"
    assert client.get(url).status_code == 404
    assert client.get(url, headers=bearer(tokens["researcher"])).status_code == 404
    assert client.get(url, headers=bearer(tokens["curator2"])).status_code == 404
    assert client.get(url, headers=bearer(tokens["curator"])).status_code == 200
    assert client.get(url, headers=bearer(tokens["admin"])).get_json()["title"] == "Internal"


def test_public_collections_are_readable_by_anyone_and_unlisted_ones_only_with_the_link(app, tokens):
    client = app.test_client()
    public = client.post("/api/collections", json={"title": "Open", "visibility": "public"},
                         headers=bearer(tokens["curator"])).get_json()
    assert client.get(f"/api/collections/{public['id']}").status_code == 200
    unlisted = client.post("/api/collections", json={"title": "Shared", "visibility": "unlisted"},
                           headers=bearer(tokens["curator"])).get_json()
    key = unlisted["share_url"].split("key=", 1)[1]
    assert client.get(f"/api/collections/{unlisted['id']}").status_code == 404  # the id alone is guessable
    assert client.get(f"/api/collections/{unlisted['id']}?key=wrong").status_code == 404
    assert client.get(f"/api/collections/{unlisted['id']}?key={key}").status_code == 200


def test_only_the_collections_curators_may_add_items_or_delete_it(app, tokens, kb):
    from kb.models import Document

    with kb.session() as session:
        session.add(Document(url="https://example.org/doc", title="A document"))
        session.flush()
        doc_id = session.query(Document).one().id
    client = app.test_client()
    created = client.post("/api/collections", json={"title": "Mine", "visibility": "public"},
                          headers=bearer(tokens["curator"]))
    url = f"/api/collections/{created.get_json()['id']}"
    assert client.post(url + "/items", json={"document_id": doc_id},
                       headers=bearer(tokens["curator2"])).status_code == 403
    assert client.post(url + "/items", json={"document_id": doc_id, "note": "Read first"},
                       headers=bearer(tokens["curator"])).status_code == 201
    assert client.post(url + "/items", json={"document_id": 999}, headers=bearer(tokens["curator"])).status_code == 422
    assert client.get(url).get_json()["items"][0]["note"] == "Read first"
    assert client.delete(url, headers=bearer(tokens["curator2"])).status_code == 403
    assert client.delete(url, headers=bearer(tokens["curator"])).status_code == 204
    assert client.get(url).status_code == 404


def test_cases_through_the_api_are_proposed_then_reviewed(app, tokens):
    client = app.test_client()
    created = client.post("/api/cases", json={"title": "Telraam", "summary": "Counting traffic", "country": "BE"},
                          headers=bearer(tokens["researcher"]))
    assert created.status_code == 201 and created.get_json()["review_state"] == "proposed"
    url = f"/api/cases/{created.get_json()['id']}"
    assert client.get(url).get_json()["review_state"] == "proposed"
    assert client.post(url + "/review", json={"decision": "validate"},
                       headers=bearer(tokens["researcher"])).status_code == 403
    assert client.post(url + "/review", json={"decision": "reject"},
                       headers=bearer(tokens["curator"])).status_code == 422
    reviewed = client.post(url + "/review", json={"decision": "validate"}, headers=bearer(tokens["curator"]))
    assert reviewed.get_json()["validated_by"] == "curator"
    assert client.get(url).get_json()["title"] == "Telraam"
    assert client.post("/api/cases", json={"title": "x", "country": "Belgium"},
                       headers=bearer(tokens["researcher"])).status_code == 422
    rejected = client.post("/api/cases", json={"title": "Spam", "summary": "x"}, headers=bearer(tokens["researcher"]))
    spam = f"/api/cases/{rejected.get_json()['id']}"
    client.post(spam + "/review", json={"decision": "reject", "reason": "not a case"},
                headers=bearer(tokens["curator"]))
    assert client.get(spam).status_code == 404
    assert client.get(spam, headers=bearer(tokens["researcher"])).get_json()["reject_reason"] == "not a case"


def test_collection_items_are_reordered_and_lists_hide_private_ones(app, tokens, kb):
    from kb.models import Document

    with kb.session() as session:
        session.add_all([Document(url=f"https://example.org/{n}", title=f"Doc {n}") for n in range(3)])
    client, curator = app.test_client(), bearer(tokens["curator"])
    cid = client.post("/api/collections", json={"title": "Ordered", "visibility": "public"},
                      headers=curator).get_json()["id"]
    client.post("/api/collections", json={"title": "Hidden", "visibility": "private"}, headers=curator)
    items = [client.post(f"/api/collections/{cid}/items", json={"document_id": d}, headers=curator).get_json()["id"]
             for d in (1, 2, 3)]
    reordered = client.post(f"/api/collections/{cid}/order", json={"items": items[::-1]}, headers=curator)
    assert [i["id"] for i in reordered.get_json()["items"]] == items[::-1]
    assert client.post(f"/api/collections/{cid}/order", json={"items": items[:1]}, headers=curator).status_code == 422
    assert [c["title"] for c in client.get("/api/collections").get_json()["collections"]] == ["Ordered"]
    assert len(client.get("/api/collections", headers=curator).get_json()["collections"]) == 2


def test_a_deleted_collection_is_restored_through_the_api_and_its_history_is_readable(app, tokens):
    client, curator = app.test_client(), bearer(tokens["curator"])
    cid = client.post("/api/collections", json={"title": "Back", "visibility": "public"},
                      headers=curator).get_json()["id"]
    client.delete(f"/api/collections/{cid}", headers=curator)
    assert client.post(f"/api/collections/{cid}/restore", headers=bearer(tokens["curator2"])).status_code == 404
    assert client.post(f"/api/collections/{cid}/restore", headers=curator).get_json()["title"] == "Back"
    assert client.post(f"/api/collections/{cid}/restore", headers=curator).status_code == 409
    history = client.get(f"/api/audit?entity=collection&id={cid}", headers=curator).get_json()["events"]
    assert [e["action"] for e in history] == ["restore", "delete", "create"]
    assert history[1]["actor"] == "curator" and history[1]["before"]["title"] == "Back"
    assert client.get("/api/audit", headers=bearer(tokens["researcher"])).status_code == 403
    assert client.get("/api/audit?limit=x", headers=curator).status_code == 400


def test_researchers_list_sources_with_their_status(app, tokens):
    client = app.test_client()
    client.post("/api/sources", json={"url": "https://example.org/list", "name": "L"},
                headers=bearer(tokens["researcher"]))
    listed = client.get("/api/sources", headers=bearer(tokens["researcher"])).get_json()["sources"]
    assert [(s["name"], s["status"], s["pages_stored"]) for s in listed] == [("L", "queued", 0)]
    assert client.get("/api/sources").status_code == 401


def test_the_audit_api_reads_every_kind_of_record_the_trail_holds_and_names_the_rest(app, tokens):
    from kb.people import save_organisation
    from webui.context import kb as kb_of

    with app.app_context(), kb_of().session() as db:
        organisation_id = save_organisation(db, {"name": "Stad Gent", "kind": "municipality"}, "curator").id
    client, curator = app.test_client(), bearer(tokens["curator"])
    events = client.get(f"/api/audit?entity=organisation&id={organisation_id}", headers=curator).get_json()["events"]
    assert [e["action"] for e in events] == ["create"]
    refused = client.get("/api/audit?entity=nothing", headers=curator)
    assert refused.status_code == 400 and "organisation" in refused.get_json()["message"]
