"""`kb demo` run as a real subprocess: what it leaves in the data folder and what it tells a newcomer."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from kb.accounts import authenticate
from kb.models import Source
from kb.sources.catalogue import load_catalogue


def kb_demo(data):
    command = [sys.executable, "-c", "from kb.cli import main; main()", "--data", str(data), "demo", "--no-serve",
               "--site-port", "0"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_kb_demo_says_how_to_sign_in_imports_the_catalogue_uncrawled_and_adds_nothing_twice_when_run_again(
        tmp_path):
    from kb.settings import load_settings
    from kb.storage import open_kb

    data = tmp_path / "data"
    first = kb_demo(data)
    entries = len(load_catalogue())
    assert f"Starter catalogue: {entries} sources added, 0 unchanged" in first
    assert "Profiles: 28 organisations" in first and "Workshops: 6 events" in first
    user, password = re.search(r"Sign in as the demo curator: user (\S+), password (\S+) ", first).groups()
    second = kb_demo(data)
    assert f"Starter catalogue: 0 sources added, {entries} unchanged" in second and "(0 new)" in second
    assert f"user {user}, password {password} " in second  # the password is kept, not made anew
    knowledge_base = open_kb(load_settings(data, {"embedding_model": "none"}, environ={}))
    try:
        with knowledge_base.session() as session:
            assert authenticate(session, user, password).role == "curator"
            catalogue = session.query(Source).filter(Source.key != "casebook-demo").all()
            assert len(catalogue) == entries
            assert {(s.status, s.last_crawl_at, s.pages_stored) for s in catalogue} == {("queued", None, 0)}
    finally:
        knowledge_base.close()
