"""Similar documents: by meaning where the generation has vectors, else by shared words.

By meaning, a document's neighbours are the documents whose passages are
closest to its own (each of its passages asks; a neighbour scores its best
answer), in every language, so a Dutch case page finds the Spanish and Polish
projects of the same kind. Its own language versions are left out: the page
lists them apart. Without vectors, Whoosh's "more like this" on the document's
most distinctive words, analysed in its own language, answers instead.

Both run on the thread's warm searcher (``index.searchers``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.embedding import Embedder
from index.errors import SearchError
from index.location import current_generation
from index.schema import text_field
from index.searchers import searcher_for
from index.vectors import load_vectors
from index.versions import members
from index.dense import docnums_of

MAX_TEXT = 20_000
KEY_TERMS = 15


def _entry(searcher, docnum: int, score: float) -> dict:
    fields = searcher.stored_fields(docnum)
    return {"id": int(fields["id"]), "title": fields.get("title", ""), "lang": fields.get("lang", "und"),
            "type": fields.get("type", "document"), "country": fields.get("country"),
            "population": fields.get("population"), "themes": [t for t in (fields.get("theme") or "").split(",")
                                                             if t and t != "_none"],
            "municipality": fields.get("municipality"), "url": fields.get("url"), "score": round(float(score), 4)}


def _by_meaning(searcher, generation: Path | None, embedder: Embedder, docnum: int, doc_id: int,
                depth: int) -> list[tuple[int, float]] | None:
    vectors = load_vectors(generation)
    if vectors is None or vectors.model != embedder.name:
        return None
    own = vectors.vectors_of(doc_id)
    if not len(own):
        return None
    per_doc = vectors.best_per_document(own)  # each document's best answer to any of ours
    docnums = docnums_of(searcher, vectors)
    skip = set(members(searcher, docnum))
    order = [i for i in np.argsort(-per_doc, kind="stable")
             if docnums[i] >= 0 and per_doc[i] > -np.inf and int(docnums[i]) not in skip]  # -inf: not probed
    return [(int(docnums[i]), float(per_doc[i])) for i in order[:depth]]


def _by_words(searcher, docnum: int, text: str, lang: str | None, depth: int) -> list[tuple[int, float]]:
    body = text_field("body", lang)
    if not text.strip():
        return []
    skip = set(members(searcher, docnum))
    results = searcher.more_like(docnum, body, text=text[:MAX_TEXT], top=depth, numterms=KEY_TERMS)
    return [(hit.docnum, hit.score) for hit in results if hit.docnum not in skip]


def similar_documents(index_dir: Path, doc_id: int, text: str, lang: str | None, limit: int = 5,
                      doc_type: str | None = None, exclude_urls=(), embedder: Embedder | None = None,
                      same_type_only: bool = False) -> list[dict]:
    """Up to ``limit`` documents like ``doc_id`` ({id, title, lang, type, country, population,
    themes, municipality, url, score}); [] without an index.

    Documents of the same type come first (a case's neighbours are cases, not the listing
    pages that mention it); ``same_type_only`` keeps only those. ``exclude_urls`` are left out."""
    try:
        searcher = searcher_for(index_dir)
    except SearchError:
        return []
    docnum = searcher.document_number(id=str(doc_id))
    if docnum is None:
        return []
    ranked = None
    if embedder is not None:
        ranked = _by_meaning(searcher, current_generation(Path(index_dir)), embedder, docnum, doc_id, limit * 8)
    if ranked is None:
        ranked = _by_words(searcher, docnum, text, lang, limit * 4)
    found = [_entry(searcher, d, s) for d, s in ranked]
    found = [f for f in found if f["url"] not in exclude_urls and f["id"] != doc_id]
    if same_type_only:
        found = [f for f in found if f["type"] == doc_type]
    found.sort(key=lambda item: item["type"] != doc_type)  # stable: closeness order within each group
    return found[:limit]
