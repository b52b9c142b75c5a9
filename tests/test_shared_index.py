"""Web nodes on one shared index folder: two `kb serve` processes read the generations one indexer
publishes, under a 20-client search load, and both move to a new generation without an error."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

KB = [sys.executable, "-c", "from kb.cli import main; main()"]
CLIENTS = 20
PAUSE = 0.02  # seconds a client waits between searches: the indexer shares the two cores with the nodes
WORDS = "gemeente loket digitaal inwoners attest aanvraag sensor luchtkwaliteit participatie mobiliteit".split()
MARKER = "zebraloket"  # a word only the document published with the second generation holds


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _kb(data: Path, *args) -> None:
    result = subprocess.run([*KB, "--data", str(data), *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def _documents(path: Path, count: int, start: int = 0, extra: str = "") -> Path:
    lines = []
    for i in range(start, start + count):
        text = " ".join(WORDS[(i * 3 + k) % len(WORDS)] for k in range(60))
        lines.append(json.dumps({"url": f"https://stad.example/{i}", "title": f"Project {i} {extra}".strip(),
                                 "text": f"{text} {extra}".strip(), "lang": "nl"}))
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _search(port: int, query: str) -> dict:
    url = f"http://127.0.0.1:{port}/api/search?{urllib.parse.urlencode({'q': query})}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


class Load:
    """CLIENTS threads searching the nodes in turn (one query in four for the marker) until stopped."""

    def __init__(self, ports: list[int]):
        self.ports, self.stop = ports, threading.Event()
        self.errors: list[str] = []
        self.marker_answers: list[tuple[int, float, float, bool]] = []  # (port, started, ended, found)
        self.requests = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.client, args=(i,)) for i in range(CLIENTS)]

    def client(self, number: int) -> None:
        port, turn = self.ports[number % len(self.ports)], number
        while not self.stop.is_set():
            turn += 1
            query = MARKER if turn % 4 == 0 else " ".join(WORDS[(turn + k) % len(WORDS)] for k in range(2))
            started = time.monotonic()
            try:
                answer = _search(port, query)
            except (OSError, urllib.error.HTTPError, ValueError) as exc:
                with self.lock:
                    self.errors.append(f"{port} {query}: {exc}")
                continue
            self.stop.wait(PAUSE)
            with self.lock:
                self.requests += 1
                if query == MARKER:
                    self.marker_answers.append((port, started, time.monotonic(), answer["total"] > 0))
                elif answer["total"] == 0:
                    self.errors.append(f"{port} {query}: no hits")

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def _start_node(data: Path, shared: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    node = subprocess.Popen([*KB, "--data", str(data), "serve", "--port", str(port), "--workers", "1",
                             "--threads", "8", "--index", str(shared)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return node, port


def _wait_until_up(node: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            _search(port, WORDS[0])
            return
        except OSError:
            assert node.poll() is None and time.monotonic() < deadline, node.stderr.read().decode()
            time.sleep(0.1)


@pytest.mark.both_engines
def test_two_web_nodes_switch_to_a_published_generation_under_load_without_an_error(tmp_path, database_url):
    shared, indexer = tmp_path / "shared-index", tmp_path / "indexer"
    _kb(indexer, "import", "--no-index", str(_documents(tmp_path / "first.jsonl", 150)))
    # each node its own data folder (on PostgreSQL: the same database, from KB_DATABASE_URL); until
    # the first generation is published they answer 503
    nodes = [_start_node(tmp_path / f"node-{name}", shared) for name in "ab"]
    try:
        _kb(indexer, "index", "--rebuild", "--index", str(shared))
        first = (shared / "CURRENT").read_text().strip()
        for node, port in nodes:
            _wait_until_up(node, port)
        ports = [port for _, port in nodes]
        # stored, not yet indexed: only the generation the load sees published holds it
        _kb(indexer, "import", "--no-index", str(_documents(tmp_path / "new.jsonl", 1, 5000, MARKER)))
        with Load(ports) as load:
            before = _files(shared)
            time.sleep(2)
            assert _files(shared) == before  # the nodes served searches and wrote nothing in the folder
            published_at = time.monotonic()
            _kb(indexer, "index", "--rebuild", "--index", str(shared))
            deadline = time.monotonic() + 20
            while {port for port, _, _, found in load.marker_answers if found} != set(ports):
                assert time.monotonic() < deadline, "a node did not move to the new generation"
                time.sleep(0.1)
            time.sleep(1)
        assert load.errors == []
        assert load.requests > 100
        second = (shared / "CURRENT").read_text().strip()
        assert second != first and (shared / first / "RETIRED").is_file()  # kept for the grace period
        for port in ports:
            answers = [a for a in load.marker_answers if a[0] == port]
            # the old generation served until the publication: the new document was not found before it
            assert not any(found for _, started, _, found in answers if started < published_at)
            # and the switch is for good: every search started after one found it finds it too
            first_found = min(ended for _, _, ended, found in answers if found)
            assert all(found for _, started, _, found in answers if started > first_found)
            assert _search(port, MARKER)["total"] == 1
    finally:
        for node, _ in nodes:
            node.send_signal(signal.SIGTERM)
        for node, _ in nodes:
            try:
                node.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(node.pid, signal.SIGKILL)
                node.wait()
            node.stderr.close()
