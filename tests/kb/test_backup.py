"""`kb check`, `kb backup` and `kb restore` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys


def kb(data, *args):
    command = [sys.executable, "-c", "from kb.cli import main; main()", "--data", str(data), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def seed(tmp_path):
    docs = tmp_path / "docs.jsonl"
    docs.write_text("\n".join(json.dumps({"url": f"https://stad.be/{i}", "title": f"Open data {i}", "lang": "nl",
                                          "text": f"De stad publiceert open data over luchtkwaliteit, set {i}."})
                              for i in range(5)), encoding="utf-8")
    data = tmp_path / "data"
    assert kb(data, "import", str(docs)).returncode == 0
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


def test_a_restored_backup_answers_searches_like_the_original(tmp_path):
    data = seed(tmp_path)
    assert kb(data, "backup", str(tmp_path / "bak")).returncode == 0
    restored = tmp_path / "restored"
    assert kb(restored, "restore", str(tmp_path / "bak")).returncode == 0
    original = json.loads(kb(data, "search", "luchtkwaliteit", "--json").stdout)
    copy = json.loads(kb(restored, "search", "luchtkwaliteit", "--json").stdout)
    assert copy["total"] == original["total"] == 5
    assert [h["url"] for h in copy["hits"]] == [h["url"] for h in original["hits"]]
    assert kb(restored, "check").returncode == 0


def test_restore_refuses_to_overwrite_a_knowledge_base_without_force(tmp_path):
    data = seed(tmp_path)
    assert kb(data, "backup", str(tmp_path / "bak")).returncode == 0
    result = kb(data, "restore", str(tmp_path / "bak"))
    assert result.returncode == 2 and "--force" in result.stderr
