"""The audit trail on the command line: `kb audit` and `kb restore-collection`."""

from __future__ import annotations

import json
import subprocess
import sys


def kb_command(*args, data, input_text=None):
    command = [sys.executable, "-c", "from kb.cli import main; main()", "--data", str(data), *args]
    return subprocess.run(command, capture_output=True, text=True, input=input_text, timeout=120)


def test_kb_audit_shows_changes_and_kb_restore_collection_undoes_a_deletion(tmp_path):
    from kb.collections import create_collection, delete_collection
    from kb.settings import load_settings
    from kb.storage import open_kb

    data = tmp_path / "data"
    knowledge_base = open_kb(load_settings(data, environ={}))
    with knowledge_base.session() as session:
        collection = create_collection(session, {"title": "Workshop", "visibility": "public"}, None, "cora")
        delete_collection(session, collection, actor="cora")
    knowledge_base.close()
    events = json.loads(kb_command("audit", "--entity", "collection", "--json", data=data).stdout)
    assert [e["action"] for e in events] == ["delete", "create"]
    restored = kb_command("restore-collection", str(collection.id), "--by", "ada", data=data)
    assert restored.returncode == 0 and "Workshop" in restored.stdout
    assert kb_command("restore-collection", str(collection.id), data=data).returncode == 2
    assert "--with-worker" in kb_command("serve", "--help", data=data).stdout
