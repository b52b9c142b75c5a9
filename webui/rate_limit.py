"""A per-client rate limit on expensive requests: searches by pattern or of many words, and exports.

A search with wildcards or ranges may hold a serving thread for a tenth of a
second or more even within its budget (``index.cost``), a 500-character query
about half a second, and an export or a feed runs up to ten searches of 100 hits:
eight such requests at once delayed everyone's searches by seconds. Each client
address may send EXPENSIVE_PER_MINUTE of them a minute (counted across serving
processes in the shared throttle file, ``webui.throttle``); beyond, the answer is
429 with Retry-After. Plain searches are never limited.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import ngettext
from werkzeug.exceptions import TooManyRequests

from index.query import expands
from webui.throttle import shared_throttle

EXPENSIVE_PER_MINUTE = 30  # a person refining a wildcard search clicks far fewer
LONG_QUERY_WORDS = 32  # more words than this make a query expensive (Google searches 32 at most)
SEARCH_ENDPOINTS = frozenset({"search.index", "api.api_search", "api.api_facets"})
EXPORT_ENDPOINTS = frozenset({"exports.export", "exports.feed"})


def is_expensive() -> bool:
    """Whether the current request is one the limit counts."""
    if request.endpoint in EXPORT_ENDPOINTS:
        return True
    if request.endpoint in SEARCH_ENDPOINTS:
        q = request.args.get("q") or ""
        return expands(q) or len(q.split()) > LONG_QUERY_WORDS
    return False


def limit_expensive() -> None:
    """Before a request: count an expensive one of its client, or refuse it with 429 past the limit."""
    if not is_expensive():
        return
    state = current_app.extensions["casebook"]
    if "expensive_throttle" not in state:
        limit = current_app.config.get("EXPENSIVE_PER_MINUTE", EXPENSIVE_PER_MINUTE)
        state["expensive_throttle"] = shared_throttle(state["settings"], "expensive", limit=limit, window=60.0)
    wait = state["expensive_throttle"].reserve(f"expensive:{request.remote_addr}")
    if wait:
        raise TooManyRequests(ngettext(
            "Too many searches with wildcards, long searches or exports from your address. Try again in "
            "%(num)d second.", "Too many searches with wildcards, long searches or exports from your address. "
            "Try again in %(num)d seconds.", wait), retry_after=wait)
