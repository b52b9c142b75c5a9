"""The open JSON API: search, facets and documents, with CORS for GET and an OpenAPI 3 description."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, render_template, request

from kb.formats import export_record
from webui.context import kb, run_search, search_request
from webui.source_labels import source_label
from webui.documents import readable_document
from webui.links import site_root
from webui.openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.after_request
def cors(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response.headers.setdefault("Access-Control-Expose-Headers", "ETag")
    return response


@bp.route("/")
def api_home():
    """A browsable description of the API, generated from the OpenAPI document."""
    spec = openapi_document(site_root(), current_app)
    return render_template("api.html", spec=spec)


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document(site_root(), current_app))


@bp.route("/search")
def api_search():
    """GET /api/search?q=&lang=&page=&per_page=: the same JSON as `kb search --json`."""
    data = run_search(search_request()).to_json()
    for hit in data["hits"]:
        hit["source_name"] = source_label(hit.get("source"))
    return jsonify(data)


@bp.route("/facets")
def api_facets():
    req = search_request()
    req.per_page, req.page = 1, 1
    response = run_search(req)
    # the facets count documents, so the total here does too (language versions apart)
    total = response.documents if response.documents is not None else response.total
    return jsonify({"query": response.query, "total": total, "facets": response.facets})


@bp.route("/documents/<int:doc_id>")
def api_document(doc_id: int):
    with kb().session() as session:
        document = readable_document(session, doc_id)
        record = export_record(document) | {"translations": document.translations or {},
                                            "description": document.description,
                                            "source_name": source_label(urlsplit(document.final_url or document.url)
                                                                        .hostname, document.source_id)}
    body = json.dumps(record, ensure_ascii=False, sort_keys=True)
    response = jsonify(record)
    response.set_etag(hashlib.sha256(body.encode("utf-8")).hexdigest()[:32])
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)
