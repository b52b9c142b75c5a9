"""Scale benchmark (issue 20): crawler workers on one knowledge base, web nodes on one index, side by side.

    python -m bench.scale [--pages 2000] [--hosts 8] [--workers 1 2 4] [--concurrency 8]
                          [--delay 0] [--latency 0] [--docs 10000] [--clients 20] [--duration 20]
                          [--nodes 1 2] [--no-search] [--results scale.json]

Crawl: bench.crawl's generated site, its pages spread over ``--hosts`` local
servers (one port each: a host of its own for politeness), crawled with delay 0
(``--delay``) and no indexing by 1, 2 and 4 `kb crawl` processes started at once with the same
seeds on one PostgreSQL database (a throwaway cluster, tests/pgserver.py, a new
database per run), so that they join one job and share its frontier, each under
its own --worker-id and data folder as on machines of their own; and by one
`kb crawl` on SQLite. Reported: pages stored per second of wall time (from the
start of the first process to the end of the last, start-up included), the
documents in the database (each page once), and CPU per page over all processes.
``--latency`` makes every answer of the sites take that long, as a remote site's
would: a worker's requests in flight (``--concurrency``) then bound its pages/s.

Search: ``--docs`` generated documents (bench.load's, from ../shared/data langid
sentences) imported and built by `kb index --rebuild --index SHARED` (its wall
time is the rebuild figure), then 1 and 2 `kb serve --workers 1 --index SHARED`
nodes, each its own data folder, under ``--clients`` threads issuing bench.load's
mixed searches, split evenly over the nodes, for ``--duration`` seconds.
Reported: searches per second, p50 and p95, errors, and the nodes' CPU per
search. Only 127.0.0.1 is contacted. Results go to stdout and bench/results/scale.json.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench.crawl import build_sites, sentence_pool
from bench.load import (Clients, free_port, generate, percentile, process_tree_cpu, process_tree_peak_rss_mb,
                        sentences, wait_until_up)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
KB = [sys.executable, "-c", "from kb.cli import main; main()"]


def kb_env(database_url: str = "") -> dict:
    """The environment of a `kb` process: lexical search only, and the database named or SQLite."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env["KB_EMBEDDING_MODEL"] = "none"
    if database_url:
        env["KB_DATABASE_URL"] = database_url
    return env


def run_kb(data: Path, *args, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run([*KB, "--data", str(data), *args], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"kb {' '.join(args[:2])} failed: {result.stderr.strip()[-500:]}")
    return result


def stored_documents(database_url: str, sqlite_file: Path) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1) if database_url
                           else f"sqlite:///{sqlite_file}")
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM document")).scalar_one()
    finally:
        engine.dispose()


def crawl_run(seeds: list[str], pages: int, workers: int, concurrency: int, database_url: str,
              delay: float = 0.0) -> dict:
    """``workers`` `kb crawl` processes on one job (PostgreSQL) or one on SQLite; their figures."""
    REQUESTS.clear()
    env = kb_env(database_url)
    with tempfile.TemporaryDirectory() as root:
        folders = [Path(root) / f"worker-{n}" for n in range(workers)]
        run_kb(folders[0], "source", "list", env=env)  # the schema, before the clock starts
        commands = [[*KB, "--data", str(folder), "crawl", *seeds, "--delay", str(delay), "--no-index", "--json",
                     "--max-pages", str(pages + 10), "--max-depth", "1000", "--allow-private-hosts",
                     "--concurrency", str(concurrency), "--worker-id", f"bench-{n}"]
                    for n, folder in enumerate(folders)]
        before, started = children_cpu(), time.perf_counter()
        summaries, restarts = supervised(commands, env)
        elapsed = time.perf_counter() - started
        cpu = children_cpu() - before
        documents = stored_documents(database_url, folders[0] / "kb.sqlite3")
    requests = sum(REQUESTS.values())
    twice = sum(1 for (_port, path), count in REQUESTS.items() if path.startswith("/p") and count > 1)
    return {"engine": "postgresql" if database_url else "sqlite", "workers": workers, "seconds": round(elapsed, 1),
            "documents": documents, "fetched": summaries[-1]["fetched"], "requests": requests,
            "pages_requested_twice": twice,
            "pages_per_second": round(documents / elapsed, 1), "cpu_seconds": round(cpu, 1),
            "cpu_ms_per_page": round(1000 * cpu / max(1, documents), 2), "restarts": restarts}


def supervised(commands: list[list[str]], env: dict, retries: int = 3) -> tuple[list[dict], list[str]]:
    """Run the workers side by side to their end; one that fails on a database conflict is started
    again under the same name (as a supervisor would: it resumes its own URLs), at most ``retries``
    times each. Returns their --json summaries and the reasons of the restarts."""
    running = {n: subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
               for n, command in enumerate(commands)}
    summaries, restarts = {}, []
    while running:
        for n, process in list(running.items()):
            if process.poll() is None:
                continue
            out, err = process.communicate()  # reaps it: its CPU counts in children_cpu()
            del running[n]
            message = err.decode(errors="replace").strip()[-300:]
            if process.returncode == 0:
                summaries[n] = json.loads(out)
            elif "busy with another writer" in message and restarts.count(str(n)) < retries:
                restarts.append(str(n))
                running[n] = subprocess.Popen(commands[n], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            else:
                sys.exit(f"kb crawl failed: {message}")
        time.sleep(0.05)
    return [summaries[n] for n in sorted(summaries)], restarts


REQUESTS: collections.Counter = collections.Counter()  # (port, path) -> requests the sites answered
_REQUESTS_LOCK = threading.Lock()


def count_requests(servers, latency: float = 0.0) -> None:
    """Count every request the sites answer in REQUESTS (to see a page fetched by two workers); each
    answer is held ``latency`` seconds first."""
    for server in servers:
        class Counted(server.RequestHandlerClass):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                with _REQUESTS_LOCK:
                    REQUESTS[(self.server.server_address[1], self.path)] += 1
                time.sleep(latency)
                super().do_GET()

        server.RequestHandlerClass = Counted


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's children waited for so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def crawl_table(pages: int, hosts: int, worker_counts: list[int], concurrency: int, delay: float = 0.0,
                latency: float = 0.0) -> list[dict]:
    """One SQLite run with one worker, then PostgreSQL with each worker count, on the same sites."""
    from tests.pgserver import start_cluster

    cluster = start_cluster()
    if isinstance(cluster, str):
        sys.exit(f"bench.scale needs a PostgreSQL server: {cluster}")
    servers, seeds = build_sites(pages, hosts, sentence_pool())
    count_requests(servers, latency)
    rows = []
    try:
        rows.append(crawl_run(seeds, pages, 1, concurrency, "", delay))
        print(json.dumps(rows[-1]), flush=True)
        for workers in worker_counts:
            rows.append(crawl_run(seeds, pages, workers, concurrency, cluster.create_database("scale"), delay))
            print(json.dumps(rows[-1]), flush=True)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        cluster.stop()
    return rows


def start_node(data: Path, shared: Path, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    node = subprocess.Popen([*KB, "--data", str(data), "serve", "--port", str(port), "--workers", "1",
                             "--index", str(shared)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return node, f"http://127.0.0.1:{port}"


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def node_run(root: Path, shared: Path, nodes: int, clients: int, duration: float, words: list[str]) -> dict:
    """``clients`` search threads spread over ``nodes`` web nodes reading ``shared``; their figures."""
    env = kb_env()
    started = [start_node(root / f"node-{nodes}-{n}", shared, env) for n in range(nodes)]
    try:
        for _node, base in started:
            wait_until_up(base)
            for word in words[:20]:  # warm: facet sets and term lists are built once per index version
                urllib.request.urlopen(f"{base}/api/search?q={word}", timeout=60).read()
        loads = [Clients(base, clients // nodes + (n < clients % nodes), duration, words)
                 for n, (_node, base) in enumerate(started)]
        cpu_before = sum(process_tree_cpu(node.pid) for node, _ in started)
        threads = [threading.Thread(target=load.run) for load in loads]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cpu = sum(process_tree_cpu(node.pid) for node, _ in started) - cpu_before
        rss = [process_tree_peak_rss_mb(node.pid) for node, _ in started]
    finally:
        for node, _ in started:
            stop(node)
    latencies = [seconds for load in loads for seconds in load.latencies]
    errors: dict[str, int] = {}
    for load in loads:
        for kind, count in load.errors.items():
            errors[kind] = errors.get(kind, 0) + count
    return {"nodes": nodes, "clients": clients, "duration_s": duration, "searches": len(latencies),
            "searches_per_second": round(len(latencies) / duration, 1),
            "p50_ms": round(percentile(latencies, 50) * 1000, 1), "p95_ms": round(percentile(latencies, 95) * 1000, 1),
            "errors": errors, "cpu_ms_per_search": round(cpu * 1000 / max(1, len(latencies)), 2),
            "peak_rss_mb_per_node": rss}


def search_table(docs: int, node_counts: list[int], clients: int, duration: float) -> tuple[dict, list[dict]]:
    """The rebuild of ``docs`` documents into a shared index folder, then the search load per node count."""
    corpus = sentences()
    words = [w for line in corpus["en"][:200] + corpus["nl"][:200] for w in line.split() if len(w) > 4]
    root = Path(tempfile.mkdtemp(prefix="scale-"))
    try:
        indexer, shared, source = root / "indexer", root / "shared-index", root / "docs.jsonl"
        generate(source, docs)
        run_kb(indexer, "import", "--no-index", str(source), env=kb_env())
        before, started = children_cpu(), time.perf_counter()
        run_kb(indexer, "index", "--rebuild", "--index", str(shared), env=kb_env())
        rebuild = {"docs": docs, "seconds": round(time.perf_counter() - started, 1),
                   "cpu_seconds": round(children_cpu() - before, 1)}
        rebuild["ms_per_doc"] = round(1000 * rebuild["seconds"] / docs, 2)
        print(json.dumps(rebuild), flush=True)
        rows = []
        for nodes in node_counts:
            rows.append(node_run(root, shared, nodes, clients, duration, words))
            print(json.dumps(rows[-1]), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return rebuild, rows


def print_tables(crawl: list[dict], rebuild: dict, search: list[dict]) -> None:
    print("\ncrawl                     pages/s  documents  wall s  CPU ms/page")
    for row in crawl:
        name = f"{'PostgreSQL' if row['engine'] == 'postgresql' else 'SQLite'}, {row['workers']} worker" + \
            "s" * (row["workers"] > 1)
        print(f"{name:<25} {row['pages_per_second']:>7} {row['documents']:>10} {row['seconds']:>7} "
              f"{row['cpu_ms_per_page']:>12}")
    if not rebuild:
        return
    print(f"\nrebuild of {rebuild['docs']} documents: {rebuild['seconds']} s wall, {rebuild['cpu_seconds']} s CPU "
          f"({rebuild['ms_per_doc']} ms a document)")
    print("\nweb nodes  searches/s  p50 ms  p95 ms  errors  CPU ms/search")
    for row in search:
        print(f"{row['nodes']:>9} {row['searches_per_second']:>11} {row['p50_ms']:>7} {row['p95_ms']:>7} "
              f"{sum(row['errors'].values()):>7} {row['cpu_ms_per_search']:>14}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, default=8, help="`kb crawl --concurrency` of each worker")
    parser.add_argument("--delay", type=float, default=0.0, help="`kb crawl --delay`: each host's rest, seconds")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each answer of the sites takes")
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--no-search", action="store_true", help="the crawl table only")
    parser.add_argument("--results", default="scale.json", help="file name in bench/results")
    args = parser.parse_args()
    load_before = os.getloadavg()
    crawl = crawl_table(args.pages, args.hosts, args.workers, args.concurrency, args.delay, args.latency)
    rebuild, search = ({}, []) if args.no_search else search_table(args.docs, args.nodes, args.clients,
                                                                   args.duration)
    report = {"cores": len(os.sched_getaffinity(0)), "load_average_before": load_before,
              "load_average": os.getloadavg(), "crawl": crawl, "rebuild": rebuild, "search": search,
              "args": vars(args)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.results).write_text(json.dumps(report, indent=2), encoding="utf-8")
    print_tables(crawl, rebuild, search)


if __name__ == "__main__":
    main()
