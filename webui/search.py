"""The search page: query box, results with snippets, facets with counts, pagination."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template, request

from index.errors import IndexMissing
from index.query import search
from index.schema import FACETS
from webui.context import search_request, settings

bp = Blueprint("search", __name__)


def url_with(**changes) -> str:
    """The current search URL with some parameters changed (None removes them)."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in changes and k != "page"]
    for key, value in changes.items():
        if value is not None:
            params.append((key, value))
    return "?" + urlencode(params)


def toggle_url(facet: str, value: str) -> str:
    """The URL that adds or removes one facet value (and goes back to page 1)."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    if (facet, value) in params:
        params.remove((facet, value))
    else:
        params.append((facet, value))
    return "?" + urlencode(params)


@bp.app_context_processor
def helpers():
    return {"url_with": url_with, "toggle_url": toggle_url, "facet_names": FACETS}


@bp.route("/")
def index():
    req = search_request()
    try:
        response = search(settings().index_dir, req)
    except IndexMissing:
        return render_template("search.html", req=req, response=None, empty_index=True)
    selected = [(name, value) for name, values in req.filters.items() for value in values]
    return render_template("search.html", req=req, response=response, selected=selected, empty_index=False)
