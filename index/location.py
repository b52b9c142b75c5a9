"""Where the index lives, and the atomic swap (publication) of generations.

``CURRENT`` in the index folder (``index/`` in the data folder, or the
``index_dir`` setting: a folder shared by web nodes) names the generation
folder that serves searches. A rebuild writes a new generation beside it and
replaces CURRENT with ``os.replace`` (atomic), so searches keep working during
a rebuild and a killed rebuild leaves the old generation serving. Each search
reads CURRENT again, so every process reading the folder, on any machine,
moves to a new generation at its next search.

Only the indexer (the process holding the rebuild or sync lock) writes here.
A replaced generation is stamped ``RETIRED`` with the time, and removed once
it has been retired for longer than the grace period (``index_grace``) and is
not the previous one: a web node mid-search on it finishes first. Readers
leave no trace (no heartbeat files): they open generations read-only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from index.errors import IndexMissing, IndexOutdated
from index.schema import build_schema

POINTER = "CURRENT"
FINGERPRINT = "SCHEMA"
RETIRED = "RETIRED"  # in a generation CURRENT no longer names: when it stopped serving (time.time())


def schema_fingerprint() -> str:
    """Names, kinds and storage options of the schema's fields: changes when an upgrade changes them."""
    parts = []
    for name, field in sorted(build_schema().items()):
        parts.append(f"{name}:{type(field).__name__}:{type(field.format).__name__}:{field.stored}:"
                     f"{bool(field.vector)}:{field.column_type is not None}:{getattr(field, 'chars', '')}")
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:16]


def is_outdated(generation: Path) -> bool:
    try:
        return (generation / FINGERPRINT).read_text(encoding="utf-8").strip() != schema_fingerprint()
    except FileNotFoundError:
        return True


def current_generation(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = index_dir / name
    return path if name and path.is_dir() else None


def new_generation(index_dir: Path) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[4:]) for p in index_dir.glob("gen-*") if p.name[4:].isdigit()]
    path = index_dir / f"gen-{max(numbers, default=0) + 1:04d}"
    path.mkdir()
    whoosh_index.create_in(str(path), build_schema())
    (path / FINGERPRINT).write_text(schema_fingerprint(), encoding="utf-8")
    return path


def switch_to(index_dir: Path, generation: Path, grace: float = 0.0) -> None:
    """Point CURRENT at ``generation`` atomically (publish it), stamp the one it replaces as retired,
    then remove the generations retired over ``grace`` seconds ago, except the previous one, and the
    ones never published (killed builds: the caller holds the rebuild lock, so none is being built)."""
    previous = current_generation(index_dir)
    tmp = index_dir / f"{POINTER}.tmp"
    tmp.write_text(generation.name, encoding="utf-8")
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / POINTER)
    if previous is not None and previous != generation:
        (previous / RETIRED).write_text(f"{time.time():.3f}", encoding="utf-8")
    remove_retired(index_dir, grace, unpublished=True)


def retired_at(generation: Path) -> float | None:
    """When ``generation`` stopped serving; None while it serves, or if it never did."""
    try:
        return float((generation / RETIRED).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def remove_retired(index_dir: Path, grace: float, unpublished: bool = False, now: float | None = None) -> list[str]:
    """Remove the generations retired more than ``grace`` seconds ago, keeping the serving one and the
    previous one; with ``unpublished`` also those that never served. Returns the names removed."""
    serving = current_generation(index_dir)
    now = time.time() if now is None else now
    retired = {old: retired_at(old) for old in index_dir.glob("gen-*") if old != serving}
    stamped = [old for old, when in retired.items() if when is not None]
    previous = max(stamped, key=lambda old: retired[old], default=None)
    removed = []
    for old, when in retired.items():
        if old == previous or (when is None and not unpublished) or (when is not None and now - when <= grace):
            continue
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old.name)
    return sorted(removed)


def drop_older_generations(index_dir: Path) -> None:
    """Remove the generations older than the serving one (``switch_to`` keeps the previous one for
    readers still on it): after an erasure they hold what the serving one no longer does."""
    serving = current_generation(index_dir)
    if serving is None:
        return
    for old in index_dir.glob("gen-*"):
        if old.name[4:].isdigit() and int(old.name[4:]) < int(serving.name[4:]):
            shutil.rmtree(old, ignore_errors=True)


def open_current(index_dir: Path, create: bool = False, readonly: bool = False):
    """The serving Whoosh index; created empty when asked and missing. ``readonly``: Whoosh refuses
    to create or change any file of it (what every searcher opens: a web node never writes)."""
    generation = current_generation(index_dir)
    if generation is None:
        if not create:
            raise IndexMissing(f"no index in {index_dir} yet (run `kb index`)")
        generation = new_generation(index_dir)
        switch_to(index_dir, generation)
    elif is_outdated(generation):
        raise IndexOutdated(f"the index in {index_dir} was built by another version of Casebook; "
                            "run `kb index --rebuild`")
    # Not Whoosh's default memory map: a segment's compound file is then read through
    # BufferFile, whose BytesIO copies every part it opens (postings, terms, columns) into
    # the process, for every searcher: some 150 MB per server thread at 50,000 documents
    # (1.4 GB private memory for one waitress process of 8 threads). Plain file reads
    # share the operating system's page cache instead.
    return FileStorage(str(generation), supports_mmap=False, readonly=readonly).open_index()
