"""Faults: processes killed with SIGKILL at several moments leave a sound, searchable data folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

KB = [sys.executable, "-c", "from kb.cli import main; main()"]


def kb(data, *args, timeout=300):
    return subprocess.run([*KB, "--data", str(data), *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory):
    """A data folder with 3,000 imported documents and a built index."""
    root = tmp_path_factory.mktemp("faults")
    words = ("gemeente loket digitaal inwoners attest aanvraag open data sensor luchtkwaliteit participatie "
             "begroting mobiliteit parkeren wijk energie afval").split()
    lines = []
    for i in range(3000):
        text = " ".join(words[(i * 7 + k) % len(words)] for k in range(120))
        lines.append(json.dumps({"url": f"https://stad.be/{i}", "title": f"Project {i}", "text": text, "lang": "nl"}))
    (root / "docs.jsonl").write_text("\n".join(lines), encoding="utf-8")
    data = root / "data"
    result = kb(data, "import", str(root / "docs.jsonl"))
    assert result.returncode == 0, result.stderr
    return data


@pytest.mark.parametrize("kill_after", [0.3, 1.0, 1.8, 2.8])
def test_a_rebuild_killed_at_any_moment_leaves_the_old_index_serving(big_folder, kill_after):
    before = json.loads(kb(big_folder, "search", "luchtkwaliteit", "--json").stdout)["total"]
    process = subprocess.Popen([*KB, "--data", str(big_folder), "index", "--rebuild"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(kill_after)
    process.send_signal(signal.SIGKILL)
    process.wait()
    after = kb(big_folder, "search", "luchtkwaliteit", "--json")
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["total"] == before
    assert kb(big_folder, "check").returncode == 0
    rerun = kb(big_folder, "index", "--rebuild", "--json")
    assert rerun.returncode == 0 and json.loads(rerun.stdout)["indexed"] == 3000


def test_a_killed_server_leaves_the_folder_sound_and_a_new_server_answers(big_folder):
    import socket
    import urllib.request

    def free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    for _ in range(2):
        port = free_port()
        server = subprocess.Popen([*KB, "--data", str(big_folder), "serve", "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            body = None
            for _ in range(100):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=parkeren", timeout=5) as resp:
                        body = json.loads(resp.read())
                    break
                except OSError:
                    time.sleep(0.1)
            assert body is not None and body["total"] > 0
        finally:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
    assert kb(big_folder, "check").returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    """A 24 MB tmpfs of our own (needs root and mount; skipped with the reason otherwise)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount_point)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.strip() or 'not root'})")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def _docs(path, count, start=0, size=400):
    path.write_text("\n".join(json.dumps({"url": f"https://stad.be/d{i}", "title": f"Wijkproject {i}",
                                          "text": ("parkeren luchtkwaliteit " * size) + str(i), "lang": "nl"})
                              for i in range(start, start + count)), encoding="utf-8")
    return path


def test_a_read_only_data_folder_still_answers_searches_and_refuses_writes_clearly(small_disk, tmp_path):
    data = small_disk / "data"
    assert kb(data, "import", str(_docs(tmp_path / "a.jsonl", 20, size=5))).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    found = kb(data, "search", "parkeren", "--json")
    assert found.returncode == 0 and json.loads(found.stdout)["total"] == 20
    refused = kb(data, "import", str(_docs(tmp_path / "b.jsonl", 5, start=100, size=5)))
    assert refused.returncode == 1
    assert "read-only" in refused.stderr.lower() and "Traceback" not in refused.stderr


def test_a_full_disk_gives_a_clear_error_and_the_previous_index_keeps_serving(small_disk, tmp_path):
    data = small_disk / "data"
    assert kb(data, "import", str(_docs(tmp_path / "a.jsonl", 20, size=5))).returncode == 0
    filler = small_disk / "filler"
    with open(filler, "wb", buffering=0) as handle:  # unbuffered: closing must not flush into a full disk
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    big = kb(data, "import", str(_docs(tmp_path / "b.jsonl", 200, start=100)))
    assert big.returncode != 0
    assert "Traceback" not in big.stderr and len(big.stderr.strip().splitlines()) == 1
    found = kb(data, "search", "parkeren", "--json")
    assert found.returncode == 0 and json.loads(found.stdout)["total"] >= 20
    filler.unlink()
    assert kb(data, "index", "--rebuild").returncode == 0
    assert kb(data, "check").returncode == 0


def test_two_imports_at_once_lose_nothing_and_leave_the_index_consistent(tmp_path):
    data = tmp_path / "data"
    first = _docs(tmp_path / "a.jsonl", 400, start=0, size=20)
    second = _docs(tmp_path / "b.jsonl", 400, start=1000, size=20)
    runs = [subprocess.Popen([*KB, "--data", str(data), "import", str(path)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for path in (first, second)]
    outcomes = [run.communicate(timeout=300) + (run.returncode,) for run in runs]
    assert [code for _, _, code in outcomes] == [0, 0], [err for _, err, _ in outcomes]
    found = json.loads(kb(data, "search", "parkeren", "--json").stdout)
    assert found["total"] == 800
    assert kb(data, "check").returncode == 0


def test_an_update_during_a_rebuild_is_not_lost_to_the_swap(tmp_path):
    data = tmp_path / "data"
    assert kb(data, "import", "--no-index", str(_docs(tmp_path / "a.jsonl", 3000, size=30))).returncode == 0
    assert kb(data, "index", "--rebuild").returncode == 0
    before = set((data / "index").glob("gen-*"))
    rebuild = subprocess.Popen([*KB, "--data", str(data), "index", "--rebuild"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not set((data / "index").glob("gen-*")) - before and time.monotonic() < deadline:
        time.sleep(0.02)  # wait until the rebuild is writing its new generation
    late = _docs(tmp_path / "b.jsonl", 30, start=5000, size=3)
    assert kb(data, "import", str(late)).returncode == 0
    _, errors = rebuild.communicate(timeout=300)
    assert rebuild.returncode == 0, errors
    assert kb(data, "check").returncode == 0
    assert json.loads(kb(data, "search", "parkeren", "--json").stdout)["total"] == 3030


@pytest.mark.parametrize("kill_after", [0.8, 2.0])
def test_a_worker_killed_mid_crawl_resumes_and_stores_every_page_once(tmp_path, demo_site, kill_after):
    """kb worker with SIGKILL during a source's crawl: kb check passes, the next round finishes the crawl."""
    url, _log = demo_site
    data = tmp_path / "data"
    data.mkdir()
    (data / "kb.toml").write_text("crawl_delay = 0.0\n", encoding="utf-8")  # our own test server: no delay needed
    assert kb(data, "source", "add", url, "--name", "Demo", "--max-pages", "2000", "--max-depth", "10").returncode == 0
    worker = subprocess.Popen([*KB, "--data", str(data), "worker", "--allow-private-hosts", "--interval", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(kill_after)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    searchable = kb(data, "search", "open data", "--json")
    assert searchable.returncode in (0, 2)  # answers, or says the index is not built yet
    rerun = kb(data, "worker", "--allow-private-hosts", "--once")
    assert rerun.returncode == 0, rerun.stderr
    sources = json.loads(kb(data, "source", "list", "--json").stdout)
    assert sources[0]["status"] in ("ok", "done") and sources[0]["pages_stored"] >= 50, sources
    exported = [json.loads(line) for line in kb(data, "export", "--format", "jsonl").stdout.splitlines()]
    urls = [record["url"] for record in exported]
    assert len(urls) == len(set(urls)) and len(urls) >= 50
    assert kb(data, "check").returncode == 0
