"""Opening the knowledge base: the data folder, the SQLite engine, migrations.

``open_kb`` creates the folder when needed, upgrades the schema to the latest
Alembic revision (so an old data folder is migrated, never rebuilt) and hands
back a ``KnowledgeBase`` with a session factory.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
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


def upgrade_schema(engine: Engine) -> None:
    """Bring the database to the newest migration; a no-op when it is there."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@dataclass
class KnowledgeBase:
    """An open data folder: settings, engine and a factory of sessions."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    @contextlib.contextmanager
    def session(self):
        """A session that commits when the block ends and rolls back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
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
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise StorageError(f"cannot create data folder {folder}: {exc.strerror}") from None
    engine = make_engine(settings.db_path)
    try:
        upgrade_schema(engine)
    except OperationalError as exc:
        engine.dispose()
        raise StorageError(f"cannot open {settings.db_path}: {exc.orig}") from None
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StorageError(f"cannot migrate {settings.db_path}: {exc}") from None
    return KnowledgeBase(settings, engine, sessionmaker(engine, expire_on_commit=False))
