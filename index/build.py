"""Building the index from the knowledge base: full rebuilds and incremental updates.

A full build writes a new generation and swaps it in atomically. Incremental
updates rewrite the given documents in the serving generation with a plain
writer (AsyncWriter/BufferedWriter can lose documents), waiting for the lock.
"""

from __future__ import annotations

import contextlib
import time
from datetime import timedelta
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import select
from whoosh import index as whoosh_index
from whoosh.index import LockError

from index.errors import IndexBusy
from index.location import FINGERPRINT, current_generation, new_generation, open_current, schema_fingerprint, switch_to
from index.records import document_fields
from index.tagging import Tagger
from kb.models import Document, utcnow
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
    """Index every live document into a new generation and swap it in; returns the count.

    Incremental updates may land in the serving generation while the new one is
    built: before the swap, the serving generation's writer lock is taken (so no
    update slips in between) and every document changed since it was written
    into the new generation is written again. Nothing is lost to the swap.
    """
    with _rebuild_lock(index_dir):
        started = utcnow() - timedelta(seconds=2)
        generation = new_generation(index_dir)
        ix = whoosh_index.open_dir(str(generation))
        tagger = Tagger.default()
        count, written = _write_all(ix, kb, tagger, progress)
        serving = current_generation(index_dir)
        guard = _writer(whoosh_index.open_dir(str(serving))) if serving else None
        try:
            _catch_up(ix, kb, tagger, started, written)
            switch_to(index_dir, generation)
        finally:
            if guard is not None:
                guard.cancel()
    return count


def _write_all(ix, kb: KnowledgeBase, tagger, progress) -> tuple[int, dict]:
    """(count indexed, document id -> the ``updated_at`` of the version read)."""
    count, written = 0, {}
    writer = _writer(ix)
    try:
        for document in _iter_documents(kb):
            written[document.id] = document.updated_at
            if not document.gone:
                writer.add_document(**document_fields(document, tagger))
                count += 1
            if progress:
                progress(1)
        writer.commit(optimize=True)
    except BaseException:
        writer.cancel()
        raise
    return count, written


def _catch_up(ix, kb: KnowledgeBase, tagger, since, written: dict) -> None:
    """Rewrite documents changed since they were written and drop entries no longer in the kb.

    Only a document whose ``updated_at`` differs from the version written is rewritten:
    a rewrite leaves the replaced entry in the segment, where it still counts in
    Whoosh's document frequencies and average field lengths, so rewriting every
    document touched in the last seconds (all of a crawl that just ended) made the
    ranking of two builds of the same knowledge base differ (demo judged set: up to
    0.04 nDCG@10 per language).
    """
    with kb.session() as session:
        recent = session.execute(select(Document.id, Document.updated_at).where(Document.updated_at >= since))
        changed = {doc_id for doc_id, updated in recent if written.get(doc_id) != updated}
        live = set(session.scalars(select(Document.id)))
    with ix.searcher() as searcher:
        stale = {int(f["id"]) for f in searcher.all_stored_fields()} - live
    if not changed and not stale:
        return
    writer = _writer(ix)
    try:
        _apply_updates(writer, kb, changed | stale, tagger)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise


def _apply_updates(writer, kb: KnowledgeBase, ids: set[int], tagger) -> None:
    seen = set()
    for document in _iter_documents(kb, sorted(ids)):
        seen.add(document.id)
        if document.gone:
            writer.delete_by_term("id", str(document.id))
        else:
            writer.update_document(**document_fields(document, tagger))
    for missing in ids - seen:
        writer.delete_by_term("id", str(missing))


@contextlib.contextmanager
def _rebuild_lock(index_dir: Path):
    """One rebuild at a time per data folder (a second one waits)."""
    import fcntl

    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".rebuild.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_documents(path: Path, documents: Iterable[Document], tagger: Tagger | None = None,
                    procs: int = 1, limitmb: int = 256) -> int:
    """Index documents that need not live in a kb (imports, benchmarks, test collections)
    into a new index at ``path``; returns the count. ``procs`` > 1 uses Whoosh's
    multiprocessing writer."""
    from index.schema import build_schema

    path.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(path), build_schema())
    (path / FINGERPRINT).write_text(schema_fingerprint(), encoding="utf-8")
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
    """Re-index the given documents (deleting gone ones) in the serving index.

    The generation is checked again once its lock is held: if a rebuild swapped
    in a new one meanwhile, the update goes there instead.
    """
    ids = set(ids)
    if not ids:
        return 0
    tagger = Tagger.default()
    while True:
        ix = open_current(index_dir, create=True)
        writer = _writer(ix)
        if Path(ix.storage.folder) == current_generation(index_dir):
            break
        writer.cancel()
    try:
        _apply_updates(writer, kb, ids, tagger)
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
