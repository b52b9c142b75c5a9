"""The OpenAPI 3 description of Casebook's open JSON API (served at /api/openapi.json)."""

from __future__ import annotations

from index.schema import FACETS

_ERROR = {"description": "An error, as JSON", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _facet_params() -> list[dict]:
    return [{"name": name, "in": "query", "required": False, "style": "form", "explode": True,
             "description": f"Filter on the {name} facet; repeat for OR within the facet, facets combine with AND.",
             "schema": {"type": "array", "items": {"type": "string", "maxLength": 200}}} for name in FACETS]


def _search_params() -> list[dict]:
    return [
        {"name": "q", "in": "query", "required": False, "description": "Words in any language; \"phrases\", AND, OR, NOT.",
         "schema": {"type": "string", "maxLength": 500}},
        *_facet_params(),
    ]


def _paging_params() -> list[dict]:
    return [
        {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1}},
        {"name": "per_page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
        {"name": "sort", "in": "query", "required": False, "schema": {"type": "string", "enum": ["relevance", "date"], "default": "relevance"}},
    ]


def _json(ref: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _export(fmt: str, media: str, what: str) -> dict:
    return {"get": {"summary": f"The result set of a search as {what}", "operationId": f"export_{fmt}",
                    "tags": ["exports"], "parameters": _search_params() + _paging_params()[2:],
                    "responses": {"200": {"description": what, "content": {media: {"schema": {"type": "string"}}}},
                                  "400": _ERROR}}}


def openapi_document(server_url: str) -> dict:
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}
    return {
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
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}],
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
                                   "responses": {"200": {"description": "Atom 1.0",
                                                         "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
                                                 "400": _ERROR}}},
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["status", "message"],
                      "properties": {"status": {"type": "integer"}, "error": {"type": "string"}, "message": {"type": "string"}}},
            "Hit": {"type": "object", "required": ["id", "url", "title", "lang", "type", "score", "snippet"], "properties": {
                "id": {"type": "string"}, "url": {"type": "string"}, "title": {"type": "string"},
                "lang": {"type": "string"}, "type": {"type": "string"}, "score": {"type": "number"},
                "snippet": {"type": "string", "description": "HTML-escaped text with matches in <mark>"},
                "source": {"type": "string", "nullable": True}, "country": {"type": "string", "nullable": True},
                "municipality": {"type": "string", "nullable": True}, "year": {"type": "string", "nullable": True},
                "themes": {"type": "array", "items": {"type": "string"}}, "date": {"type": "string", "nullable": True},
                "also_at": {"type": "array", "items": {"type": "string"}}}},
            "SearchResponse": {"type": "object", "required": ["query", "total", "page", "per_page", "hits", "facets"],
                               "properties": {
                "query": {"type": "string"}, "total": {"type": "integer"}, "page": {"type": "integer"},
                "per_page": {"type": "integer"}, "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                "facets": {"type": "object", "additionalProperties": counts},
                "message": {"type": "string", "nullable": True}, "suggestion": {"type": "string", "nullable": True}}},
            "Facets": {"type": "object", "required": ["query", "total", "facets"], "properties": {
                "query": {"type": "string"}, "total": {"type": "integer"},
                "facets": {"type": "object", "additionalProperties": counts}}},
            "Document": {"type": "object", "required": ["id", "url", "title"], "properties": {
                "id": {"type": "integer"}, "url": {"type": "string"}, "final_url": {"type": "string", "nullable": True},
                "title": {"type": "string"}, "lang": {"type": "string", "nullable": True},
                "lang_confidence": {"type": "number", "nullable": True}, "type": {"type": "string"},
                "source": {"type": "string"}, "country": {"type": "string", "nullable": True},
                "municipality": {"type": "string", "nullable": True},
                "themes": {"type": "array", "items": {"type": "string"}}, "year": {"type": "integer", "nullable": True},
                "published": {"type": "string", "nullable": True}, "fetched_at": {"type": "string", "nullable": True},
                "content_hash": {"type": "string", "nullable": True},
                "also_at": {"type": "array", "items": {"type": "string"}},
                "translations": {"type": "object", "additionalProperties": {"type": "string"}},
                "gone": {"type": "boolean"}, "text": {"type": "string"}}},
        }},
    }
