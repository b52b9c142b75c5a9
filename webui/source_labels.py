"""A source's registered name for a page, as the pages, facets, exports and API show it.

Read from the knowledge base once per request (kb.sources.names). Its own module so that the
facet labels (webui.i18n) can name sources without importing the request context, which reads
the UI language from them.
"""

from __future__ import annotations

from flask import current_app, g

from kb.sources.names import source_names


def source_label(host: str | None, source_id: int | None = None) -> str:
    """The registered name of the source of a page on ``host`` (or of ``source_id``), else the host."""
    if "source_names" not in g:
        with current_app.extensions["casebook"]["kb"].session() as session:
            g.source_names = source_names(session)
    return g.source_names.label(host, source_id)
