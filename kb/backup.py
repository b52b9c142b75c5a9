"""Backup and restore of a whole data folder.

The database is copied with SQLite's online backup API (consistent while the
kb is in use), or on PostgreSQL dumped by ``pg_dump`` (one consistent snapshot,
custom format) and read back by ``pg_restore`` in one transaction; the index
generation that serves searches is copied while its writer lock is held, so no
commit lands half-way through the copy.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from kb.errors import InputError, StorageError

CONFIG_FILES = ("kb.toml", "secret_key")
DUMP_NAME = "kb.pgdump"  # a PostgreSQL knowledge base's database in a backup folder (kb.sqlite3 for SQLite)


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


def server_tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else Debian's newest (it must not be older than the server)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[-3]))
    path = found[-1] if found else shutil.which(name)
    if path is None:
        raise StorageError(f"{name} not found: install PostgreSQL's client programs (apt-get install postgresql)")
    return path


def _libpq(database_url: str) -> tuple[str, dict]:
    """The connection string of a database_url for PostgreSQL's programs, and their environment (the
    password goes in PGPASSWORD, never on a command line others can read)."""
    from psycopg.conninfo import make_conninfo
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    query = {key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()}
    parts = {"dbname": url.database, "user": url.username, "host": url.host or query.get("host"),
             "port": url.port or query.get("port")}
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = url.password
    return make_conninfo(**{key: str(value) for key, value in parts.items() if value}), environment


def _run_tool(command: list[str], environment: dict) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=24 * 3600)
    except OSError as exc:
        raise StorageError(f"cannot run {command[0]}: {exc}") from None
    if done.returncode != 0:
        raise StorageError(f"{Path(command[0]).name} failed: {(done.stderr or done.stdout).strip()[:2000]}")


def dump_database(database_url: str, target: Path) -> None:
    """The whole database in pg_dump's custom format (one snapshot: consistent while the kb is in use)."""
    conninfo, environment = _libpq(database_url)
    _run_tool([server_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target),
               "--dbname", conninfo], environment)


def restore_database(database_url: str, dump: Path) -> None:
    """Read a dump into the database, replacing what the dump holds, all or nothing (one transaction)."""
    conninfo, environment = _libpq(database_url)
    _run_tool([server_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
               "--single-transaction", "--exit-on-error", "--dbname", conninfo, str(dump)], environment)


def server_problems(engine) -> list[str]:
    """PostgreSQL's counterpart of the integrity check: the server answers, and every B-tree index of the
    kb checks out with amcheck where that extension is installed (a superuser's `CREATE EXTENSION amcheck`);
    the data files themselves are the server's to keep sound."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as connection:
            if not connection.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'amcheck'")):
                return []
            indexes = connection.execute(text(
                "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE a.amname = 'btree' AND n.nspname = current_schema()")).all()
            problems = []
            for oid, name in indexes:
                try:
                    with connection.begin_nested():
                        connection.execute(text("SELECT bt_index_check(:oid)"), {"oid": oid})
                except SQLAlchemyError as exc:
                    problems.append(f"index {name}: {getattr(exc, 'orig', exc)}")
            return problems
    except SQLAlchemyError as exc:
        return [f"cannot check the database: {getattr(exc, 'orig', exc)}"]


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
