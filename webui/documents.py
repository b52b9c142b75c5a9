"""Document pages: the text, the metadata and the provenance of one document."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from kb.models import Document
from webui.context import kb

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.route("/<int:doc_id>")
def show(doc_id: int):
    with kb().session() as session:
        document = session.get(Document, doc_id)
        if document is None:
            abort(404, f"There is no document {doc_id}.")
        session.expunge(document)
    return render_template("document.html", doc=document)
