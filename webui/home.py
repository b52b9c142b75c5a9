"""The home page: what Casebook is, a search box, counts by theme, country and language, the map of
where the cases are, latest additions."""

from __future__ import annotations

from flask import render_template, url_for
from sqlalchemy import select

from werkzeug.exceptions import ServiceUnavailable

from index.query import SearchRequest
from kb.case_listing import browse_cases
from kb.models import Document
from webui.context import kb, run_search, visible_case_states
from webui.europe_map import EuropeMap, europe_map
from webui.i18n import facet_value_label

LATEST = 8
HOME_FACETS = ("theme", "country", "lang")


def latest_documents(limit: int = LATEST) -> list[dict]:
    """The most recently added documents that are still online."""
    with kb().session() as session:
        rows = session.execute(
            select(Document.id, Document.title, Document.url, Document.lang, Document.doc_type, Document.country,
                   Document.created_at)
            .where(Document.gone.is_(False)).order_by(Document.created_at.desc(), Document.id.desc()).limit(limit)
        ).all()
    return [row._asdict() for row in rows]


def render_home():
    try:
        response = run_search(SearchRequest(per_page=1))
    except ServiceUnavailable:
        response = None
    overview = []
    if response is not None:
        for name in HOME_FACETS:
            counts = response.facets.get(name, {})
            values = sorted(((facet_value_label(name, v), v, c) for v, c in counts.items()),
                            key=lambda t: (-t[2], t[0]))
            overview.append((name, values))
    return render_template("home.html", response=response, overview=overview, latest=latest_documents(),
                           case_map=case_map())


def case_map() -> EuropeMap | None:
    """Where the cases a visitor may browse are, each country linking to its cases (None: no case yet)."""
    with kb().session() as session:
        counts = browse_cases(session, {}, visible_case_states(), per_page=1).facets.get("country", {})
    if not counts:
        return None
    return europe_map(counts, lambda code: url_for("cases.list_cases", country=code))
