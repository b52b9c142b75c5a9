"""Opening the knowledge base: the data folder, the database engine, migrations.

``open_kb`` creates the folder when needed (0700, its files 0600: participants'
personal data live here), upgrades the schema to the latest Alembic revision
(so an old data folder is migrated, never rebuilt) and hands back a
``KnowledgeBase`` with a session factory. The database is SQLite in the data
folder unless the ``database_url`` setting names a PostgreSQL server; the
schema, the migrations and every query are the same on both.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kb.errors import StorageError
from kb.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(db_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{db_path}", connect_args={"timeout": 30, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_server_engine(url: str) -> Engine:
    """PostgreSQL through psycopg 3. ``pool_pre_ping``: a server restarted under a long-running
    `kb serve` or `kb worker` costs one reconnect, not one failed request per pooled connection."""
    try:
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=20)
    except (ImportError, SQLAlchemyError) as exc:
        raise StorageError(f"cannot use database_url: {exc}") from None


def settings_engine(settings: Settings) -> Engine:
    """The engine of the settings' database, without creating or migrating anything."""
    return make_server_engine(settings.database_url) if settings.on_postgresql else make_engine(settings.db_path)


def on_postgresql(engine_or_connection: Engine | Connection) -> bool:
    return engine_or_connection.dialect.name == "postgresql"


def make_readonly_engine(db_path: Path) -> Engine:
    """For a data folder on read-only media: SQLite's immutable mode needs no lock or -shm file."""
    uri = f"file:{quote(str(db_path.resolve()))}?immutable=1"
    return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False))


def is_writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK) and not _readonly_mount(folder)


def _readonly_mount(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


@functools.lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration's revision, read from the migration files themselves: opening a
    current knowledge base then needs no Alembic (12 MB and ~0.1 s of every command's start)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", source, re.M)
        parent = re.search(r"^down_revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", source, re.M)
        if revision:
            revisions.add(revision.group(1))
        if parent:
            parents.add(parent.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None  # none or several: let Alembic decide


def stored_revision(engine: Engine) -> str | None:
    """The revision recorded in the database (None: a new or unversioned database)."""
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
    except (OperationalError, ProgrammingError):  # SQLite: no such table; PostgreSQL: undefined table
        return None
    return rows[0][0] if len(rows) == 1 else None


def schema_is_current(engine: Engine) -> bool:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = head_revision()
    if head is not None:
        return stored_revision(engine) == head
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current == ScriptDirectory.from_config(config).get_current_head()


def upgrade_schema(engine: Engine, lock_path: Path | None = None) -> None:
    """Bring the database to the newest migration; a no-op when it is there.

    Two processes opening a new data folder at once would both create the tables:
    an exclusive file lock makes the second wait and then find the schema current.
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _file_lock(lock_path), engine.begin() as connection:
        _server_lock(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


# PostgreSQL: machines sharing one server share no file to lock; a transaction-scoped advisory lock
# (released at commit or rollback) makes a second process wait for the first's schema, as the file lock does.
_SCHEMA_LOCK = 20_260_001


def _server_lock(connection: Connection) -> None:
    if on_postgresql(connection):
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})


def create_new_schema(engine: Engine, lock_path: Path | None = None) -> bool:
    """Create the newest schema in an empty database straight from the models; False when it is not empty.

    The schema the migrations build and the one the models describe are the same (a test compares
    them table by table, column by column, index by index), so a new data folder is created without
    Alembic: 14 MB less in a first `kb crawl` and a quicker first command. Under the same lock as
    ``upgrade_schema``, so two processes creating one folder at once make the tables once.
    """
    head = head_revision()
    if head is None:
        return False
    from kb.models import Base

    with _file_lock(lock_path), engine.begin() as connection:
        _server_lock(connection)
        if inspect(connection).get_table_names():
            return False
        if not on_postgresql(connection):
            # pysqlite runs DDL outside any transaction: begun by hand, a kill halfway leaves no half schema
            # (PostgreSQL's DDL is transactional as it is)
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        Base.metadata.create_all(connection)
        connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                                   "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head})
    return True


@contextlib.contextmanager
def _file_lock(path: Path | None):
    if path is None:
        yield
        return
    import fcntl

    private_file(path)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def private_file(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only (0600), unless it exists."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StorageError(f"cannot create {path}: {exc.strerror}") from None


def describe_operational_error(exc: OperationalError, folder: Path) -> str:
    """A user-facing sentence for the database's operational errors; nothing was changed in any case."""
    message = str(exc.orig).lower()
    if "readonly" in message or "read-only" in message:
        return f"the data folder {folder} is read-only; nothing was changed"
    if "full" in message:
        return f"the disk holding {folder} is full; nothing was changed, the previous data are intact"
    if "locked" in message or "busy" in message or "deadlock" in message:
        return "the knowledge base is busy with another writer; nothing was changed, please retry"
    if "connection" in message or "server" in message:
        return f"the database server cannot be reached ({exc.orig}); nothing was changed"
    return f"the knowledge base could not complete the change ({exc.orig}); nothing was changed"


@dataclass
class KnowledgeBase:
    """An open data folder: settings, engine and a factory of sessions."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    readonly: bool = False

    @contextlib.contextmanager
    def session(self):
        """A session that commits when the block ends and rolls back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise StorageError(describe_operational_error(exc, self.settings.data_dir)) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


def open_kb(settings: Settings, create: bool = True) -> KnowledgeBase:
    """Open (and if needed create and migrate) the knowledge base of a data folder."""
    folder = settings.data_dir
    if not folder.exists():
        if not create:
            raise StorageError(f"no knowledge base at {folder} (run `kb crawl` or `kb import` first)")
        try:  # another process may create it at the same moment; only its owner may enter
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StorageError(f"cannot create data folder {folder}: {exc.strerror}") from None
    if settings.on_postgresql:
        engine = make_server_engine(settings.database_url)
        where = _server_name(engine)
    elif settings.db_path.is_file() and not is_writable(folder):
        return _open_readonly(settings)
    else:
        private_file(settings.db_path)  # SQLite gives its -wal and -shm files the database's mode
        engine, where = make_engine(settings.db_path), settings.db_path
    try:
        if head_revision() is None or stored_revision(engine) != head_revision():
            if not create_new_schema(engine, folder / ".migrate.lock"):
                upgrade_schema(engine, folder / ".migrate.lock")
    except OperationalError as exc:
        engine.dispose()
        raise StorageError(f"cannot open {where}: {exc.orig}") from None
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StorageError(f"cannot migrate {where}: {exc}") from None
    return KnowledgeBase(settings, engine, sessionmaker(engine, expire_on_commit=False))


def _server_name(engine: Engine) -> str:
    """The database named without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)


def _open_readonly(settings: Settings) -> KnowledgeBase:
    """Searches keep working from a read-only data folder; any write fails with a clear error."""
    engine = make_readonly_engine(settings.db_path)
    try:
        current = schema_is_current(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StorageError(f"cannot read {settings.db_path}: {exc}") from None
    if not current:
        engine.dispose()
        raise StorageError(f"{settings.data_dir} is read-only and its database needs an upgrade; "
                           "open it once where it is writable")
    return KnowledgeBase(settings, engine, sessionmaker(engine, expire_on_commit=False), readonly=True)
