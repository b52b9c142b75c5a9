"""Slowloris benchmark: search latency of `kb serve` while 200 slow or idle connections are held open.

    python -m bench.slowloris [--connections 200] [--seconds 60] [--workers N] [--docs 300] [--json FILE]

Builds a small kb (recombined real sentences of ../shared/data/langid, lexical
search only), starts `kb serve` on a free port of 127.0.0.1 and opens the
connections: half send a request's headers one line every few seconds and never
finish them (slowloris), half connect and send nothing. Meanwhile a probe sends
one search every half second on a new connection and times the answer (a probe
that gets none within 10 s counts as failed). Prints p50/p95/max of the answered
probes and of every probe (a failed one counted as its 10 s) and failures, with the
connections still held at the end; the goal is a p95 of every probe under 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench.search import corpus, load_sentences, percentiles

KB = [sys.executable, "-c", "from kb.cli import main; main()"]
PROBE_TIMEOUT = 10.0
TRICKLE = 5.0  # seconds between two header lines of a slow connection


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(data: Path, docs: int) -> None:
    rows = [{"url": d.url, "title": d.title, "text": d.text, "lang": d.lang} for d in corpus(docs, load_sentences())]
    source = data.parent / "docs.jsonl"
    source.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    subprocess.run([*KB, "--data", str(data), "import", str(source)], check=True, capture_output=True)


def start_server(data: Path, port: int, workers: int | None, env: dict) -> subprocess.Popen:
    command = [*KB, "--data", str(data), "serve", "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=warm", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("kb serve did not answer within 60 s")


class Attack:
    """Holds ``count`` connections open, slow and idle by halves, reopening those the server closes."""

    def __init__(self, port: int, count: int):
        self.port, self.count = port, count
        self.sockets: list[tuple[socket.socket, bool]] = []
        self.stop = threading.Event()
        self.reopened = 0

    def _open(self, slow: bool) -> socket.socket | None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=2)
            if slow:
                sock.sendall(b"GET /?q=slow HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            return sock
        except OSError:
            return None

    def run(self) -> None:
        for n in range(self.count):
            sock = self._open(slow=n % 2 == 0)
            if sock is not None:
                self.sockets.append((sock, n % 2 == 0))
        while not self.stop.wait(TRICKLE):
            kept = []
            for sock, slow in self.sockets:
                try:
                    if slow:
                        sock.sendall(b"X-Slow: %d\r\n" % int(time.time()))
                    kept.append((sock, slow))
                except OSError:
                    sock.close()
                    again = self._open(slow)
                    self.reopened += 1
                    if again is not None:
                        kept.append((again, slow))
            self.sockets = kept

    def held(self) -> int:
        return len(self.sockets)

    def close(self) -> None:
        self.stop.set()
        for sock, _ in self.sockets:
            sock.close()


def probe(port: int, seconds: float) -> tuple[list[float], int]:
    """(latencies of the answered searches, failures)."""
    latencies, failures = [], 0
    words = ["digital", "gemeente", "mobilité", "Bürger", "participation", "energie"]
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        started = time.perf_counter()
        try:
            url = f"http://127.0.0.1:{port}/api/search?q={urllib.parse.quote(words[n % len(words)])}&meaning=off"
            urllib.request.urlopen(url, timeout=PROBE_TIMEOUT).read()
            latencies.append(time.perf_counter() - started)
        except OSError:
            failures += 1
        n += 1
        time.sleep(max(0.0, 0.5 - (time.perf_counter() - started)))
    return latencies, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=None, help="kb serve --workers (default: kb serve's)")
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    import urllib.parse  # noqa: F401 (probe)

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        env = {**os.environ, "KB_EMBEDDING_MODEL": "none"}
        prepare(data, args.docs)
        port = _free_port()
        server = start_server(data, port, args.workers, env)
        try:
            quiet, quiet_failures = probe(port, 5)
            attack = Attack(port, args.connections)
            attacker = threading.Thread(target=attack.run, daemon=True)
            attacker.start()
            time.sleep(2)
            latencies, failures = probe(port, args.seconds)
            held = attack.held()
            attack.close()
        finally:
            server.terminate()
            server.wait(10)
    result = {"connections": args.connections, "workers": args.workers or "default", "seconds": args.seconds,
              "held_at_end": held, "reopened": attack.reopened, "quiet": percentiles(quiet) if quiet else {},
              "probes": len(latencies) + failures, "failed": failures,
              "under_attack": percentiles(latencies) if latencies else {},
              # every probe, one that got no answer counted as the PROBE_TIMEOUT it waited: the figure to judge
              "every_probe": percentiles(latencies + [PROBE_TIMEOUT] * failures) if latencies or failures else {},
              "max_ms": round(max(latencies) * 1000, 1) if latencies else None}
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
