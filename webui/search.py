"""The search page: query box, results with snippets, facets with counts, chips, sort, pages.

Every state (query, filters, sort, page) lives in the URL, so links can be
shared, the back button works and the page needs no JavaScript. With
JavaScript on, casebook.js fetches the same URL with ``X-Casebook-Fragment: 1``
as you type and swaps in the results fragment. ``/`` without a query is the
home page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, render_template, request
from flask_babel import gettext
from sqlalchemy import select

from werkzeug.exceptions import ServiceUnavailable

from index.problems import COSTLY_WILDCARDS, QUERY_PROBLEMS, SHORT_WILDCARD
from index.schema import FACETS
from kb.models import Document
from webui.context import embedder, kb, run_search, search_request
from webui.home import render_home
from webui.i18n import facet_title, facet_value_label

bp = Blueprint("search", __name__)

FACET_VISIBLE = 8  # values shown before "show more"
FACET_FILTER_FROM = 12  # facets with more values than this get a search box (with JavaScript)
PAGE_WINDOW = 2  # page links either side of the current page
FRAGMENT_HEADER = "X-Casebook-Fragment"
NOT_STATE = {"lang_ui", "page"}


def _state() -> list[tuple[str, str]]:
    """The search state in the URL, without the page number and the UI language."""
    return [(k, v) for k, v in request.args.items(multi=True) if k not in NOT_STATE and (v != "" or k == "q")]


def url_with(**changes) -> str:
    """The current search URL with some parameters changed (None removes them); back to page 1."""
    params = [(k, v) for k, v in _state() if k not in changes]
    for key, value in changes.items():
        if value is not None:
            params.append((key, value))
    return "?" + urlencode(params)


def toggle_url(facet: str, value: str) -> str:
    """The URL that adds or removes one facet value (and goes back to page 1)."""
    params = _state()
    if (facet, value) in params:
        params.remove((facet, value))
    else:
        params.append((facet, value))
    return "?" + urlencode(params)


def clear_filters_url() -> str:
    """The same query and sort without any filter."""
    return "?" + urlencode([(k, v) for k, v in _state() if k not in FACETS])


def page_url(number: int) -> str:
    return "?" + urlencode(_state() + ([("page", str(number))] if number > 1 else []))


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    active: bool
    url: str


@dataclass
class FacetGroup:
    name: str
    title: str
    shown: list[FacetValue]
    more: list[FacetValue]
    filterable: bool

    @property
    def more_has_active(self) -> bool:
        return any(v.active for v in self.more)


def facet_groups(counts: dict[str, dict[str, int]], filters: dict[str, list[str]]) -> list[FacetGroup]:
    """The sidebar: per facet its values by count, selected ones first, the tail behind "show more"."""
    groups = []
    for name in FACETS:
        chosen = filters.get(name, [])
        values = dict(counts.get(name, {}))
        for value in chosen:  # a selected value with no hits left still shows, so it can be removed
            values.setdefault(value, 0)
        if not values:
            continue
        items = [FacetValue(v, facet_value_label(name, v), c, v in chosen, toggle_url(name, v))
                 for v, c in values.items()]
        items.sort(key=lambda item: (not item.active, -item.count, item.label.lower()))
        groups.append(FacetGroup(name, facet_title(name), items[:FACET_VISIBLE], items[FACET_VISIBLE:],
                                 len(items) > FACET_FILTER_FROM))
    return groups


def page_numbers(page: int, pages: int) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20: None marks a gap."""
    wanted = {1, pages, *range(page - PAGE_WINDOW, page + PAGE_WINDOW + 1)}
    numbers: list[int | None] = []
    for number in sorted(n for n in wanted if 1 <= n <= pages):
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def other_languages(hits: list[dict]) -> dict[str, list[tuple[str, str]]]:
    """Hit id -> [(language, link)] of its other language versions: those the search collapsed into
    it (index.versions), then the translations it names, linking to our own page when we hold it."""
    collapsed = {str(hit["id"]): [(v["lang"], f"/documents/{v['id']}") for v in hit.get("versions") or []
                                  if v["lang"] != hit.get("lang")] for hit in hits}
    named = _named_translations(hits)
    out = {}
    for key in {*collapsed, *named}:
        merged = dict(named.get(key, []))
        merged.update(dict(collapsed.get(key, [])))
        if merged:
            out[key] = sorted(merged.items())
    return out


def _named_translations(hits: list[dict]) -> dict[str, list[tuple[str, str]]]:
    ids = [int(hit["id"]) for hit in hits if str(hit["id"]).isdigit()]
    if not ids:
        return {}
    with kb().session() as session:
        rows = session.execute(select(Document.id, Document.lang, Document.translations)
                               .where(Document.id.in_(ids))).all()
        urls = {url for _, _, translations in rows for url in (translations or {}).values()}
        known = dict(session.execute(select(Document.url, Document.id)
                                     .where(Document.url.in_(urls))).all()) if urls else {}
    out = {}
    for doc_id, lang, translations in rows:
        others = sorted((code, url) for code, url in (translations or {}).items() if code != lang)
        out[str(doc_id)] = [(code, f"/documents/{known[url]}" if url in known else url) for code, url in others]
    return out


def user_message(response) -> str | None:
    """The index's problems (index.problems codes) in the UI language: a query searched as its
    plain words says so; the others keep the index's English."""
    codes = {problem.code for problem in response.problems} & QUERY_PROBLEMS
    if not codes:
        return response.message
    words = response.searched_words or gettext("(none)")
    if codes == {SHORT_WILDCARD}:
        return gettext("A wildcard (* or ?) needs at least two letters before it; searched for the words: %(words)s.", words=words)  # noqa: E501 (one line: tests read the msgid)
    if codes == {COSTLY_WILDCARDS}:
        return gettext("Your wildcards (* or ?) match too many words to search them all; searched for the words: %(words)s.", words=words)  # noqa: E501
    return gettext("Could not read the query as written; searched for the words: %(words)s.", words=words)


def is_home() -> bool:
    return not any(k in request.args for k in ("q", "sort", "page", *FACETS))


@bp.route("/")
def index():
    if is_home():
        return render_home()
    req = search_request()
    try:
        response = run_search(req)
    except ServiceUnavailable:
        return render_template("search.html", req=req, response=None, empty_index=True), 503
    selected = [(name, value, facet_value_label(name, value))
                for name, values in req.filters.items() for value in values]
    pages = max(1, (response.total + response.per_page - 1) // response.per_page)
    if response.page > pages:  # Whoosh answers a page past the end with the last page: show none
        response.hits = []
    context = dict(req=req, response=response, selected=selected, empty_index=False,
                   facets=facet_groups(response.facets, req.filters), message=user_message(response),
                   translations=other_languages(response.hits), pages=pages,
                   page_numbers=page_numbers(response.page, pages), meaning_problem=embedder()[1])
    if request.headers.get(FRAGMENT_HEADER):
        page = render_template("_results.html", **context)
    else:
        page = render_template("search.html", **context)
    return page, 200, {"Vary": FRAGMENT_HEADER}


@bp.app_context_processor
def helpers():
    return {"url_with": url_with, "toggle_url": toggle_url, "clear_filters_url": clear_filters_url,
            "page_url": page_url, "facet_names": FACETS}
