import sqlite3

from kb.settings import load_settings
from kb.storage import open_kb


def test_opening_a_data_folder_creates_and_migrates_the_database(tmp_path):
    settings = load_settings(tmp_path / "data", environ={})
    open_kb(settings).close()
    with sqlite3.connect(settings.db_path) as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master where type='table'")}
        version = connection.execute("select version_num from alembic_version").fetchone()[0]
    assert {"document", "source", "crawl_url", "crawl_job", "audit_event"} <= tables
    assert version


def test_reopening_keeps_the_data(tmp_path):
    from kb.models import Source

    settings = load_settings(tmp_path / "data", environ={})
    kb = open_kb(settings)
    with kb.session() as session:
        session.add(Source(name="Gent", seeds=["https://stad.gent/"]))
    kb.close()
    kb = open_kb(settings)
    with kb.session() as session:
        assert session.query(Source).one().name == "Gent"
    kb.close()


def test_settings_layers_toml_then_environment_then_flags(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "kb.toml").write_text("crawl_delay = 2.5\nmax_pages = 10\n", encoding="utf-8")
    settings = load_settings(folder, {"max_pages": 3}, environ={"KB_CRAWL_DELAY": "4"})
    assert settings.crawl_delay == 4.0 and settings.max_pages == 3
