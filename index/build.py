"""Building the index from the knowledge base: full rebuilds, and syncs that follow it.

A full build writes a new generation and swaps it in atomically. A sync brings
the serving generation up to date by itself: the generation's watermark
(``index.watermark``) says which documents changed since it last looked, and
the ids the kb no longer holds live are dropped. Writers of the kb only stamp
``Document.updated_at``; none hands ids to the index. Syncs write with a plain
writer (AsyncWriter/BufferedWriter can lose documents), waiting for the lock.

Whoosh is one artifact of a generation; others kept with it (passage vectors)
follow the same ``Changes`` through ``APPLIERS``.

Whoosh only marks a deleted entry, keeping its words and stored fields in the
segment's files until a merge rewrites it ("did you mean" reads live words only,
see ``index.query``). A person's profile holds personal data: when one leaves (an
erasure, a consent withdrawn) the sync rewrites the segments holding any version
of it and drops the older generations kept beside the serving one, so the name is
in no file of the index. Other entries wait for the usual merges: rewriting a
segment costs about as much as indexing its documents again (13.6 s for 2,000).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import select
from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.reading import SegmentReader
from whoosh.writing import MERGE_SMALL

from index.entries import live_entries
from index.errors import IndexBusy
from index.location import (FINGERPRINT, current_generation, drop_older_generations, new_generation, open_current,
                            remove_retired, schema_fingerprint, switch_to)
from index.records import document_fields
from index.tagging import Tagger
from index.vector_sync import apply_vectors, vector_report
from index.watermark import Mark, read_mark, write_mark
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


@dataclass(frozen=True)
class Changes:
    """What a sync brings into a generation: live documents to (re)write, and ids to drop."""

    changed: frozenset[int] = frozenset()
    removed: frozenset[int] = frozenset()
    # removed entries holding personal data (people's profiles): every trace of them, earlier
    # versions included, leaves the generation's files, not only its search results
    private: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed)


# An artifact kept per generation besides Whoosh's segments: called with the generation
# folder, the kb and the Changes, before Whoosh commits them and the mark moves (a rebuild
# calls it with every live id of the new generation). It reads the changed documents
# itself and must take the same Changes twice calmly: after a failure, they come again.
Applier = Callable[[Path, KnowledgeBase, Changes], None]
APPLIERS: tuple[Applier, ...] = (apply_vectors,)


def _iter_documents(kb: KnowledgeBase, ids: Iterable[int] | None = None):
    """Every document, or those of ``ids`` (sorted), in id order."""
    with kb.session() as session:
        if ids is None:
            yield from session.scalars(select(Document).order_by(Document.id).execution_options(yield_per=BATCH))
            return
        ids = list(ids)
        for start in range(0, len(ids), BATCH):  # SQLite bounds the parameters of one statement
            chunk = ids[start:start + BATCH]
            yield from session.scalars(select(Document).where(Document.id.in_(chunk)).order_by(Document.id))
            session.expunge_all()


def build_index(kb: KnowledgeBase, index_dir: Path, progress: Callable[[int], None] | None = None,
                appliers: tuple[Applier, ...] | None = None) -> int:
    """Index every live document into a new generation, swap it in and sync it; returns the count.

    The new generation's mark is the stamps of the versions it read, so the sync after
    the swap writes again only what changed while it was built (and what a sync of the
    old generation wrote meanwhile). A write committed before the swap is therefore
    found, whichever generation its own sync went to.
    """
    appliers = APPLIERS if appliers is None else appliers
    with _rebuild_lock(index_dir):
        generation = new_generation(index_dir)
        ix = whoosh_index.open_dir(str(generation))
        count, stamps, live = _write_all(ix, kb, Tagger.default(), progress)
        for apply in appliers:
            apply(generation, kb, Changes(frozenset(live)))
        write_mark(generation, Mark().advanced(stamps))
        switch_to(index_dir, generation, kb.settings.index_grace)
        sync_index(kb, index_dir, appliers)
    return count


def _write_all(ix, kb: KnowledgeBase, tagger, progress) -> tuple[int, dict, set]:
    """(count indexed, document id -> the ``updated_at`` of the version read, live ids written)."""
    stamps, live = {}, set()
    writer = _writer(ix)
    try:
        for document in _iter_documents(kb):
            stamps[document.id] = document.updated_at
            if not document.gone:
                writer.add_document(**document_fields(document, tagger))
                live.add(document.id)
            if progress:
                progress(1)
        writer.commit(optimize=True)
    except BaseException:
        writer.cancel()
        raise
    return len(live), stamps, live


def sync_index(kb: KnowledgeBase, index_dir: Path, appliers: tuple[Applier, ...] | None = None) -> Changes:
    """Bring the serving generation up to date with the kb; returns what it changed.

    Every document stamped since the generation's mark (``index.watermark``) is written
    again, every live one it lacks is written, and every entry the kb no longer holds
    live (gone, or deleted) is dropped: the set difference ``check_index`` reports.
    The other appliers run before Whoosh commits, and the mark moves last: whatever
    fails or is killed on the way, the next sync finds the same changes and applies
    them to every artifact again. One sync at a time per data folder; the index is
    created when there is none.
    """
    appliers = APPLIERS if appliers is None else appliers
    with _folder_lock(index_dir, ".sync.lock"):
        ix, writer = _serving_writer(index_dir)
        generation = Path(ix.storage.folder)
        try:
            with ix.searcher() as searcher:
                changes, mark = changes_since(kb, searcher, read_mark(generation) or Mark.of_entries(searcher))
                if changes:
                    changes = _write_changes(writer, kb, changes)  # the writer's deletions are not seen here
                    changes = replace(changes, private=private_entries(searcher, changes.removed))
            for apply in appliers:  # also without changes: an artifact may need work of its own (a new model)
                apply(generation, kb, changes)
        except BaseException:
            writer.cancel()
            raise
        if changes:
            writer.commit(mergetype=purging(changes.private) if changes.private else None)
        else:
            writer.cancel()
        write_mark(generation, mark)
    if changes.private:
        drop_older_generations(index_dir)
    else:  # generations web nodes may have stopped reading since the last publication
        remove_retired(index_dir, kb.settings.index_grace)
    return changes


PRIVATE_TYPES = ("expert",)  # entry types holding personal data (kb.people's public profiles)


def private_entries(searcher, removed: Iterable[int]) -> frozenset[int]:
    """Those of the ``removed`` ids whose live entry holds personal data."""
    private = set()
    for doc_id in removed:
        fields = searcher.document(id=str(doc_id))
        if fields is not None and fields.get("type") in PRIVATE_TYPES:
            private.add(doc_id)
    return frozenset(private)


def purging(ids: frozenset[int]):
    """A Whoosh merge policy: its usual merge of small segments, then every segment holding a deleted
    entry of ``ids`` (their last version, or an earlier one) rewritten without its deleted entries."""
    wanted = {str(doc_id) for doc_id in ids}

    def merge(writer, segments) -> list:
        kept = []
        for segment in MERGE_SMALL(writer, segments):
            reader = SegmentReader(writer.storage, writer.schema, segment)
            if any(reader.stored_fields(docnum)["id"] in wanted for docnum in segment.deleted_docs()):
                if segment.doc_count():
                    writer.add_reader(reader)  # copies the live entries only
            else:
                kept.append(segment)
            reader.close()
        return kept

    return merge


def changes_since(kb: KnowledgeBase, searcher, mark: Mark) -> tuple[Changes, Mark]:
    """What the generation ``searcher`` reads lacks, given its ``mark``; and its mark once applied."""
    query = select(Document.id, Document.updated_at, Document.gone)
    if mark.since() is not None:
        query = query.where(Document.updated_at >= mark.since())
    with kb.session() as session:
        rows = session.execute(query).all()
        live = set(session.scalars(select(Document.id).where(Document.gone.is_(False))))
    indexed = entry_ids(searcher)
    changed = {doc_id for doc_id, stamp, gone in rows if not gone and not mark.is_applied(doc_id, stamp)}
    changes = Changes(frozenset(changed | (live - indexed)), frozenset(indexed - live))
    return changes, mark.advanced({doc_id: stamp for doc_id, stamp, _gone in rows})


def _write_changes(writer, kb: KnowledgeBase, changes: Changes) -> Changes:
    """Apply ``changes`` to Whoosh; returns them as applied (a document gone meanwhile was dropped)."""
    for doc_id in changes.removed:
        writer.delete_by_term("id", str(doc_id))
    written = set()
    tagger = Tagger.default()
    for document in _iter_documents(kb, sorted(changes.changed)):
        if document.gone:
            continue
        writer.update_document(**document_fields(document, tagger))
        written.add(document.id)
    for dropped in changes.changed - written:
        writer.delete_by_term("id", str(dropped))
    return Changes(frozenset(written), changes.removed | (changes.changed - written))


def _serving_writer(index_dir: Path):
    """The serving generation and a writer on it, checked again once its lock is held: a
    rebuild may have swapped in a new generation meanwhile."""
    while True:
        ix = open_current(index_dir, create=True)
        writer = _writer(ix)
        if Path(ix.storage.folder) == current_generation(index_dir):
            return ix, writer
        writer.cancel()


def _rebuild_lock(index_dir: Path):
    """One rebuild at a time per data folder (a second one waits)."""
    return _folder_lock(index_dir, ".rebuild.lock")


@contextlib.contextmanager
def _folder_lock(index_dir: Path, name: str):
    import fcntl

    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / name, "a+b") as handle:
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


def indexed_ids(index_dir: Path) -> set[int]:
    ix = open_current(index_dir)
    with ix.searcher() as searcher:
        return entry_ids(searcher)


def entry_ids(searcher) -> set[int]:
    """The document ids of the live entries (``index.entries``, shared with search by meaning)."""
    return set(live_entries(searcher))


def check_index(kb: KnowledgeBase, index_dir: Path) -> dict:
    """Documents in the kb but not in the index, and the reverse; and the passage vectors' state."""
    with kb.session() as session:
        live = set(session.scalars(select(Document.id).where(Document.gone.is_(False))))
    in_index = indexed_ids(index_dir)
    return {"missing_from_index": sorted(live - in_index), "not_in_kb": sorted(in_index - live),
            "documents": len(live), "indexed": len(in_index),
            # documents missing from the index are reported once, above, not again as lacking vectors
            "vectors": vector_report(kb, current_generation(index_dir), live & in_index)}
