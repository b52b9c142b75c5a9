"""The open JSON API: search and documents, with CORS for GET."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify

from index.errors import IndexMissing
from index.query import search
from kb.formats import export_record
from kb.models import Document
from webui.context import kb, search_request, settings

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.after_request
def cors(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/search")
def api_search():
    """GET /api/search?q=&lang=&page=&per_page=: the same JSON as `kb search --json`."""
    req = search_request()
    try:
        response = search(settings().index_dir, req)
    except IndexMissing:
        abort(503, "The search index has not been built yet (run `kb index`).")
    return jsonify(response.to_json())


@bp.route("/documents/<int:doc_id>")
def api_document(doc_id: int):
    with kb().session() as session:
        document = session.get(Document, doc_id)
        if document is None:
            abort(404, f"There is no document {doc_id}.")
        return jsonify(export_record(document))
