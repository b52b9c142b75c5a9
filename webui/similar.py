"""Similar documents for a document or case page: the index's answer (index.similar) with this
app's embedding model, so that neighbours are found by meaning, in every language, where the
index has vectors."""

from __future__ import annotations

from index.similar import similar_documents as find
from webui.context import embedder


def similar_documents(index_dir, doc_id: int, text: str, lang: str | None, limit: int = 5,
                      doc_type: str | None = None, exclude_urls=(), same_type_only: bool = False) -> list[dict]:
    return find(index_dir, doc_id, text, lang, limit, doc_type, exclude_urls, embedder()[0], same_type_only)
