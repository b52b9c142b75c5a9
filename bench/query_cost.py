"""Query cost benchmark: searches of 100 two-letter wildcards, alone and eight at once beside normal searches.

    python -m bench.query_cost [--docs 2000] [--attackers 8] [--seconds 20] [--index DIR]

Builds (or reuses, with --index) an index of recombined real sentences, times a
500-character query of 100 two-letter prefixes ("ab* co* ..."), then runs
``--attackers`` threads sending such queries (each new, so no cache helps) while
one thread times normal one- and two-word searches. index.cost's budget turns
the wildcard queries into plain words; before it, one took 7-9 s at 2,000 documents.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from pathlib import Path

from bench.search import corpus, load_sentences, percentiles
from index.build import write_documents
from index.location import switch_to
from index.query import SearchRequest, search
from index.tagging import Tagger

LETTERS = "abcdefghiklmnoprstuvw"
NORMAL = ["digitaal loket", "participation", "Bürgerbeteiligung", "energie", "mobilité urbaine", "open data"]


def wildcards(rng: random.Random, count: int = 100) -> str:
    return " ".join(rng.choice(LETTERS) + rng.choice(LETTERS) + "*" for _ in range(count))[:500]


def timed(index_dir: Path, q: str) -> tuple[float, str | None]:
    started = time.perf_counter()
    response = search(index_dir, SearchRequest(q=q, meaning=False))
    return time.perf_counter() - started, response.message


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--attackers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--index", type=Path, default=None, help="an index folder to reuse (built there if empty)")
    args = parser.parse_args()
    index_dir = args.index or Path(tempfile.mkdtemp()) / "index"
    if not (index_dir / "CURRENT").exists():
        write_documents(index_dir / "gen-0001", corpus(args.docs, load_sentences()), Tagger.default())
        switch_to(index_dir, index_dir / "gen-0001")
    rng = random.Random(5)
    timed(index_dir, "warm")
    alone = [timed(index_dir, wildcards(rng)) for _ in range(5)]
    quiet = [timed(index_dir, q)[0] for q in NORMAL * 3]
    stop, normal, attacks = threading.Event(), [], []

    def attack(seed: int) -> None:
        own = random.Random(seed)
        while not stop.is_set():
            attacks.append(timed(index_dir, wildcards(own))[0])

    threads = [threading.Thread(target=attack, args=(n,)) for n in range(args.attackers)]
    for thread in threads:
        thread.start()
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        normal.append(timed(index_dir, NORMAL[len(normal) % len(NORMAL)])[0])
    stop.set()
    for thread in threads:
        thread.join()
    print(json.dumps({"wildcard_query_alone": percentiles([t for t, _ in alone]),
                      "message": alone[0][1], "normal_quiet": percentiles(quiet),
                      "normal_beside_attackers": percentiles(normal) | {"max_ms": round(max(normal) * 1000, 1)},
                      "attack_queries": percentiles(attacks) | {"count": len(attacks)}}, indent=1))


if __name__ == "__main__":
    main()
