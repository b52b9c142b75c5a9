"""Crawl benchmark: `kb crawl` of a generated site on 127.0.0.1, pages per second and peak memory.

    python -m bench.crawl [--pages 2000] [--hosts 1 4] [--concurrency 4] [--repeat 3]
                          [--scrapy trafilatura plain casebook]
    python -m bench.crawl --profile [--pages 2000] [--hosts 1]   # where the CPU goes, every thread

Generates a site of N interlinked pages (text drawn from ../shared/data/langid
sentences when present, else from a fixed word list), with a sitemap, served
from memory by a threading HTTP server on 127.0.0.1. For each host count the
pages are spread over that many servers (one port each: a host of its own for
politeness), then `kb crawl` runs in a subprocess with delay 0 and no indexing;
its wall time, pages stored per second, CPU time per page and peak resident
memory (from wait4) are reported; on a shared machine CPU time is the steadier
figure. One request at a time per host means one host is crawled sequentially;
several hosts show what --concurrency gives. Scrapy (the optional ``bench``
extra: pip install -e '.[bench]') then crawls the same sites with the same
concurrency, once for each --scrapy choice of per-page work: ``trafilatura``
(trafilatura's main text with Casebook's options, and langdetect: the same work
as Casebook's, which also computes a SimHash and writes SQLite), ``casebook``
(Casebook's own extraction and language functions called from the spider), or
``plain`` (title and <main> text only, no language). Results go to stdout and
bench/results/crawl.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LANGS = ("nl", "en", "fr", "de", "es", "it", "pt")
KB = [sys.executable, "-c", "from kb.cli import main; main()"]
FALLBACK_WORDS = ("city council residents digital desk open data platform sensors mobility housing energy "
                  "participation budget library school permit certificate register climate water").split()


def sentence_pool() -> dict[str, list[str]]:
    base = ROOT.parent / "shared" / "data" / "langid" / "sentences"
    pool = {}
    for lang in LANGS:
        path = base / f"{lang}.txt"
        if path.is_file():
            pool[lang] = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return pool


def page_body(n: int, total: int, pool: dict, rng: random.Random, base_of) -> bytes:
    lang = LANGS[n % len(LANGS)]
    if pool.get(lang):
        text = " ".join(rng.sample(pool[lang], 8))
    else:
        text = " ".join(rng.choices(FALLBACK_WORDS, k=150))
    links = "".join(f"<li><a href='{base_of(m)}/p{m}.html'>page {m}</a></li>"
                    for m in {(n + 1) % total, (n * 7 + 3) % total, rng.randrange(total)})
    return (f"<!doctype html><html lang='{lang}'><head><title>Page {n}</title></head><body>"
            f"<nav><a href='/'>Home</a></nav><main><h1>Page {n}</h1><p>{text}</p><ul>{links}</ul></main>"
            f"<footer>Generated for bench.crawl</footer></body></html>").encode("utf-8")


def serve(routes: dict[str, tuple[str, bytes]]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            ctype, body = routes.get(self.path, ("text/html", None))
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", ctype)
            body = body if body is not None else b"not found"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def build_sites(pages: int, hosts: int, pool: dict) -> tuple[list[ThreadingHTTPServer], list[str]]:
    routes = [{} for _ in range(hosts)]
    servers = [serve(r) for r in routes]
    bases = [f"http://127.0.0.1:{s.server_address[1]}" for s in servers]
    rng = random.Random(20241127)

    def base_of(m: int) -> str:
        return bases[m % hosts]

    for n in range(pages):
        routes[n % hosts][f"/p{n}.html"] = ("text/html; charset=utf-8", page_body(n, pages, pool, rng, base_of))
    for h in range(len(bases)):
        mine = [n for n in range(pages) if n % hosts == h]
        routes[h]["/"] = ("text/html", f"<html><body><main><h1>Home</h1><a href='/p{mine[0]}.html'>start</a>"
                                       f"</main></body></html>".encode())
        locs = "".join(f"<url><loc>/p{n}.html</loc></url>" for n in mine)
        routes[h]["/sitemap.xml"] = ("application/xml", f"<urlset>{locs}</urlset>".encode())
        routes[h]["/robots.txt"] = ("text/plain", b"User-agent: *\nAllow: /\n")
    return servers, [base + "/" for base in bases]


def cpu_figures(usage, pages: int) -> dict:
    """CPU seconds the child used (user + system), and per page: on a shared machine, steadier than wall time."""
    cpu = usage.ru_utime + usage.ru_stime
    return {"cpu_seconds": round(cpu, 1), "cpu_ms_per_page": round(1000 * cpu / max(1, pages), 2)}


def measure(seeds: list[str], pages: int, concurrency: int) -> dict:
    """Run `kb crawl` in a child process; wall time, throughput and the child's peak RSS."""
    with tempfile.TemporaryDirectory() as data:
        command = KB + ["--data", data, "crawl", *seeds, "--delay", "0", "--no-index", "--json",
                        "--max-pages", str(pages + 10), "--max-depth", "1000", "--allow-private-hosts",
                        "--concurrency", str(concurrency)]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = process.stdout.read()  # --json output is one short line; stderr stays small too
        err = process.stderr.read()
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"kb crawl failed: {err.decode(errors='replace').strip()[-500:]}")
    summary = json.loads(out)
    return {"hosts": len(seeds), "concurrency": concurrency, "seconds": round(elapsed, 1),
            "stored": summary["stored"], "fetched": summary["fetched"],
            "pages_per_second": round(summary["stored"] / elapsed, 1), **cpu_figures(usage, summary["stored"]),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "skipped": summary["skipped"]}


def median_run(results: list[dict]) -> dict:
    """The run with the median CPU per page, noting every run's figure when there were several."""
    ordered = sorted(results, key=lambda result: result["cpu_ms_per_page"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    if len(results) > 1:
        chosen["cpu_ms_per_page_runs"] = [result["cpu_ms_per_page"] for result in results]
        chosen["peak_rss_mb_runs"] = [result["peak_rss_mb"] for result in results]
    return chosen


SCRAPY_SPIDER = """
import sys
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor

seeds, per_host, total, out, work = sys.argv[1].split(","), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]

if work == "trafilatura":  # the issue's "same work": trafilatura's main text (Casebook's options), langdetect
    import trafilatura
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0

    def read(response):
        text = trafilatura.extract(response.text, url=response.url, fast=True, include_comments=False,
                                   include_tables=True) or ""
        title = response.css("title::text").get() or ""
        try:
            lang = detect(title + "\\n" + text)
        except LangDetectException:
            lang = None
        return {"title": title, "text": text, "lang": lang}
elif work == "casebook":  # literally Casebook's per-page reading: crawler.extract and kb.language
    sys.path.insert(0, sys.argv[6])
    from crawler.extract import extract_html
    from kb.language import detect_language

    def read(response):
        page = extract_html(response.text, response.url)
        detected = detect_language(page.title + "\\n" + page.text, page.declared_lang)
        return {"title": page.title, "text": page.text, "lang": detected.lang if detected else None}
else:  # plain: title and the text of <main>
    def read(response):
        return {"title": response.css("title::text").get(), "text": " ".join(response.css("main ::text").getall())}


class Site(scrapy.Spider):
    name = "bench"
    start_urls = seeds
    links = LinkExtractor()  # every link of the bench site is on 127.0.0.1 (allow_domains does not take IPs)

    def parse(self, response):
        yield {"url": response.url, **read(response)}
        for link in self.links.extract_links(response):
            yield response.follow(link.url, self.parse)


process = CrawlerProcess({"ROBOTSTXT_OBEY": True, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": total,
                          "CONCURRENT_REQUESTS_PER_DOMAIN": per_host, "LOG_LEVEL": "ERROR",
                          "TELNETCONSOLE_ENABLED": False, "FEEDS": {out: {"format": "jsonlines"}}})
process.crawl(Site)
process.start()
"""
# What Scrapy does with each page, per run: the "same work" rows are the like-for-like comparison.
SCRAPY_WORK = {
    "plain": "title and the text of <main> (CSS selectors)",
    "trafilatura": "trafilatura's main text with Casebook's options (fast, no comments, tables) and langdetect",
    "casebook": "Casebook's own extraction (crawler.extract.extract_html) and language (kb.language)",
}


def scrapy_run(seeds: list[str], concurrency: int, work: str = "trafilatura") -> dict | None:
    """The same site crawled by Scrapy with the same concurrency, in a child process; None without Scrapy.

    Scrapy keys its politeness slots by host name, and all bench hosts are 127.0.0.1 on
    several ports, so its per-domain limit is set to the number of requests Casebook may
    have in flight (one per host, at most --concurrency). ``work`` is what it does with each
    page (SCRAPY_WORK); it writes JSON lines, where Casebook also computes a SimHash and a
    content hash and writes SQLite.
    """
    try:
        import scrapy  # noqa: F401
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as folder:
        spider, out = Path(folder) / "spider.py", Path(folder) / "items.jsonl"
        spider.write_text(SCRAPY_SPIDER, encoding="utf-8")
        in_flight = min(len(seeds), concurrency)
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, str(spider), ",".join(seeds), str(in_flight), str(in_flight),
                                    str(out), work, str(ROOT)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = process.stderr.read()
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        items = [json.loads(line) for line in out.open(encoding="utf-8")] if out.exists() else []
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"scrapy ({work}) failed: {err.decode(errors='replace').strip()[-500:]}")
    stored = len(items)
    return {"work": work, "does": SCRAPY_WORK[work], "hosts": len(seeds), "concurrency": in_flight,
            "seconds": round(elapsed, 1), "stored": stored, "pages_per_second": round(stored / elapsed, 1),
            **cpu_figures(usage, stored), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "with_text": sum(1 for item in items if (item.get("text") or "").strip()),
            "with_language": sum(1 for item in items if item.get("lang"))}


def profile_run(seeds: list[str], pages: int, concurrency: int, top: int = 30) -> None:
    """One crawl in this process under cProfile, on the loop and on every worker thread.

    The crawl's work happens on its workers (fetch, extraction, language), which cProfile alone
    does not see; each worker gets a profiler of its own and the profiles are added up. The bench
    server's threads are left out. Written to bench/results/crawl.prof (read it with pstats).
    """
    import cProfile
    import pstats

    from crawler.crawl import Crawler
    from crawler.settings import CrawlSettings
    from kb.settings import load_settings
    from kb.storage import open_kb

    profiles = [cProfile.Profile()]
    run = threading.Thread.run

    def profiled(thread: threading.Thread) -> None:
        if not thread.name.startswith(("crawl", "extract")):  # the crawler's thread name prefixes
            return run(thread)
        profiles.append(cProfile.Profile())
        return profiles[-1].runcall(run, thread)

    threading.Thread.run = profiled
    try:
        with tempfile.TemporaryDirectory() as data:
            kb = open_kb(load_settings(Path(data), environ={}))
            settings = CrawlSettings(delay=0.0, max_pages=pages + 10, max_depth=1000, allow_private_hosts=True,
                                     concurrency=concurrency)
            result = profiles[0].runcall(Crawler(kb, settings).run, seeds)
            kb.close()
    finally:
        threading.Thread.run = run
    stats = pstats.Stats(*profiles)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stats.dump_stats(RESULTS / "crawl.prof")
    print(f"profiled crawl of {len(seeds)} host(s): {result.summary['stored']} pages stored; "
          f"{len(profiles)} threads, written to {RESULTS / 'crawl.prof'}", flush=True)
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--hosts", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=1,
                        help="Crawls per host count; the one with the median CPU per page is reported "
                             "(shared machines).")
    parser.add_argument("--scrapy", nargs="*", choices=sorted(SCRAPY_WORK), default=["trafilatura", "plain"],
                        help="What Scrapy does with each page, one Scrapy crawl each after Casebook's (none: no "
                             "Scrapy); trafilatura is the like-for-like comparison.")
    parser.add_argument("--profile", action="store_true",
                        help="Instead: one crawl in process under cProfile, every thread (first --hosts value).")
    args = parser.parse_args()
    pool = sentence_pool()
    if args.profile:
        servers, seeds = build_sites(args.pages, args.hosts[0], pool)
        try:
            return profile_run(seeds, args.pages, args.concurrency)
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()
    runs, scrapy_runs = [], []
    for hosts in args.hosts:
        servers, seeds = build_sites(args.pages, hosts, pool)
        try:
            result = median_run([measure(seeds, args.pages, args.concurrency) for _ in range(max(1, args.repeat))])
            others = [other for work in args.scrapy if (other := scrapy_run(seeds, args.concurrency, work))]
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()
        runs.append(result)
        print(f"casebook {hosts} host(s), concurrency {args.concurrency}: {result['stored']} pages in "
              f"{result['seconds']} s = {result['pages_per_second']} pages/s, {result['cpu_seconds']} s CPU = "
              f"{result['cpu_ms_per_page']} ms CPU/page, peak RSS {result['peak_rss_mb']} MB"
              f"; skipped {result['skipped']}", flush=True)
        for other in others:
            scrapy_runs.append(other)
            print(f"scrapy ({other['work']}) {hosts} host(s), {other['concurrency']} in flight: {other['stored']} "
                  f"pages in {other['seconds']} s = {other['pages_per_second']} pages/s, {other['cpu_seconds']} s "
                  f"CPU = {other['cpu_ms_per_page']} ms CPU/page, peak RSS {other['peak_rss_mb']} MB; "
                  f"{other['does']}", flush=True)
    report = {"pages": args.pages, "text": "langid sentences" if pool else "word list", "runs": runs,
              "scrapy": scrapy_runs or "scrapy is not installed: comparison skipped (pip install -e '.[bench]')",
              "python": sys.version.split()[0], "cpus": os.cpu_count(),
              "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "crawl.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
