"""The OpenAPI 3 description of Casebook's open JSON API (served at /api/openapi.json).

Search, facets, documents, exports, networks, calls and events are described here
in full: bodies, answers and the 422 with a message per field. The other areas'
/api/ routes (sources, cases, collections...) are found in the app's URL map and
described from their view's docstring, path parameters and methods, so the
document never leaves an endpoint out.
"""

from __future__ import annotations

import re

from index.problems import ENGLISH
from index.schema import FACETS
from kb.events import ACTIVE, ATTENDANCE, MODES
from webui.event_views import HONEYPOT

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_SKIP_METHODS = {"HEAD", "OPTIONS"}

_ERROR = {"description": "An error, as JSON",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_REFUSED = {"description": "Refused fields: a message per field",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FieldErrors"}}}}


def _facet_params() -> list[dict]:
    return [{"name": name, "in": "query", "required": False, "style": "form", "explode": True,
             "description": f"Filter on the {name} facet; repeat for OR within the facet, facets combine with AND.",
             "schema": {"type": "array", "items": {"type": "string", "maxLength": 200}}} for name in FACETS]


def _search_params() -> list[dict]:
    return [
        {"name": "q", "in": "query", "required": False,
         "description": "Words in any language; \"phrases\", AND, OR, NOT.",
         "schema": {"type": "string", "maxLength": 500}},
        *_facet_params(),
        {"name": "meaning", "in": "query", "required": False,
         "description": "off: only documents with the query's words; otherwise documents close in meaning, in every "
                        "language, are found and ranked with them (plain-word queries, where the index has vectors).",
         "schema": {"type": "string", "enum": ["on", "off"], "default": "on"}},
        {"name": "collapse", "in": "query", "required": False,
         "description": "off: each language version of a page is a hit of its own; otherwise one hit per page, "
                        "in the query's or the reader's language, the others listed as versions.",
         "schema": {"type": "string", "enum": ["on", "off"], "default": "on"}},
    ]


def _paging_params() -> list[dict]:
    return [
        {"name": "page", "in": "query", "required": False, "description": "Page number, from 1.",
         "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1}},
        {"name": "per_page", "in": "query", "required": False, "description": "Hits per page (at most 100).",
         "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
        {"name": "sort", "in": "query", "required": False, "description": "relevance, or date (newest first).",
         "schema": {"type": "string", "enum": ["relevance", "date"], "default": "relevance"}},
    ]


def _json(ref: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _export(fmt: str, media: str, what: str) -> dict:
    return {"get": {"summary": f"The result set of a search as {what}", "operationId": f"export_{fmt}",
                    "tags": ["exports"], "parameters": _search_params() + _paging_params()[2:],
                    "responses": {"200": {"description": what, "content": {media: {"schema": {"type": "string"}}}},
                                  "400": _ERROR}}}


def _openapi_path(rule: str) -> str:
    return _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule)


def discovered_paths(app, documented) -> dict:
    """Operations for the app's other /api/ routes, from their view functions."""
    paths: dict = {}
    for rule in app.url_map.iter_rules():
        path = _openapi_path(rule.rule)
        if not rule.rule.startswith("/api/") or path in documented or rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        summary = ((view.__doc__ or "").strip().splitlines() or [rule.endpoint])[0]
        params = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "integer"} if converter == "int" else {"type": "string"}}
                  for converter, name in _CONVERTER.findall(rule.rule)]
        for method in sorted(rule.methods - _SKIP_METHODS):
            operation = {"summary": summary, "operationId": f"{rule.endpoint}_{method.lower()}",
                         "tags": [rule.endpoint.split(".")[0]], "parameters": params,
                         "responses": {"200": {"description": "JSON", "content": {"application/json": {"schema": {}}}},
                                       "default": _ERROR}}
            if method != "GET":
                operation["security"] = [{"bearer": []}]
                operation["responses"]["201"] = {"description": "Created or done, as JSON"}
            paths.setdefault(path, {})[method.lower()] = operation
    return paths


def _networks_and_calls() -> tuple[dict, dict]:
    """(paths, schemas) of networks, programmes and calls."""
    ref = {"$ref": "#/components/schemas/Call"}
    status = {"name": "status", "in": "query", "required": False, "description": "Only calls of this status, "
              "derived from the dates at the moment of asking (compared in UTC).",
              "schema": {"type": "string", "enum": ["upcoming", "open", "closed"]}}
    network = {"name": "network", "in": "query", "required": False, "description": "Only this network's calls.",
               "schema": {"type": "integer"}}
    body = {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallInput"}}}}
    feed = {"parameters": [status, network]}
    paths = {
        "/api/networks": {"get": {"summary": "Networks and programmes, by name", "operationId": "networks",
                                  "tags": ["networks"], "responses": {"200": {"description": "Every network and "
                                  "programme", "content": {"application/json": {"schema": {"type": "array", "items": {
                                      "$ref": "#/components/schemas/Network"}}}}}}}},
        "/api/calls": {
            "get": {"summary": "Calls, ordered by deadline", "operationId": "calls", "tags": ["calls"], **feed,
                    "responses": {"200": {"description": "Calls", "content": {"application/json": {"schema": {
                        "type": "array", "items": ref}}}}, "400": _ERROR}},
            "post": {"summary": "Add a call (curators)", "operationId": "create_call", "tags": ["calls"],
                     "security": [{"bearer": []}], "requestBody": body,
                     "responses": {"201": _json("Created", "The new call's id and status"),
                                   "401": {**_ERROR, "description": "No API token"},
                                   "403": {**_ERROR, "description": "The token's user is not a curator"},
                                   "422": _REFUSED}}},
        "/api/calls/{id}": {
            "get": {"summary": "One call", "operationId": "call", "tags": ["calls"],
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "The call", "content": {"application/json": {"schema": ref}}},
                                  "404": _ERROR}},
            "put": {"summary": "Replace a call's fields (curators)", "operationId": "update_call", "tags": ["calls"],
                    "security": [{"bearer": []}], "requestBody": body,
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "The call", "content": {"application/json": {"schema": ref}}},
                                  "401": _ERROR, "403": _ERROR, "404": _ERROR, "422": _REFUSED}}},
        "/calls.atom": {"get": {"summary": "An Atom feed of calls", "operationId": "calls_feed", "tags": ["calls"],
                                **feed, "responses": {"200": {"description": "Atom 1.0", "content": {
                                    "application/atom+xml": {"schema": {"type": "string"}}}}}}},
        "/calls.ics": {"get": {"summary": "An iCalendar feed of call deadlines", "operationId": "calls_calendar",
                               "tags": ["calls"], **feed, "responses": {"200": {"description": "iCalendar (RFC 5545)",
                               "content": {"text/calendar": {"schema": {"type": "string"}}}}}}},
    }
    named = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
    nullable_text = {"type": "string", "nullable": True}
    schemas = {
        "Network": {"type": "object", "required": ["id", "name", "kind", "members", "cases", "join_url"],
                    "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"type": "string",
                                                                            "enum": ["network", "programme"]},
            "members": {"type": "array", "items": named, "description": "Member organisations"},
            "cases": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "title": {"type": "string"}}}, "description": "Cases from the network"},
            "join_url": nullable_text, "who_may_join": nullable_text, "website": nullable_text,
            "country": nullable_text}},
        "Call": {"type": "object", "required": ["id", "title", "network", "deadline", "status", "url"], "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"},
            "network": {**named, "properties": {**named["properties"], "kind": {"type": "string"}}},
            "deadline": {"type": "string", "description": "ISO 8601 with the offset it was given with"},
            "deadline_utc": {"type": "string"}, "zone": {"type": "string", "description": "IANA time zone"},
            "opens": nullable_text, "status": {"type": "string", "enum": ["upcoming", "open", "closed"]},
            "url": nullable_text, "eligibility": nullable_text,
            "countries": {"type": "array", "items": {"type": "string"}, "description": "Empty: any country"},
            "themes": {"type": "array", "items": {"type": "string"}}, "description": {"type": "string"},
            "example": {"type": "boolean", "description": "Made up to show the feature, not a real call"}}},
        "CallInput": {"type": "object", "required": ["title", "network_id", "deadline"], "properties": {
            "title": {"type": "string", "maxLength": 500}, "network_id": {"type": "integer"},
            "deadline": {"type": "string", "description": "ISO 8601 with an offset (2030-03-31T17:00:00+02:00), or "
                                                          "a local time with zone"},
            "opens": {"type": "string"},
            "zone": {"type": "string", "description": "IANA name, such as Europe/Brussels"},
            "eligibility": {"type": "string"}, "countries": {"type": "array", "items": {"type": "string"}},
            "themes": {"type": "array", "items": {"type": "string"}}, "url": {"type": "string"},
            "description": {"type": "string"}, "example": {"type": "boolean"}}},
        "Created": {"type": "object", "properties": {"id": {"type": "integer"}, "status": {"type": "string"}}},
        "FieldErrors": {"type": "object", "required": ["status", "message", "fields"], "properties": {
            "status": {"type": "integer"}, "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "Field name -> what is wrong with it"}}},
    }
    return paths, schemas


def _event_paths() -> dict:
    """Events: the public list and pages, the curators' writes and reads, the sign-up without an account."""
    event_id = [{"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    event = {"$ref": "#/components/schemas/Event"}
    events = {"type": "array", "items": event}
    participants = {"type": "array", "items": {"$ref": "#/components/schemas/Participant"}}
    not_json = {**_ERROR, "description": "The body is not a JSON object"}
    no_token = {**_ERROR, "description": "No API token"}
    not_curator = {**_ERROR, "description": "The token's user is not a curator"}
    return {
        "/api/events": {
            "get": {"summary": "Every event, by start", "operationId": "events", "tags": ["events"],
                    "responses": {"200": {"description": "Events (without their online link)",
                                          "content": {"application/json": {"schema": events}}}}},
            "post": {"summary": "Add an event (curators)", "operationId": "create_event", "tags": ["events"],
                     "security": [{"bearer": []}], "requestBody": {"required": True, "content": {
                         "application/json": {"schema": {"$ref": "#/components/schemas/EventInput"}}}},
                     "responses": {"201": _json("EventCreated", "The new event's id"), "400": not_json,
                                   "401": no_token, "403": not_curator,
                                   "422": {**_REFUSED, "description": "Refused fields: a message per field of "
                                                                      "EventInput"}}}},
        "/api/events/{event_id}": {"get": {
            "summary": "One event (its online link for organisers)", "operationId": "event", "tags": ["events"],
            "parameters": event_id, "responses": {"200": {"description": "The event", "content": {
                "application/json": {"schema": event}}}, "404": _ERROR}}},
        "/api/events/{event_id}/registrations": {
            "get": {"summary": "An event's participants, with emails (curators)", "operationId": "participants",
                    "tags": ["events"], "security": [{"bearer": []}], "parameters": event_id,
                    "responses": {"200": {"description": "Registrations, in order of sign-up", "content": {
                        "application/json": {"schema": participants}}}, "401": no_token, "403": not_curator,
                        "404": {**_ERROR, "description": "No such event"}}},
            "post": {"summary": "Sign up for an event (no account needed)", "operationId": "register",
                     "tags": ["events"], "parameters": event_id, "requestBody": {"required": True, "content": {
                         "application/json": {"schema": {"$ref": "#/components/schemas/RegistrationInput"}}}},
                     "responses": {
                         "201": _json("Registered", "Confirmed, or waitlisted when the event is full"),
                         "400": not_json, "404": {**_ERROR, "description": "No such event"},
                         "409": {**_ERROR, "description": "The email address is already registered for the event"},
                         "422": {**_ERROR, "description": "Refused: no consent, no name, an invalid email or "
                                                          "attendance, registration closed, or the honeypot filled"},
                         "429": {**_ERROR, "description": "Too many sign-ups from this address; try again later"}}}},
    }


def _event_schemas() -> dict:
    nullable_text, nullable_number = {"type": "string", "nullable": True}, {"type": "integer", "nullable": True}
    moment = "ISO 8601 with an offset (2030-09-21T09:00:00+02:00), or a local time with zone"
    item = {"type": "object", "required": ["title"], "properties": {
        "id": {"type": "integer", "description": "Given on saving when missing"}, "title": {"type": "string"},
        "day": nullable_text, "time": nullable_text,
        "speakers": {"type": "array", "items": {"type": "integer"}, "description": "Profile ids"},
        "documents": {"type": "array", "items": {"type": "integer"}, "description": "Document ids"}}}
    return {
        "Event": {"type": "object", "required": ["id", "title", "starts", "ends", "mode"], "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"}, "description": {"type": "string"},
            "starts": {"type": "string", "description": "ISO 8601 with the offset it was given with"},
            "ends": {"type": "string"}, "mode": {"type": "string", "enum": list(MODES)}, "place": nullable_text,
            "capacity": nullable_number, "agenda": {"type": "array", "items": item},
            "collection_id": nullable_number,
            "registration_deadline": {**nullable_text, "description": "UTC, ISO 8601 without offset"},
            "online_link": {**nullable_text, "description": "Only for organisers"}}},
        "EventInput": {"type": "object", "required": ["title", "starts", "ends"], "properties": {
            "title": {"type": "string", "maxLength": 500}, "description": {"type": "string", "maxLength": 20000},
            "starts": {"type": "string", "description": moment}, "ends": {"type": "string", "description": moment},
            "zone": {"type": "string", "description": "IANA name, such as Europe/Brussels, for local times"},
            "registration_deadline": {"type": "string", "description": moment + "; not after the end"},
            "mode": {"type": "string", "enum": list(MODES), "default": "onsite"},
            "place": {"type": "string", "maxLength": 500}, "online_link": {"type": "string"},
            "capacity": {**nullable_number, "minimum": 0, "description": "Empty: no limit"},
            "collection_id": nullable_number, "agenda": {"type": "array", "items": item}}},
        "EventCreated": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}},
        "RegistrationInput": {"type": "object", "required": ["name", "email", "consent"], "properties": {
            "name": {"type": "string"}, "email": {"type": "string"}, "organisation": {"type": "string"},
            "attendance": {"type": "string", "enum": list(ATTENDANCE), "default": "onsite"},
            "consent": {"type": "boolean", "description": "Must be true: consent to store the name and email"},
            HONEYPOT: {"type": "string", "description": "Leave out or empty (a trap for robots)"}}},
        "Registered": {"type": "object", "required": ["id", "status", "event_id", "cancel_url", "personal_url"],
                       "properties": {
            "id": {"type": "integer"}, "status": {"type": "string", "enum": list(ACTIVE)},
            "event_id": {"type": "integer"}, "cancel_url": {"type": "string"}, "personal_url": {"type": "string"}}},
        "Participant": {"type": "object", "required": ["id", "name", "email", "attendance", "status"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"},
            "organisation": nullable_text, "attendance": {"type": "string"}, "status": {"type": "string"},
            "registered_at": {"type": "string"}}},
    }


def openapi_document(server_url: str, app=None) -> dict:
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "Casebook open API", "version": "1",
                 "description": "Search Casebook's knowledge base of good practice of European local governments. "
                                "Read-only, no key needed, CORS open for GET. Errors are JSON with status and message.",
                 "license": {"name": "EUPL-1.2"}},
        "servers": [{"url": server_url}],
        "paths": {
            "/api/search": {"get": {
                "summary": "Search documents", "operationId": "search", "tags": ["search"],
                "parameters": _search_params() + _paging_params(),
                "responses": {"200": _json("SearchResponse", "One page of hits with facet counts"),
                              "400": _ERROR, "503": _ERROR}}},
            "/api/facets": {"get": {
                "summary": "Facet counts for a search", "operationId": "facets", "tags": ["search"],
                "parameters": _search_params(),
                "responses": {"200": _json("Facets", "Counts per facet value"), "400": _ERROR, "503": _ERROR}}},
            "/api/documents/{id}": {"get": {
                "summary": "One document with its provenance", "operationId": "document", "tags": ["documents"],
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": {**_json("Document", "The document"),
                                      "headers": {"ETag": {"schema": {"type": "string"}}}},
                              "304": {"description": "Not modified (If-None-Match matched the ETag)"},
                              "404": _ERROR}}},
            "/export.csv": _export("csv", "text/csv", "CSV"),
            "/export.json": _export("json", "application/json", "JSON"),
            "/export.ris": _export("ris", "application/x-research-info-systems", "RIS (Zotero, EndNote)"),
            "/export.bib": _export("bib", "application/x-bibtex", "BibTeX"),
            "/feed.atom": {"get": {"summary": "An Atom feed of new documents matching a search", "operationId": "feed",
                                   "tags": ["exports"], "parameters": _search_params(),
                                   "responses": {"200": {"description": "Atom 1.0", "content": {
                                       "application/atom+xml": {"schema": {"type": "string"}}}},
                                                 "400": _ERROR}}},
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "An API token (kb user token); writes only"}},
                       "schemas": {
            "Error": {"type": "object", "required": ["status", "message"],
                      "properties": {"status": {"type": "integer"}, "error": {"type": "string"},
                                     "message": {"type": "string"}}},
            "Hit": {"type": "object",
                    "required": ["id", "url", "title", "lang", "type", "score", "snippet"], "properties": {
                "id": {"type": "string"}, "url": {"type": "string"}, "title": {"type": "string"},
                "lang": {"type": "string"}, "type": {"type": "string"}, "score": {"type": "number"},
                "snippet": {"type": "string", "description": "HTML-escaped text with matches in <mark>"},
                "source": {"type": "string", "nullable": True, "description": "The host (the source facet's value)"},
                "source_name": {"type": "string", "nullable": True, "description": "The registered source's name"},
                "country": {"type": "string", "nullable": True},
                "municipality": {"type": "string", "nullable": True}, "year": {"type": "string", "nullable": True},
                "themes": {"type": "array", "items": {"type": "string"}}, "date": {"type": "string", "nullable": True},
                "also_at": {"type": "array", "items": {"type": "string"}},
                "versions": {"type": "array", "description": "The page's other language versions, collapsed into it",
                             "items": {"type": "object", "properties": {
                                 "id": {"type": "string"}, "lang": {"type": "string"}, "url": {"type": "string"},
                                 "title": {"type": "string"}}}}}},
            "SearchResponse": {"type": "object", "required": ["query", "total", "page", "per_page", "hits", "facets"],
                               "properties": {
                "query": {"type": "string"}, "total": {"type": "integer"}, "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                "facets": {"type": "object", "additionalProperties": counts},
                "message": {"type": "string", "nullable": True,
                            "description": "The problems in English; translate problems' codes rather than this"},
                "problems": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
                "searched_words": {"type": "string", "nullable": True,
                                   "description": "The plain words searched when the query could not be read as "
                                                  "written"},
                "suggestion": {"type": "string", "nullable": True},
                "meaning": {"type": "string", "enum": ["on", "off", "unavailable"],
                            "description": "on: documents close in meaning were found and ranked too; off: not asked, "
                                           "or a query of exact syntax; unavailable: no model or no vectors here"},
                "query_lang": {"type": "string", "nullable": True, "description": "The query's language, as told"},
                "documents": {"type": "integer", "nullable": True,
                              "description": "Matching documents, language versions counted apart (what the facets "
                                             "count); total counts pages"}}},
            "Problem": {"type": "object", "required": ["code", "params"], "properties": {
                "code": {"type": "string", "enum": sorted(ENGLISH)},
                "params": {"type": "object", "description": "operator, letters, fields, max, date_from, date_to: "
                                                            "as the code needs"}}},
            "Facets": {"type": "object", "required": ["query", "total", "facets"], "properties": {
                "query": {"type": "string"}, "total": {"type": "integer"},
                "facets": {"type": "object", "additionalProperties": counts}}},
            "Document": {"type": "object", "required": ["id", "url", "title"], "properties": {
                "id": {"type": "integer"}, "url": {"type": "string"}, "final_url": {"type": "string", "nullable": True},
                "title": {"type": "string"}, "lang": {"type": "string", "nullable": True},
                "lang_confidence": {"type": "number", "nullable": True}, "type": {"type": "string"},
                "source": {"type": "string"}, "source_name": {"type": "string"},
                "country": {"type": "string", "nullable": True},
                "municipality": {"type": "string", "nullable": True},
                "themes": {"type": "array", "items": {"type": "string"}}, "year": {"type": "integer", "nullable": True},
                "published": {"type": "string", "nullable": True}, "fetched_at": {"type": "string", "nullable": True},
                "content_hash": {"type": "string", "nullable": True},
                "also_at": {"type": "array", "items": {"type": "string"}},
                "translations": {"type": "object", "additionalProperties": {"type": "string"}},
                "gone": {"type": "boolean"}, "text": {"type": "string"}}},
        }},
    }
    paths, schemas = _networks_and_calls()
    spec["paths"].update(paths)
    spec["components"]["schemas"].update(schemas)
    spec["paths"].update(_event_paths())
    spec["components"]["schemas"].update(_event_schemas())
    if app is not None:
        spec["paths"].update(discovered_paths(app, spec["paths"]))
    return spec
