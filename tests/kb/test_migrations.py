"""Schema migrations: an old data folder upgrades without losing data; models and migrations agree."""

from __future__ import annotations

import sqlite3

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from kb.models import Base
from kb.settings import load_settings
from kb.storage import MIGRATIONS, head_revision, make_engine, open_kb, settings_engine, stored_revision


def _config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _migrated(folder, revision: str, settings=None):
    """The settings of a new data folder whose database Alembic brought to ``revision``
    (SQLite in the folder, or the database of ``settings``)."""
    settings = settings or load_settings(folder, environ={})
    settings.data_dir.mkdir(exist_ok=True)
    engine = settings_engine(settings)
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)
    engine.dispose()
    return settings


@pytest.mark.both_engines
def test_a_data_folder_of_the_first_schema_upgrades_with_its_data(settings):
    _migrated(None, "0001", settings)
    engine = settings_engine(settings)
    with engine.begin() as db:  # SQL both engines read: JSON as text, false for a boolean
        db.exec_driver_sql(
            "insert into source (name, seeds, hosts, include, exclude, languages, tags, max_depth, max_pages,"
            " recrawl_days, status, pages_stored, created_at) values ('Gent', '[\"https://stad.gent/\"]',"
            " '[]', '[]', '[]', '[]', '[]', 5, 500, 7, 'queued', 0, '2024-01-01 00:00:00')")
        db.exec_driver_sql(
            "insert into document (url, title, text, doc_type, themes, meta, also_at, translations, origin,"
            " gone, created_at, updated_at) values ('https://stad.gent/x', 'Open data', 'Tekst', 'case', '[]',"
            " '{}', '[]', '{}', 'crawl', false, '2024-01-01 00:00:00', '2024-01-01 00:00:00')")
    engine.dispose()
    _migrated(None, "0004", settings)  # a collection made before 0005 gets its share key there
    engine = settings_engine(settings)
    with engine.begin() as db:
        db.exec_driver_sql("insert into collection (title, description, visibility, agenda, created_at, updated_at)"
                           " values ('Mobility', '', 'public', '[]', '2024-01-01 00:00:00', '2024-01-01 00:00:00')")
    engine.dispose()
    kb = open_kb(settings)
    with kb.session() as session:
        assert session.execute(Base.metadata.tables["source"].select()).one().name == "Gent"
        assert session.execute(Base.metadata.tables["document"].select()).one().title == "Open data"
        assert len(session.execute(Base.metadata.tables["collection"].select()).one().share_key) == 32
    assert stored_revision(kb.engine) == head_revision()
    kb.close()


@pytest.mark.both_engines
def test_alembic_upgrades_an_empty_database_to_exactly_the_schema_the_models_describe(settings):
    _migrated(None, "head", settings)
    engine = settings_engine(settings)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert stored_revision(engine) == head_revision()
    engine.dispose()
    assert differences == []


@pytest.mark.both_engines
def test_the_schema_a_new_knowledge_base_gets_is_exactly_the_one_the_models_describe(kb):
    with kb.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_the_head_read_from_the_files_is_alembics_head():
    from alembic.script import ScriptDirectory

    from kb.storage import head_revision

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_opening_a_current_knowledge_base_does_not_load_alembic(tmp_path):
    import subprocess
    import sys

    open_kb(load_settings(tmp_path / "data")).close()  # created and migrated here
    code = ("import sys; from kb.settings import load_settings; from kb.storage import open_kb; "
            f"open_kb(load_settings({str(tmp_path / 'data')!r})).close(); print('alembic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"


def _structure(db_path) -> dict:
    """Every table's columns (by name), indexes and foreign keys as SQLite itself reports them."""
    with sqlite3.connect(db_path) as db:
        tables = [name for (name,) in db.execute(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")]
        found = {}
        for table in tables:
            indexes = {}
            for _seq, name, unique, origin, partial in db.execute(f"pragma index_list('{table}')"):
                columns = [row[2] for row in db.execute(f"pragma index_info('{name}')")]
                indexes[name if origin == "c" else (origin, tuple(columns))] = (unique, origin, partial, columns)
            found[table] = {
                # by name: a column a migration added comes last, a new table has it in model order
                "columns": sorted(row[1:] for row in db.execute(f"pragma table_xinfo('{table}')")),
                "indexes": indexes,
                "foreign_keys": sorted(row[2:] for row in db.execute(f"pragma foreign_key_list('{table}')")),
            }
        found["alembic_version"]["rows"] = db.execute("select * from alembic_version").fetchall()
    return found


def test_a_new_data_folder_gets_the_schema_the_migrations_build_without_alembic(tmp_path):
    import subprocess
    import sys

    migrated = _migrated(tmp_path / "migrated", "head")
    created = tmp_path / "created"
    code = ("import sys; from kb.settings import load_settings; from kb.storage import open_kb; "
            f"open_kb(load_settings({str(created)!r}, environ={{}})).close(); print('alembic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"
    built, expected = _structure(created / "kb.sqlite3"), _structure(migrated.db_path)
    assert set(built) == set(expected)
    for table in expected:
        assert built[table] == expected[table], table


def test_a_database_with_tables_but_no_version_is_left_to_the_migrations(tmp_path):
    from kb.storage import create_new_schema

    settings = load_settings(tmp_path / "data", environ={})
    settings.data_dir.mkdir()
    with sqlite3.connect(settings.db_path) as db:
        db.execute("create table notes (id integer primary key)")
    engine = make_engine(settings.db_path)
    assert create_new_schema(engine) is False
    with engine.connect() as connection:
        names = {row[0] for row in connection.exec_driver_sql("select name from sqlite_master where type='table'")}
    engine.dispose()
    assert names == {"notes"}


def test_a_schema_creation_that_fails_halfway_leaves_no_table_behind(tmp_path, monkeypatch):
    from kb.storage import create_new_schema

    settings = load_settings(tmp_path / "data", environ={})
    settings.data_dir.mkdir()
    engine = make_engine(settings.db_path)
    original = Base.metadata.create_all

    def some_then_fail(bind, **kwargs):
        original(bind, tables=[Base.metadata.tables["source"], Base.metadata.tables["document"]])
        raise RuntimeError("killed halfway")

    monkeypatch.setattr(Base.metadata, "create_all", some_then_fail)
    try:
        create_new_schema(engine)
    except RuntimeError:
        pass
    with engine.connect() as connection:
        tables = connection.exec_driver_sql("select count(*) from sqlite_master where type = 'table'").scalar()
    engine.dispose()
    assert tables == 0
    monkeypatch.undo()
    kb = open_kb(settings)
    with kb.session() as session:
        assert session.execute(Base.metadata.tables["source"].select()).all() == []
    kb.close()
