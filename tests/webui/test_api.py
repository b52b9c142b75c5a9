"""The open JSON API: search, facets, documents with ETags, OpenAPI, JSON errors, CORS."""

from __future__ import annotations

import re

import pytest


def test_api_search_answers_the_documented_shape_with_cors(web):
    response = web.get("/api/search?q=open+data&lang=nl&per_page=5")
    data = response.get_json()
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert data["per_page"] == 5 and len(data["hits"]) <= 5 and data["total"] >= 1
    assert {hit["lang"] for hit in data["hits"]} == {"nl"}


def test_api_facets_counts_without_hits(web):
    data = web.get("/api/facets?q=&country=BE").get_json()
    assert set(data) == {"query", "total", "facets"}
    assert data["facets"]["country"]["BE"] == data["total"] >= 1
    assert sum(data["facets"]["lang"].values()) == data["total"]


def test_api_document_has_an_etag_and_answers_304_when_unchanged(web, first_hit):
    hit = first_hit("gemeentehuis")
    first = web.get(f"/api/documents/{hit['id']}")
    assert first.status_code == 200 and first.get_json()["id"] == int(hit["id"])
    etag = first.headers["ETag"]
    again = web.get(f"/api/documents/{hit['id']}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = web.get(f"/api/documents/{hit['id']}", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


@pytest.mark.parametrize("url, status, word", [
    ("/api/documents/999999", 404, "999999"),
    ("/api/documents/abc", 404, None),
    ("/api/nothing-here", 404, None),
    ("/api/search?q=x&page=zero", 400, "page"),
    ("/api/search?q=x&per_page=101", 400, "per_page"),
    ("/api/search?q=x&sort=random", 400, "sort"),
    ("/api/facets?page=-1", 400, "page"),
])
def test_api_errors_are_json_with_status_and_message(web, url, status, word):
    response = web.get(url)
    data = response.get_json()
    assert response.status_code == status and data["status"] == status and data["message"]
    if word:
        assert word in data["message"]


def test_api_refuses_writes_to_read_only_endpoints_as_json(web):
    response = web.post("/api/search")
    assert response.status_code == 405 and response.get_json()["status"] == 405


def test_a_syntax_error_in_the_api_is_a_message_not_an_error(web):
    data = web.get("/api/search", query_string={"q": 'open (data "'}).get_json()
    assert data["message"] and "Could not read" in data["message"]
    assert [problem["code"] for problem in data["problems"]] == ["unbalanced_quote", "unbalanced_parenthesis"]
    assert data["searched_words"] == "open data"


def test_the_openapi_document_describes_every_api_route_and_method(web, demo_app):
    spec = web.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/search", "/api/facets", "/api/documents/{id}", "/export.ris", "/feed.atom"} <= set(spec["paths"])
    for rule in demo_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint in ("api.api_home", "api.openapi"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).replace("{doc_id}", "{id}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"].get(path, {}), f"{method} {path} is not in openapi.json"


def test_every_documented_endpoint_answers_as_documented_and_never_5xx(web, first_hit):
    """A small conformance check: documented parameters, documented statuses and media types."""
    spec = web.get("/api/openapi.json").get_json()
    doc_id = first_hit("gemeentehuis")["id"]
    gets = [(path, ops["get"]) for path, ops in spec["paths"].items() if "get" in ops]
    assert len(gets) >= 10
    for path, operation in gets:
        url = re.sub(r"\{\w+\}", "1", path.replace("{id}", str(doc_id)))
        for query in ({}, {"q": "open data", "lang": "nl", "sort": "date"}, {"q": '"broken (', "page": "2"},
                      {"q": "x", "per_page": "0"}):
            params = {k: v for k, v in query.items()
                      if any(p["name"] == k for p in operation.get("parameters", []))}
            response = web.get(url, query_string=params)
            assert response.status_code < 500, (url, params)
            answer = operation["responses"].get(str(response.status_code)) or operation["responses"].get("default")
            assert answer, (url, params, response.status_code)
            media = response.content_type.split(";")[0]
            documented = answer.get("content", {})
            assert not documented or media in documented, (url, media)


def test_the_browsable_api_page_lists_the_endpoints(web):
    html = web.get("/api/").get_data(as_text=True)
    assert "<code>GET /api/search</code>" in html and "/api/openapi.json" in html
    assert "<th scope=\"col\">Parameter</th>" in html


JSON_TYPES = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float), "boolean": bool}


def conforms(value, schema: dict, spec: dict, where: str = "$") -> list[str]:
    """Problems of ``value`` against the OpenAPI subset our document uses (type, required, properties, items,
    additionalProperties, nullable, $ref)."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if value is None:
        return [] if schema.get("nullable") or not schema.get("type") else [f"{where} is null"]
    kind = schema.get("type")
    if kind and (not isinstance(value, JSON_TYPES[kind])
                 or (kind in ("integer", "number") and isinstance(value, bool))):
        return [f"{where} is {type(value).__name__}, not {kind}"]
    problems = []
    if kind == "object":
        problems += [f"{where}.{key} missing" for key in schema.get("required", []) if key not in value]
        for key, item in value.items():
            sub = schema.get("properties", {}).get(key) or schema.get("additionalProperties")
            if isinstance(sub, dict):
                problems += conforms(item, sub, spec, f"{where}.{key}")
    if kind == "array":
        for index, item in enumerate(value):
            problems += conforms(item, schema.get("items", {}), spec, f"{where}[{index}]")
    return problems


def test_json_answers_match_their_documented_schemas(web, first_hit):
    spec = web.get("/api/openapi.json").get_json()
    doc_id = first_hit("gemeentehuis")["id"]
    for path, url in (("/api/search", "/api/search?q=open+data&per_page=20"), ("/api/facets", "/api/facets?q=smart"),
                      ("/api/documents/{id}", f"/api/documents/{doc_id}"), ("/api/search", "/api/search?q=x&page=0")):
        response = web.get(url)
        answer = spec["paths"][path]["get"]["responses"][str(response.status_code)]
        schema = answer["content"]["application/json"]["schema"]
        assert not conforms(response.get_json(), schema, spec), (url, conforms(response.get_json(), schema, spec))


def test_the_schema_check_itself_notices_a_wrong_answer(web):
    spec = web.get("/api/openapi.json").get_json()
    wrong = {"query": "x", "total": "many", "page": 1, "per_page": 10, "hits": [{"id": "1"}], "facets": {}}
    problems = conforms(wrong, {"$ref": "#/components/schemas/SearchResponse"}, spec)
    assert "$.total is str, not integer" in problems and "$.hits[0].url missing" in problems


def test_cors_preflight_for_the_api_is_allowed(web):
    response = web.open("/api/search", method="OPTIONS", headers={"Origin": "https://example.org",
                                                                   "Access-Control-Request-Method": "GET"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


@pytest.fixture
def events_api(kb):
    """A test client on an empty knowledge base, and API tokens for a researcher and a curator."""
    from kb.accounts import create_token, create_user
    from webui import create_app

    app = create_app(kb.settings, kb=kb)
    app.config.update(TESTING=True)
    with kb.session() as db:
        tokens = {role: create_token(db, create_user(db, f"{role}1", role, "long-password-1"))
                  for role in ("researcher", "curator")}
    return app.test_client(), {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}


def test_the_openapi_document_describes_the_events_writes_and_they_answer_as_described(events_api):
    client, bearer = events_api
    spec = client.get("/api/openapi.json").get_json()
    create = spec["paths"]["/api/events"]["post"]
    assert create["security"] == [{"bearer": []}]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/EventInput")
    assert {"201", "401", "403", "422"} <= set(create["responses"])
    assert create["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/FieldErrors")
    event_input = spec["components"]["schemas"]["EventInput"]
    event = {"title": "Data governance", "starts": "2030-09-21T09:00:00+02:00", "ends": "2030-09-21T17:00:00+02:00",
             "mode": "hybrid", "capacity": 1, "agenda": [{"time": "09:00", "title": "Welcome"}]}
    assert not conforms(event, event_input, spec)

    def answers_as_documented(method, path, url, **request):
        response = client.open(url, method=method.upper(), **request)
        answer = spec["paths"][path][method]["responses"].get(str(response.status_code))
        assert answer, f"{method} {url}: {response.status_code} is not documented"
        schema = answer["content"]["application/json"]["schema"]
        assert not conforms(response.get_json(), schema, spec), conforms(response.get_json(), schema, spec)
        return response

    assert answers_as_documented("post", "/api/events", "/api/events", json=event).status_code == 401
    assert answers_as_documented("post", "/api/events", "/api/events", json=event,
                                 headers=bearer["researcher"]).status_code == 403
    refused = answers_as_documented("post", "/api/events", "/api/events", headers=bearer["curator"],
                                    json={**event, "title": "", "starts": "2030-09-21T09:00", "mode": "by post"})
    assert refused.status_code == 422
    assert set(refused.get_json()["fields"]) == {"title", "starts", "mode"} <= set(event_input["properties"])
    created = answers_as_documented("post", "/api/events", "/api/events", json=event, headers=bearer["curator"])
    assert created.status_code == 201
    one = f"/api/events/{created.get_json()['id']}"
    registrations, signup = "/api/events/{event_id}/registrations", {"name": "Ann", "email": "ann@stad.example",
                                                                      "attendance": "online", "consent": True}
    assert not conforms(signup, spec["components"]["schemas"]["RegistrationInput"], spec)
    for body, status in ((signup, 201), (signup, 409), ({**signup, "name": "Bo", "email": "bo@stad.example"}, 201),
                         ({**signup, "consent": False}, 422)):
        assert answers_as_documented("post", registrations, one + "/registrations", json=body).status_code == status
    assert answers_as_documented("get", "/api/events/{event_id}", one).status_code == 200
    assert answers_as_documented("get", registrations, one + "/registrations").status_code == 401
    listed = answers_as_documented("get", registrations, one + "/registrations", headers=bearer["curator"])
    assert [(p["name"], p["status"]) for p in listed.get_json()] == [("Ann", "confirmed"), ("Bo", "waitlisted")]
