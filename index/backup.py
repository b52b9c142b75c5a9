"""Copying the serving index generation, holding the writer lock so no commit interleaves."""

from __future__ import annotations

import shutil
from pathlib import Path

from index.location import POINTER, current_generation, open_current


def copy_index(index_dir: Path, target: Path) -> bool:
    """Copy the serving generation and its pointer into ``target``; False when there is no index."""
    generation = current_generation(index_dir)
    if generation is None:
        return False
    from index.build import _writer

    ix = open_current(index_dir)
    writer = _writer(ix)
    try:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(generation, target / generation.name, ignore=shutil.ignore_patterns("*.lock", "*_LOCK"))
        (target / POINTER).write_text(generation.name, encoding="utf-8")
    finally:
        writer.cancel()
    return True
