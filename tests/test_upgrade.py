"""Upgrading Casebook: an index built with another schema is detected and rebuilt, never a crash."""

from __future__ import annotations

import json
import subprocess
import sys


def kb(data, *args):
    return subprocess.run([sys.executable, "-c", "from kb.cli import main; main()", "--data", str(data), *args],
                          capture_output=True, text=True, timeout=120)


def test_an_index_of_another_schema_asks_for_a_rebuild_and_kb_index_rebuilds_it(tmp_path):
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"url": "https://stad.be/1", "title": "Open data", "text": "Open data in de stad",
                                "lang": "nl"}) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    assert kb(data, "import", str(docs)).returncode == 0
    generation = (data / "index" / (data / "index" / "CURRENT").read_text().strip())
    (generation / "SCHEMA").write_text("an-older-schema", encoding="utf-8")  # as an older version left it
    stale = kb(data, "search", "open", "--json")
    assert stale.returncode == 2 and "kb index --rebuild" in stale.stderr and "Traceback" not in stale.stderr
    assert kb(data, "check").returncode == 1
    assert kb(data, "index").returncode == 0  # sees the old schema and rebuilds
    assert json.loads(kb(data, "search", "open", "--json").stdout)["total"] == 1
    assert kb(data, "check").returncode == 0
