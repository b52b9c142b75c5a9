"""Sign-in and sign-up attempt counts are shared by every serving process of a data folder."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from webui.throttle import FILE_NAME, SharedThrottle


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def test_a_second_process_sees_the_failures_the_first_recorded(tmp_path):
    code = ("import sys; from webui.throttle import SharedThrottle; "
            "t = SharedThrottle(sys.argv[1], 'login', limit=3, window=60); t.failed('ip:1', 'name:ann'); "
            "t.failed('ip:1'); t.failed('ip:1')")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / FILE_NAME)], check=True, timeout=60,
                   cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    here = SharedThrottle(tmp_path / FILE_NAME, "login", limit=3, window=60)
    assert 0 < here.retry_after("ip:1") <= 61
    assert here.retry_after("name:ann") == 0  # one failure of three


def test_the_wait_ends_with_the_window_and_a_success_forgets(tmp_path):
    clock = Clock()
    first = SharedThrottle(tmp_path / FILE_NAME, "login", limit=2, window=100, clock=clock)
    second = SharedThrottle(tmp_path / FILE_NAME, "login", limit=2, window=100, clock=clock)
    first.failed("ip:1")
    clock.now += 10
    second.failed("ip:1")
    assert first.retry_after("ip:1") == 91  # until the older of the two leaves the window
    clock.now += 91
    assert second.retry_after("ip:1") == 0
    first.failed("ip:1")
    first.failed("ip:1")
    assert second.retry_after("ip:1") > 0
    second.succeeded("ip:1")
    assert first.retry_after("ip:1") == 0


def test_scopes_do_not_mix(tmp_path):
    login = SharedThrottle(tmp_path / FILE_NAME, "login", limit=1, window=100)
    signup = SharedThrottle(tmp_path / FILE_NAME, "signup", limit=1, window=100)
    login.failed("ip:1")
    assert login.retry_after("ip:1") > 0 and signup.retry_after("ip:1") == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_unwritable_folder_keeps_the_counts_in_memory(tmp_path, caplog):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        throttle = SharedThrottle(folder / FILE_NAME, "login", limit=1, window=100)
        throttle.failed("ip:1")
        assert throttle.retry_after("ip:1") > 0
        assert "in memory only" in caplog.text
    finally:
        folder.chmod(0o700)


def test_a_broken_file_keeps_the_counts_in_memory(tmp_path, caplog):
    path = tmp_path / FILE_NAME
    path.write_bytes(b"this is not a database" * 100)
    throttle = SharedThrottle(path, "login", limit=2, window=100)
    throttle.failed("ip:1")
    throttle.failed("ip:1")
    assert throttle.retry_after("ip:1") > 0
    throttle.succeeded("ip:1")
    assert throttle.retry_after("ip:1") == 0
    assert "in memory only" in caplog.text


@pytest.mark.both_engines
def test_two_nodes_of_one_knowledge_base_share_the_counts_and_never_let_more_through_than_the_limit(settings):
    """On PostgreSQL the counts live in the database (several machines, no shared file); on SQLite in the file."""
    import threading

    from webui.throttle import ServerThrottle, shared_throttle

    settings.data_dir.mkdir()
    nodes = [shared_throttle(settings, "signup", limit=5, window=600.0) for _ in range(2)]
    assert isinstance(nodes[0], ServerThrottle) == bool(settings.database_url)
    waits = []

    def attempt(n):
        waits.append(nodes[n % 2].reserve("ip:10.0.0.1"))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert waits.count(0) == 5 and all(0 < wait <= 601 for wait in waits if wait)
    assert nodes[1].retry_after("ip:10.0.0.1") > 0
    nodes[0].succeeded("ip:10.0.0.1")
    assert nodes[1].retry_after("ip:10.0.0.1") == 0
    nodes[1].failed("ip:10.0.0.2")
    nodes[0].release("ip:10.0.0.2")
    assert nodes[1].reserve("ip:10.0.0.2", limits={"ip:10.0.0.2": 1}) == 0
    assert all(node._fallback is None for node in nodes)  # counted where they are shared, not in memory
