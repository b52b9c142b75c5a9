"""From a request: the app's knowledge base and search, request parsing, and the case states a viewer browses."""

from __future__ import annotations

from flask import abort, current_app, g, request

from index.embedding import embedder_or_reason
from index.errors import IndexMissing
from index.query import MAX_PER_PAGE, SORTS, SearchRequest, SearchResponse, search
from index.schema import FACETS
from kb.cases import REVIEW_STATES
from webui.i18n import ui_language


def kb():
    return current_app.extensions["casebook"]["kb"]


def settings():
    return current_app.extensions["casebook"]["settings"]


def embedder():
    """(the embedder for search by meaning, or None; why it is unavailable), loaded once per app."""
    state = current_app.extensions["casebook"]
    if "embedder" not in state:
        state["embedder"] = embedder_or_reason(getattr(settings(), "embedding_model", "auto"))
    return state["embedder"]



def visible_case_states() -> tuple[str, ...]:
    """The review states a viewer browses: every state when signed in, else validated and proposed."""
    return REVIEW_STATES if g.viewer is not None else ("validated", "proposed")


def _switch(name: str) -> bool:
    """An on/off parameter, on unless ``off``, ``0``, ``false`` or ``no``."""
    return (request.args.get(name) or "").strip().lower() not in {"off", "0", "false", "no"}


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        abort(400, f"parameter {name!r} must be a whole number")
    if not low <= value <= high:
        abort(400, f"parameter {name!r} must be between {low} and {high}")
    return value


def search_request() -> SearchRequest:
    """A SearchRequest from the query string (?q=&lang=nl&lang=fr&page=2...); 400 on bad values."""
    filters = {name: [v for v in request.args.getlist(name) if v][:50] for name in FACETS}
    sort = request.args.get("sort") or "relevance"
    if sort not in SORTS:
        abort(400, f"parameter 'sort' must be one of {', '.join(SORTS)}")
    return SearchRequest(q=(request.args.get("q") or "")[:500], filters={k: v for k, v in filters.items() if v},
                         page=_int_arg("page", 1, 1, 1000), per_page=_int_arg("per_page", 10, 1, MAX_PER_PAGE),
                         sort=sort, meaning=_switch("meaning"), collapse=_switch("collapse"),
                         reader_lang=ui_language())


def run_search(req: SearchRequest) -> SearchResponse:
    """Search the serving index; 503 without one. What a person types never fails
    (index.query.search reads it as plain words at worst)."""
    try:
        return search(settings().index_dir, req, embedder()[0])
    except IndexMissing:
        abort(503, "The search index has not been built yet (run `kb index`).")
