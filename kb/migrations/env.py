"""Alembic environment: runs migrations on the connection that storage hands in."""

from alembic import context
from sqlalchemy import create_engine

from kb.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` command line, for writing new revisions
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///kb-data/kb.sqlite3")
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _include_name(name, type_, _parent_names) -> bool:
    # webui.throttle's attempt counts on PostgreSQL: made by the web UI when needed, never migrated
    return not (type_ == "table" and name == "throttle_attempt")


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      include_name=_include_name)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
