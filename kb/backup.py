"""Backup and restore of a whole data folder.

The database is copied with SQLite's online backup API (consistent while the
kb is in use); the index generation that serves searches is copied while its
writer lock is held, so no commit lands half-way through the copy.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from kb.errors import InputError, StorageError

CONFIG_FILES = ("kb.toml", "secret_key")


def backup_database(db_path: Path, target: Path) -> None:
    if not db_path.is_file():
        raise StorageError(f"no database at {db_path}")
    with closing(sqlite3.connect(db_path)) as source, closing(sqlite3.connect(target)) as dest:
        source.backup(dest)


def integrity_problems(db_path: Path) -> list[str]:
    """What SQLite's integrity check reports; empty when the database is sound."""
    try:
        with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as connection:
            rows = [r[0] for r in connection.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        return [f"cannot read {db_path.name}: {exc}"]
    return [] if rows == ["ok"] else rows


def copy_config(source_dir: Path, target_dir: Path) -> None:
    for name in CONFIG_FILES:
        if (source_dir / name).is_file():
            shutil.copy2(source_dir / name, target_dir / name)


def prepare_target(target: Path, force: bool) -> None:
    """An empty folder to write into; refuses to overwrite a knowledge base unless forced."""
    if target.exists() and any(target.iterdir()):
        if not force:
            raise InputError(f"{target} is not empty (use --force to replace its contents)")
        shutil.rmtree(target)
    target.mkdir(parents=True, exist_ok=True)
