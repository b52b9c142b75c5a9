"""Where the index lives in the data folder, and the atomic swap of generations.

``index/CURRENT`` names the generation folder that serves searches. A rebuild
writes a new generation beside it and replaces CURRENT with ``os.replace``
(atomic), so searches keep working during a rebuild and a killed rebuild
leaves the old generation serving.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from index.errors import IndexMissing, IndexOutdated
from index.schema import build_schema

POINTER = "CURRENT"
FINGERPRINT = "SCHEMA"


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


def switch_to(index_dir: Path, generation: Path) -> None:
    """Point CURRENT at ``generation`` atomically, then drop generations older than the previous one."""
    previous = current_generation(index_dir)
    tmp = index_dir / f"{POINTER}.tmp"
    tmp.write_text(generation.name, encoding="utf-8")
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / POINTER)
    keep = {generation.name, previous.name if previous else ""}
    for old in index_dir.glob("gen-*"):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def drop_older_generations(index_dir: Path) -> None:
    """Remove the generations older than the serving one (``switch_to`` keeps the previous one for
    readers still on it): after an erasure they hold what the serving one no longer does."""
    serving = current_generation(index_dir)
    if serving is None:
        return
    for old in index_dir.glob("gen-*"):
        if old.name[4:].isdigit() and int(old.name[4:]) < int(serving.name[4:]):
            shutil.rmtree(old, ignore_errors=True)


def open_current(index_dir: Path, create: bool = False):
    """The serving Whoosh index; created empty when asked and missing."""
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
    return FileStorage(str(generation), supports_mmap=False).open_index()
