"""Similar documents ("more like this") for a document page.

The index package owns searching; this asks the serving Whoosh index, through
index.location, for the documents sharing the most distinctive words of this
one, analysed in its own language (stemmed field, stopwords removed) when the
language has one, else in the neutral field.
"""

from __future__ import annotations

from index.analysis import STEMMED_LANGUAGES
from index.errors import SearchError
from index.location import open_current

MAX_TEXT = 20_000
KEY_TERMS = 15


def similar_documents(index_dir, doc_id: int, text: str, lang: str | None, limit: int = 5,
                      doc_type: str | None = None, exclude_urls=()) -> list[dict]:
    """Up to ``limit`` (id, title, lang, type) dicts of documents like ``doc_id``; [] without an index.

    Documents of the same type come first (a case's neighbours are cases, not
    the listing pages that mention it); ``exclude_urls`` (its translations,
    shown apart) are left out.
    """
    field = f"body_{lang}" if lang in STEMMED_LANGUAGES else "body"
    try:
        ix = open_current(index_dir)
    except SearchError:
        return []
    with ix.searcher() as searcher:
        docnum = searcher.document_number(id=str(doc_id))
        if docnum is None or not text.strip():
            return []
        results = searcher.more_like(docnum, field, text=text[:MAX_TEXT], top=limit * 4, numterms=KEY_TERMS)
        found = [{"id": int(hit["id"]), "title": hit.get("title", ""), "lang": hit.get("lang", "und"),
                  "type": hit.get("type", "document"), "country": hit.get("country")}
                 for hit in results if hit.get("url") not in exclude_urls]
    found.sort(key=lambda item: item["type"] != doc_type)  # stable: relevance order within each group
    return found[:limit]
