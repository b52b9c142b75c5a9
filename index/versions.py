"""Language versions of one page: found together, shown once, in the reader's language.

A site that publishes a page in Dutch, French and German says so with hreflang
links (kept as ``Document.translations``); the crawler also records the other
addresses of a duplicate (``also_at``). Each index entry lists those addresses in
its ``versions`` field, its own among them, so entries sharing an address are
versions of one page, even when only one of them names the others. Groups are
built once per index version (``index.searchers.shared``).

A search shows each group once: the version in the query's language, else the
reader's, else the best ranked, with the others as "also in" links.
"""

from __future__ import annotations

import numpy as np

from index import bitmaps
from index.facets import facet_sets
from index.searchers import shared

MAX_GROUP = 40  # an address named by more entries is a site-wide link (a home page), not a version


def _build(searcher) -> np.ndarray:
    reader = searcher.reader()
    size = reader.doc_count_all()
    parent = np.arange(size, dtype=np.int64)

    def root(doc: int) -> int:
        while parent[doc] != doc:
            parent[doc] = parent[parent[doc]]
            doc = int(parent[doc])
        return doc

    if "versions" in searcher.schema:
        live = facet_sets(searcher).all_docs
        for term in reader.lexicon("versions"):
            docs = [d for d in reader.postings("versions", term).all_ids() if live >> d & 1]
            if 1 < len(docs) <= MAX_GROUP:
                first = root(docs[0])
                for doc in docs[1:]:
                    other = root(doc)
                    if other != first:
                        parent[max(other, first)] = min(other, first)
                        first = min(other, first)
    return np.array([root(d) for d in range(size)], dtype=np.int64)


def groups(searcher) -> np.ndarray:
    """Document number -> its group (the smallest document number among its versions)."""
    return shared(searcher, "version-groups", _build)


def count_groups(searcher, docs: int) -> int:
    """How many pages (groups of versions) the documents of the bitmap ``docs`` are."""
    ids = bitmaps.to_array(docs)
    if not len(ids):
        return 0
    return int(len(np.unique(groups(searcher)[ids])))


def members(searcher, docnum: int) -> list[int]:
    of = groups(searcher)
    return np.flatnonzero(of == of[docnum]).tolist() if docnum < len(of) else [docnum]


def collapse(searcher, ranked: list[tuple[int, float]], candidates: int, preferred: list[str]) -> list[dict]:
    """One entry per group, in ranked order: {"docnum", "score", "others"}.

    The entry shows the group's version in the first of the ``preferred`` languages that it has
    among ``candidates`` (the documents the filters allow), else its best ranked version."""
    of = groups(searcher)
    langs = facet_sets(searcher).by_doc("lang")
    seen: set[int] = set()
    out = []
    for docnum, score in ranked:
        group = int(of[docnum]) if docnum < len(of) else docnum
        if group in seen:
            continue
        seen.add(group)
        versions = [d for d in members(searcher, docnum) if candidates >> d & 1] or [docnum]
        shown = docnum
        for lang in preferred:
            chosen = next((d for d in versions if (langs.get(d) or (None,))[0] == lang), None)
            if chosen is not None:
                shown = chosen
                break
        out.append({"docnum": shown, "score": score, "others": [d for d in members(searcher, docnum) if d != shown]})
    return out
