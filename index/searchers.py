"""Warm searchers: the serving index opened once per process, a searcher per thread.

Opening an index and loading what the first facet count needs costs far more
than a search, so ``searcher_for`` keeps each thread's searcher open between
requests (Whoosh searchers are not meant to be shared by threads) and only
refreshes it when a commit or an atomic swap changed the serving index. The
facet value -> documents sets (``index.facets.FacetSets``) depend only on the
index version, so they are built once per version and shared by all threads.

This is the one piece of process-wide state in the index package: a cache,
never a source of truth, keyed by the index folder and version.
"""

from __future__ import annotations

import threading
import weakref
from pathlib import Path

from whoosh.reading import MultiReader, SegmentReader
from whoosh.searching import Searcher

from index.location import current_generation, open_current
from index.whoosh_internals import index_of, latest_toc

_LOCAL = threading.local()
_SHARED_LOCK = threading.Lock()
_SHARED: dict[tuple, object] = {}
_BUILDING: dict[tuple, threading.Lock] = {}
KEPT_VALUES = 12  # a few values per version (facet sets, term documents, corrections), a few versions
KEPT_FOLDERS = 8


def _version(searcher) -> tuple:
    """The index folder and TOC generation a searcher reads: what a shared value depends on."""
    index = index_of(searcher)
    return getattr(index.storage, "folder", id(index)), searcher.reader().generation()


class _Held(dict):
    """A thread's searchers by index folder: (generation, searcher)."""


def _close_open(searchers: list) -> None:
    for searcher in searchers:
        if not searcher.is_closed:
            searcher.close()
    searchers.clear()


def _held() -> _Held:
    """This thread's searchers. They hold open files (the index is not memory-mapped, see
    index.location): when the thread ends, or the process exits, they are closed."""
    held = _LOCAL.__dict__.get("searchers")
    if held is None:
        held = _LOCAL.searchers = _Held()
        held.opened = []
        weakref.finalize(held, _close_open, held.opened)
    return held


def searcher_for(index_dir: Path):
    """This thread's open searcher of the serving index, refreshed if the index changed."""
    key = str(Path(index_dir).resolve())
    generation = current_generation(Path(index_dir))
    searchers = _held()
    held = searchers.get(key)
    if held is not None:
        held_generation, searcher = held
        if held_generation == generation:
            if searcher.up_to_date():
                return searcher
            fresh = reopened(searcher)  # a commit in the same generation: reopen changed segments only
            searchers[key] = (generation, fresh)
            searchers.opened[:] = [s for s in searchers.opened if s is not searcher] + [fresh]
            return fresh
        searcher.close()
    searcher = open_current(Path(index_dir), readonly=True).searcher()
    searchers[key] = (current_generation(Path(index_dir)), searcher)
    searchers.opened[:] = [s for s in searchers.opened if not s.is_closed] + [searcher]
    while len(searchers) > KEPT_FOLDERS:  # a process serving one data folder never gets here; tests do
        _, (_, oldest) = next(iter(searchers.items()))
        oldest.close()
        searchers.pop(next(iter(searchers)))
    return searcher


def reopened(searcher):
    """A searcher of the index's latest version that reuses the segment readers of ``searcher``
    whose segment is unchanged (same segment, same number of deletions: deletions only grow).

    Not Whoosh's ``Searcher.refresh``: Whoosh-Reloaded 2.7.5 adds the old reader's
    segments to the new one, so after a merge the merged-away segments stayed in:
    every refresh made documents count twice (a test index of 301 documents
    counted 1,002 after 30 refreshes) and the serving process grew to gigabytes."""
    index = index_of(searcher)
    toc = latest_toc(index)
    if not toc.segments:  # every entry deleted and purged (index.build): nothing to reuse
        searcher.close()
        return index.searcher()
    held = {leaf.segment().segment_id(): leaf for leaf, _ in searcher.reader().leaf_readers()
            if leaf.segment() is not None}
    readers = []
    for segment in toc.segments:
        leaf = held.pop(segment.segment_id(), None)
        if leaf is None or leaf.segment().deleted_count() != segment.deleted_count() or len(toc.segments) == 1:
            if leaf is not None:
                leaf.close()  # its deletions changed: replaced, and the old searcher is not used again
            leaf = SegmentReader(index.storage, toc.schema, segment, generation=toc.generation)
        readers.append(leaf)
    for leaf in held.values():  # segments merged away; the old searcher is not used again
        leaf.close()
    reader = readers[0] if len(readers) == 1 else MultiReader(readers, generation=toc.generation)
    return Searcher(reader, fromindex=index, weighting=searcher.weighting)


def shared(searcher, name: str, build):
    """A value derived from one version of the index, built once and shared by threads.

    One thread builds it while the others asking for the same value wait: after a
    commit every thread of a busy server would otherwise build it at once."""
    key = (name, _version(searcher))
    with _SHARED_LOCK:
        value = _SHARED.get(key)
        if value is not None:
            return value
        building = _BUILDING.setdefault(key, threading.Lock())
    with building:
        with _SHARED_LOCK:
            value = _SHARED.get(key)
        if value is None:
            value = build(searcher)
            with _SHARED_LOCK:
                _SHARED[key] = value
                _BUILDING.pop(key, None)
                while len(_SHARED) > KEPT_VALUES:
                    _SHARED.pop(next(iter(_SHARED)))
    return value
