"""Load benchmark: concurrent HTTP clients against `kb serve` while a crawl and an index update run.

    python -m bench.load [--docs 50000] [--clients 20] [--duration 60] [--workers N]

Builds (once, cached under bench/results/, rebuilt when the index schema
changed) a data folder of generated multilingual documents from
../shared/data/langid sentences, copies it so that every run starts from the
same state, starts `kb serve` on a free loopback port, and runs N client threads
issuing mixed searches with facet filters for a bounded time. Meanwhile a crawl
of the bundled demo site and an import of new documents (an incremental index
update) run against the same data folder; the time until a search sees the new
documents is reported. Besides latency, the CPU seconds the server used per
request are reported: on a shared machine that figure moves far less than
latency does. Only 127.0.0.1 is ever contacted. Results go to stdout and
bench/results/load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LANGS = ("nl", "en", "fr", "de", "es", "it", "pt")
COUNTRIES = ("BE", "NL", "FR", "DE", "ES", "IT", "PT", "AT", "DK", "EE")
TYPES = ("case", "document", "report", "event")
THEMES = ("open-data", "digital-services", "participation", "mobility", "energy", "iot-sensors")
KB = [sys.executable, "-c", "from kb.cli import main; main()"]


def sentences() -> dict[str, list[str]]:
    base = ROOT.parent / "shared" / "data" / "langid" / "sentences"
    if not base.is_dir():
        sys.exit(f"bench.load needs {base} (the shared langid data)")
    return {lang: (base / f"{lang}.txt").read_text(encoding="utf-8").splitlines() for lang in LANGS}


def generate(path: Path, count: int, start: int = 0, marker: str = "") -> None:
    rng = random.Random(start + 7)
    corpus = sentences()
    with path.open("w", encoding="utf-8") as out:
        for i in range(start, start + count):
            lang = LANGS[i % len(LANGS)]
            text = " ".join(rng.choice(corpus[lang]) for _ in range(rng.randint(4, 12)))
            out.write(json.dumps({
                "url": f"https://bench.example/{lang}/{i}", "title": f"{marker}{rng.choice(corpus[lang])[:80]}",
                "text": f"{marker} {text}".strip(), "lang": lang, "type": rng.choice(TYPES),
                "country": rng.choice(COUNTRIES), "themes": rng.sample(THEMES, rng.randint(0, 2)),
                "year": rng.randint(2008, 2025)}) + "\n")


def kb(data: Path, *args, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run([*KB, "--data", str(data), *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"kb {' '.join(args)} failed: {result.stderr.strip()}")
    return result


def index_is_current(data: Path) -> bool:
    from index.location import current_generation, is_outdated

    generation = current_generation(data / "index")
    return generation is not None and not is_outdated(generation)


def prepare(docs: int) -> Path:
    """The prepared data folder: generated, imported and indexed once; reindexed after a schema change."""
    data = RESULTS / f"load-data-{docs}"
    if (data / "kb.sqlite3").is_file() and index_is_current(data):
        return data
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if not (data / "kb.sqlite3").is_file():
        source = RESULTS / f"load-docs-{docs}.jsonl"
        print(f"generating {docs} documents ...", flush=True)
        generate(source, docs)
        kb(data, "import", "--no-index", str(source))
    print("indexing ...", flush=True)
    kb(data, "index", "--rebuild")
    print(f"prepared in {time.monotonic() - started:.0f} s", flush=True)
    return data


def working_copy(prepared: Path) -> Path:
    """A copy of the prepared folder for one run: the crawl and the import change it."""
    run = RESULTS / f"{prepared.name}-run"
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(prepared, run)
    return run


def _process_tree(root: int) -> set[int]:
    """A process and its live descendants (Linux /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid and child not in tree]
        tree.update(children)
        frontier.extend(children)
    return tree


def process_tree_cpu(root: int) -> float:
    """CPU seconds (user + system) used so far by a process and its live descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in _process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def process_tree_peak_rss_mb(root: int) -> float:
    """The sum of the peak resident memory (VmHWM) of a process and its live descendants, in MB."""
    total_kb = 0
    for pid in _process_tree(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total_kb += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    return round(total_kb / 1024, 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def query_mix(rng: random.Random, words: list[str]) -> dict:
    params = {"q": " ".join(rng.sample(words, rng.randint(1, 3)))}
    if rng.random() < 0.5:
        params["lang"] = rng.choice(LANGS)
    if rng.random() < 0.4:
        params["country"] = rng.choice(COUNTRIES)
    if rng.random() < 0.3:
        params["type"] = rng.choice(TYPES)
    if rng.random() < 0.2:
        params["page"] = str(rng.randint(2, 5))
    return params


class Clients:
    """N threads issuing searches until a deadline; latencies and errors recorded."""

    def __init__(self, base: str, count: int, duration: float, words: list[str]):
        self.base, self.count, self.duration, self.words = base, count, duration, words
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.lock = threading.Lock()

    def worker(self, seed: int, deadline: float) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            url = f"{self.base}/api/search?{urllib.parse.urlencode(query_mix(rng, self.words))}"
            started = time.monotonic()
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    response.read()
                outcome = None
            except urllib.error.HTTPError as exc:
                outcome = f"http_{exc.code}"
            except OSError as exc:
                outcome = type(exc).__name__
            with self.lock:
                self.latencies.append(time.monotonic() - started)
                if outcome:
                    self.errors[outcome] = self.errors.get(outcome, 0) + 1

    def run(self) -> None:
        deadline = time.monotonic() + self.duration
        threads = [threading.Thread(target=self.worker, args=(i, deadline)) for i in range(self.count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def wait_until_up(base: str) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/api/search?q=x", timeout=5).read()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("kb serve did not come up")


def freshness(data: Path, base: str) -> tuple[float, float]:
    """Import new documents (incremental index update): (seconds until a search sees them,
    seconds the `kb import` command itself took, start-up and index commit included)."""
    marker = f"zzbench{int(time.time())}"
    source = RESULTS / "load-fresh.jsonl"
    generate(source, 200, start=10_000_000, marker=marker)
    started = time.monotonic()
    kb(data, "import", str(source))
    imported = time.monotonic() - started
    while time.monotonic() - started < 120:
        with urllib.request.urlopen(f"{base}/api/search?q={marker}", timeout=30) as response:
            if json.loads(response.read())["total"] >= 200:
                return time.monotonic() - started, imported
        time.sleep(0.1)
    return float("inf"), imported


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=None,
                        help="`kb serve --workers`: server processes (default: kb serve's, one per core)")
    parser.add_argument("--no-update", action="store_true",
                        help="searches only: no crawl and no import during the run")
    args = parser.parse_args()
    data = working_copy(prepare(args.docs))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workers = [] if args.workers is None else ["--workers", str(args.workers)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = (RESULTS / "load-server.log").open("w", encoding="utf-8")  # the server's errors, if any
    server = subprocess.Popen([*KB, "--data", str(data), "serve", "--port", str(port), *workers],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(base)
        report = run_load(data, base, args, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        shutil.rmtree(data, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))
    print(f"{report['rps']} req/s, p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms, p99 {report['p99_ms']} ms, "
          f"errors {sum(report['errors'].values())}, server CPU {report['server_cpu_ms_per_request']} ms/request, "
          f"server peak RSS {report['server_peak_rss_mb']} MB (all processes), "
          f"new documents visible after {report['new_docs_visible_after_s']} s "
          f"(the import command took {report['import_command_s']} s)")


def run_load(data: Path, base: str, args, server_pid: int) -> dict:
    words = [w for line in sentences()["en"][:200] + sentences()["nl"][:200] for w in line.split() if len(w) > 4]
    clients = Clients(base, args.clients, args.duration, words)
    crawl = site = None
    if not args.no_update:
        from kb.demo.server import start_site_server

        site, site_url = start_site_server()
        crawl = subprocess.Popen([*KB, "--data", str(data), "crawl", site_url, "--allow-private-hosts",
                                  "--delay", "0.05"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu_before = process_tree_cpu(server_pid)
    load = threading.Thread(target=clients.run)
    load.start()
    fresh = imported = None
    if not args.no_update:
        time.sleep(min(10.0, args.duration / 4))
        fresh, imported = (round(seconds, 2) for seconds in freshness(data, base))
    load.join()
    server_cpu = process_tree_cpu(server_pid) - cpu_before
    server_rss = process_tree_peak_rss_mb(server_pid)
    if crawl is not None:
        crawl.wait(timeout=600)
        site.shutdown()
        site.server_close()
    lat = clients.latencies
    return {"docs": args.docs, "clients": args.clients, "duration_s": args.duration,
            "workers": args.workers or "default",
            "requests": len(lat), "rps": round(len(lat) / args.duration, 1),
            "p50_ms": round(percentile(lat, 50) * 1000, 1), "p95_ms": round(percentile(lat, 95) * 1000, 1),
            "p99_ms": round(percentile(lat, 99) * 1000, 1),
            "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else None, "errors": clients.errors,
            "server_cpu_ms_per_request": round(server_cpu * 1000 / max(1, len(lat)), 2),
            "server_peak_rss_mb": server_rss,
            "new_docs_visible_after_s": fresh, "import_command_s": imported,
            "crawl_exit_code": None if crawl is None else crawl.returncode}


if __name__ == "__main__":
    main()
