"""The audit trail on the command line: `kb audit` and `kb restore-collection`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def kb_command(*args, data, input_text=None, database_url=""):
    command = [sys.executable, "-c", "from kb.cli import main; main()", "--data", str(data), *args]
    env = {**os.environ, "KB_DATABASE_URL": database_url}
    return subprocess.run(command, capture_output=True, text=True, input=input_text, timeout=120, env=env)


@pytest.mark.both_engines
def test_kb_audit_shows_changes_and_kb_restore_collection_undoes_a_deletion(settings):
    from kb.collections import create_collection, delete_collection
    from kb.storage import open_kb

    def kb(*args):  # the commands open the test's database: SQLite in the folder, or KB_DATABASE_URL's
        return kb_command(*args, data=settings.data_dir, database_url=settings.database_url)

    knowledge_base = open_kb(settings)
    with knowledge_base.session() as session:
        collection = create_collection(session, {"title": "Workshop", "visibility": "public"}, None, "cora")
        delete_collection(session, collection, actor="cora")
    knowledge_base.close()
    events = json.loads(kb("audit", "--entity", "collection", "--json").stdout)
    assert [e["action"] for e in events] == ["delete", "create"]
    restored = kb("restore-collection", str(collection.id), "--by", "ada")
    assert restored.returncode == 0 and "Workshop" in restored.stdout
    assert kb("restore-collection", str(collection.id)).returncode == 2
    assert "--with-worker" in kb("serve", "--help").stdout
