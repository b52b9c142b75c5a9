"""Searches served by several worker processes (`kb serve --workers 2`, gunicorn) answer as one process does."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytest.importorskip("gunicorn")

KB = [sys.executable, "-c", "from kb.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.add(int(entry))
            except OSError:
                continue
    return found


def _default_children() -> int:
    from webui.serve import default_workers

    workers = default_workers()
    return workers if workers > 1 else 0  # one process: waitress in the command's own process


@pytest.mark.parametrize("options, processes", [(["--workers", "2"], lambda: 2), ([], _default_children)],
                         ids=["two workers", "the default: one per core"])
def test_worker_processes_serve_the_same_search_answers_as_the_app(demo_kb, demo_app, options, processes):
    knowledge_base, _ = demo_kb
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    server = subprocess.Popen([*KB, "--data", str(knowledge_base.settings.data_dir), "serve", "--port", str(port),
                               *options, "--threads", "2"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/api/search?q=parkeren&per_page=5"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    served = [json.loads(response.read())]
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read().decode()
                time.sleep(0.2)
        for _ in range(10):
            with urllib.request.urlopen(url, timeout=10) as response:
                served.append(json.loads(response.read()))
        expected = demo_app.test_client().get("/api/search?q=parkeren&per_page=5").get_json()
        assert expected["total"] > 0
        assert all(answer == expected for answer in served)
        assert len(_children(server.pid)) == processes()  # gunicorn's workers
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        server.stderr.close()


def test_serving_with_several_processes_refuses_the_background_worker_with_a_reason(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    done = subprocess.run([*KB, "--data", str(tmp_path / "d"), "serve", "--workers", "2", "--with-worker"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "kb worker" in done.stderr and "Traceback" not in done.stderr


def test_the_default_is_one_process_per_core_and_at_most_four():
    from webui.serve import MAX_DEFAULT_WORKERS, default_workers

    assert default_workers() == max(1, min(MAX_DEFAULT_WORKERS, len(os.sched_getaffinity(0))))
