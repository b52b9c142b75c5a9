"""Building the index from the knowledge base: full rebuilds and incremental updates.

A full build writes a new generation and swaps it in atomically. Incremental
updates rewrite the given documents in the serving generation with a plain
writer (AsyncWriter/BufferedWriter can lose documents), waiting for the lock.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import select
from whoosh.index import LockError

from index.errors import IndexBusy
from index.location import new_generation, open_current, switch_to
from index.records import document_fields
from index.tagging import Tagger
from kb.models import Document
from kb.storage import KnowledgeBase

BATCH = 500
LOCK_WAIT = 60.0


def _writer(ix, wait: float = LOCK_WAIT):
    deadline = time.monotonic() + wait
    while True:
        try:
            return ix.writer(limitmb=256)
        except LockError:
            if time.monotonic() > deadline:
                raise IndexBusy(f"the index is being written by another process for over {wait:.0f} s") from None
            time.sleep(0.25)


def _iter_documents(kb: KnowledgeBase, ids: Iterable[int] | None = None):
    with kb.session() as session:
        query = select(Document).order_by(Document.id)
        if ids is not None:
            query = query.where(Document.id.in_(list(ids)))
        for document in session.scalars(query.execution_options(yield_per=BATCH)):
            yield document


def build_index(kb: KnowledgeBase, index_dir: Path, progress: Callable[[int], None] | None = None) -> int:
    """Index every live document into a new generation and swap it in; returns the count."""
    generation = new_generation(index_dir)
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(generation))
    tagger = Tagger.default()
    count = 0
    writer = _writer(ix)
    try:
        for document in _iter_documents(kb):
            if not document.gone:
                writer.add_document(**document_fields(document, tagger))
                count += 1
            if progress:
                progress(1)
        writer.commit(optimize=True)
    except BaseException:
        writer.cancel()
        raise
    switch_to(index_dir, generation)
    return count


def write_documents(path: Path, documents: Iterable[Document], tagger: Tagger | None = None,
                    procs: int = 1, limitmb: int = 256) -> int:
    """Index documents that need not live in a kb (imports, benchmarks, test collections)
    into a new index at ``path``; returns the count. ``procs`` > 1 uses Whoosh's
    multiprocessing writer."""
    from whoosh import index as whoosh_index

    from index.schema import build_schema

    path.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(path), build_schema())
    writer = ix.writer(procs=procs, limitmb=limitmb) if procs > 1 else ix.writer(limitmb=limitmb)
    count = 0
    try:
        for document in documents:
            writer.add_document(**document_fields(document, tagger))
            count += 1
        writer.commit(optimize=True)
    except BaseException:
        writer.cancel()
        raise
    return count


def update_index(kb: KnowledgeBase, index_dir: Path, ids: Iterable[int]) -> int:
    """Re-index the given documents (deleting gone ones) in the serving index."""
    ids = sorted(set(ids))
    if not ids:
        return 0
    ix = open_current(index_dir, create=True)
    tagger = Tagger.default()
    writer = _writer(ix)
    try:
        seen = set()
        for document in _iter_documents(kb, ids):
            seen.add(document.id)
            if document.gone:
                writer.delete_by_term("id", str(document.id))
            else:
                writer.update_document(**document_fields(document, tagger))
        for missing in set(ids) - seen:
            writer.delete_by_term("id", str(missing))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    return len(ids)


def indexed_ids(index_dir: Path) -> set[int]:
    ix = open_current(index_dir)
    with ix.searcher() as searcher:
        return {int(fields["id"]) for fields in searcher.all_stored_fields()}


def check_index(kb: KnowledgeBase, index_dir: Path) -> dict:
    """Documents in the kb but not in the index, and the reverse."""
    with kb.session() as session:
        live = set(session.scalars(select(Document.id).where(Document.gone.is_(False))))
    in_index = indexed_ids(index_dir)
    return {"missing_from_index": sorted(live - in_index), "not_in_kb": sorted(in_index - live),
            "documents": len(live), "indexed": len(in_index)}
