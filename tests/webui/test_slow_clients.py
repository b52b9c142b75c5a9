"""`kb serve` keeps answering searches while many connections sit idle or send their headers a line
at a time, in one process (waitress) and with several (gunicorn's processes, each serving with
waitress); bench/slowloris.py measures the latency."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

KB = [sys.executable, "-c", "from kb.cli import main; main()"]
HELD = 150  # waitress' default of 100 connections let 110 lock everyone out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _search(port: int, timeout: float) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=loket&meaning=off", timeout=timeout) as answer:
        return json.load(answer)


@pytest.fixture(params=["1", "2"], ids=["one process", "two gunicorn processes"])
def served(request, tmp_path):
    """`kb serve --workers N` on a free port of 127.0.0.1 with one document; yields the port."""
    if request.param != "1":
        pytest.importorskip("gunicorn")
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"url": "https://gent.be/loket", "title": "Digitaal loket", "lang": "nl",
                                "text": "Inwoners vragen attesten online aan."}) + "\n", encoding="utf-8")
    data, env = tmp_path / "data", {**os.environ, "KB_EMBEDDING_MODEL": "none"}
    subprocess.run([*KB, "--data", str(data), "import", str(docs)], check=True, capture_output=True, env=env)
    port = _free_port()
    server = subprocess.Popen([*KB, "--data", str(data), "serve", "--workers", request.param, "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                _search(port, 1)
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(30)  # stops, held connections or not


def test_searches_are_answered_while_150_connections_are_held_open_slowly_or_idle(served):
    held = []
    try:
        for n in range(HELD):
            sock = socket.create_connection(("127.0.0.1", served), timeout=5)
            if n % 2:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n")  # never finished
            held.append(sock)
        time.sleep(0.5)
        assert [_search(served, 10)["total"] for _ in range(3)] == [1, 1, 1]
    finally:
        for sock in held:
            sock.close()


def test_a_body_larger_than_any_upload_is_refused_before_it_is_sent(served):
    """The server buffers a request whole before the app sees it, so it must refuse an announced 100 MB
    itself, at once: not wait for (and spool to disk) what the app would answer 413 to anyway."""
    with socket.create_connection(("127.0.0.1", served), timeout=10) as sock:
        sock.sendall(b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: 100000000\r\n\r\n" + b"x" * 1000)
        assert sock.recv(200).split(b"\r\n", 1)[0].startswith(b"HTTP/1.1 413")
