"""`kb check`, `kb backup` and `kb restore` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def kb(data, *args, database_url=""):
    command = [sys.executable, "-c", "from kb.cli import main; main()", "--data", str(data), *args]
    env = {**os.environ, "KB_DATABASE_URL": database_url}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def seed(tmp_path, database_url=""):
    docs = tmp_path / "docs.jsonl"
    docs.write_text("\n".join(json.dumps({"url": f"https://stad.be/{i}", "title": f"Open data {i}", "lang": "nl",
                                          "text": f"De stad publiceert open data over luchtkwaliteit, set {i}."})
                              for i in range(5)), encoding="utf-8")
    data = tmp_path / "data"
    assert kb(data, "import", str(docs), database_url=database_url).returncode == 0
    return data


def test_check_passes_on_a_sound_folder_and_fails_when_the_index_lags(tmp_path):
    data = seed(tmp_path)
    assert kb(data, "check").returncode == 0
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"url": "https://stad.be/x", "title": "Extra", "text": "Nieuw"}), encoding="utf-8")
    assert kb(data, "import", "--no-index", str(extra)).returncode == 0
    result = kb(data, "check", "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["index"] == ["1 documents missing from the index"]


@pytest.mark.both_engines
def test_a_restored_backup_answers_searches_like_the_original(tmp_path, request, database_url):
    """On PostgreSQL: pg_dump into the backup, pg_restore into another database of the same server."""
    data = seed(tmp_path, database_url)
    backed_up = kb(data, "backup", str(tmp_path / "bak"), database_url=database_url)
    assert backed_up.returncode == 0, backed_up.stderr
    assert (tmp_path / "bak" / ("kb.pgdump" if database_url else "kb.sqlite3")).is_file()
    restored, restored_url = tmp_path / "restored", ""
    if database_url:
        restored_url = request.getfixturevalue("postgres_cluster").create_database()
        assert "set database_url" in kb(restored, "restore", str(tmp_path / "bak")).stderr  # needs a database
    done = kb(restored, "restore", str(tmp_path / "bak"), database_url=restored_url)
    assert done.returncode == 0, done.stderr
    original = json.loads(kb(data, "search", "luchtkwaliteit", "--json", database_url=database_url).stdout)
    copy = json.loads(kb(restored, "search", "luchtkwaliteit", "--json", database_url=restored_url).stdout)
    assert copy["total"] == original["total"] == 5
    assert [h["url"] for h in copy["hits"]] == [h["url"] for h in original["hits"]]
    if restored_url:  # kb check then runs amcheck over every B-tree index
        from sqlalchemy import create_engine, text

        engine = create_engine(restored_url)
        with engine.begin() as connection:
            connection.execute(text("CREATE EXTENSION amcheck"))
        engine.dispose()
    checked = kb(restored, "check", "--json", database_url=restored_url)
    assert checked.returncode == 0, checked.stdout
    if database_url:  # the restored database is the original's, row for row; a second restore needs --force
        assert kb(restored, "restore", str(tmp_path / "bak"), database_url=restored_url).returncode == 2
        forced = kb(restored, "restore", str(tmp_path / "bak"), "--force", database_url=restored_url)
        assert forced.returncode == 0, forced.stderr
        assert json.loads(kb(restored, "search", "luchtkwaliteit", "--json",
                             database_url=restored_url).stdout)["total"] == 5


def test_restore_refuses_to_overwrite_a_knowledge_base_without_force(tmp_path):
    data = seed(tmp_path)
    assert kb(data, "backup", str(tmp_path / "bak")).returncode == 0
    result = kb(data, "restore", str(tmp_path / "bak"))
    assert result.returncode == 2 and "--force" in result.stderr
