"""Search benchmark: indexing speed, index size and query latency, against plain Whoosh.

    python -m bench.search [--docs N] [--queries N] [--procs N] [--json FILE]

Generates a multilingual corpus by recombining real sentences of
../shared/data/langid/sentences (nl en fr de es it pt and a few others),
indexes it with Casebook's index code (per-language fields, decompounding,
thesaurus tagging) and, in the same run, into a plain Whoosh index (one field,
StandardAnalyzer), then runs mixed queries in process: Casebook's full search
(parse, thesaurus expansion, top 10 with snippets, 4 facets counted) and the
plain index's top 10. Prints a summary; --json writes the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import StandardAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import OrGroup, QueryParser

from index.build import write_documents
from index.location import switch_to
from index.query import SearchRequest, plain_words, search
from index.tagging import Tagger
from kb.models import Document

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = ROOT.parent / "shared" / "data" / "langid" / "sentences"
LANGUAGES = {"nl": 14, "en": 18, "fr": 14, "de": 14, "es": 8, "it": 8, "pt": 6, "pl": 4, "da": 3, "sv": 3,
             "cs": 3, "fi": 2, "ro": 2, "hu": 1}
COUNTRIES = {"nl": ["NL", "BE"], "en": ["GB", "IE", "MT"], "fr": ["FR", "BE", "LU", "CH"], "de": ["DE", "AT", "CH"],
             "es": ["ES"], "it": ["IT"], "pt": ["PT"], "pl": ["PL"], "da": ["DK"], "sv": ["SE"], "cs": ["CZ"],
             "fi": ["FI"], "ro": ["RO"], "hu": ["HU"]}
TYPES = ["case"] * 5 + ["document"] * 3 + ["event", "collection"]
FACETS_COUNTED = ("type", "lang", "theme", "year")


def load_sentences() -> dict[str, list[str]]:
    if not SENTENCES.is_dir():
        raise SystemExit(f"missing {SENTENCES}: the benchmark needs ../shared/data/langid")
    return {lang: [s for s in (SENTENCES / f"{lang}.txt").read_text(encoding="utf-8").splitlines() if s.strip()]
            for lang in LANGUAGES}


def corpus(n: int, sentences: dict[str, list[str]], seed: int = 7) -> list[Document]:
    rng = random.Random(seed)
    langs, weights = zip(*LANGUAGES.items())
    places = [f"Place {i}" for i in range(300)]
    docs = []
    for i in range(1, n + 1):
        lang = rng.choices(langs, weights)[0]
        body = rng.sample(sentences[lang], rng.randint(3, 14))
        title = " ".join(body[0].split()[:rng.randint(4, 10)])
        year = rng.randint(2005, 2025)
        docs.append(Document(
            id=i, url=f"https://bench.example/{lang}/{i}", title=title, text=" ".join(body), lang=lang,
            doc_type=rng.choice(TYPES), country=rng.choice(COUNTRIES[lang]), municipality=rng.choice(places),
            year=year, published=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", themes=[], also_at=[],
            updated_at=datetime(2025, 1, 1)))
    return docs


def queries(n: int, sentences: dict[str, list[str]], seed: int = 11) -> list[str]:
    """Mixed queries: one to three words, quoted phrases and thesaurus labels, in every language."""
    from index.concepts import default_labels

    rng = random.Random(seed)
    labels = [label for lang_labels in default_labels().thesaurus.labels_by_language().values()
              for label in lang_labels]
    langs, weights = zip(*LANGUAGES.items())
    out = []
    while len(out) < n:
        kind = rng.random()
        words = [w for w in plain_words(rng.choice(sentences[rng.choices(langs, weights)[0]])).split() if len(w) > 3]
        if kind < 0.2:
            out.append(rng.choice(labels))
        elif kind < 0.3 and len(words) >= 2:
            start = rng.randrange(len(words) - 1)
            out.append(f'"{words[start]} {words[start + 1]}"')
        elif words:
            out.append(" ".join(rng.sample(words, min(len(words), rng.choice([1, 1, 2, 2, 3])))))
    return out


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build_casebook(docs, root: Path, procs: int) -> tuple[Path, float]:
    index_dir = root / "casebook"
    generation = index_dir / "gen-0001"
    started = time.perf_counter()
    write_documents(generation, docs, Tagger.default(), procs=procs)
    elapsed = time.perf_counter() - started
    switch_to(index_dir, generation)
    return index_dir, elapsed


def build_plain(docs, root: Path, procs: int) -> tuple[Path, float]:
    path = root / "plain"
    path.mkdir()
    started = time.perf_counter()
    ix = whoosh_index.create_in(str(path), Schema(id=ID(stored=True), content=TEXT(analyzer=StandardAnalyzer())))
    writer = ix.writer(procs=procs, limitmb=256) if procs > 1 else ix.writer(limitmb=256)
    for doc in docs:
        writer.add_document(id=str(doc.id), content=f"{doc.title}\n{doc.text}")
    writer.commit(optimize=True)
    return path, time.perf_counter() - started


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {"p50_ms": round(pick(0.50), 1), "p95_ms": round(pick(0.95), 1), "p99_ms": round(pick(0.99), 1),
            "mean_ms": round(statistics.mean(ordered) * 1000, 1)}


def time_casebook(index_dir: Path, texts: list[str], expand: bool = True) -> tuple[dict, float]:
    started = time.perf_counter()
    search(index_dir, SearchRequest(q=texts[0], facets=FACETS_COUNTED, expand=expand))
    first = time.perf_counter() - started
    samples = []
    for text in texts:
        started = time.perf_counter()
        search(index_dir, SearchRequest(q=text, facets=FACETS_COUNTED, expand=expand))
        samples.append(time.perf_counter() - started)
    return percentiles(samples), round(first * 1000, 1)


def time_plain(path: Path, texts: list[str]) -> dict:
    ix = whoosh_index.open_dir(str(path))
    parser = QueryParser("content", ix.schema, group=OrGroup)
    samples = []
    with ix.searcher() as searcher:
        for text in texts:
            started = time.perf_counter()
            results = searcher.search(parser.parse(text), limit=10)
            [hit["id"] for hit in results]
            samples.append(time.perf_counter() - started)
    return percentiles(samples)


def time_groupedby(index_dir: Path, texts: list[str]) -> dict:
    """The facet counting Casebook replaced: Whoosh's groupedby over column caches, fresh searcher."""
    from whoosh import sorting

    from index.location import open_current
    from index.query import parse_query

    facets = {name: sorting.FieldFacet(name, allow_overlap=name == "theme", maptype=sorting.Count)
              for name in FACETS_COUNTED}
    samples = []
    with open_current(index_dir).searcher() as searcher:
        for text in texts:
            query, _ = parse_query(searcher.schema, text, expand=True)
            started = time.perf_counter()
            results = searcher.search(query, groupedby=facets, limit=1)
            [results.groups(name) for name in FACETS_COUNTED]
            samples.append(time.perf_counter() - started)
    return {"first_ms": round(samples[0] * 1000, 1), **percentiles(samples[1:])}


def time_facet_sets(index_dir: Path, texts: list[str]) -> dict:
    """Casebook's facet counting alone (FacetSets), on the same queries: first (build) and then."""
    from index.facets import FacetSets, facet_counts
    from index.location import open_current
    from index.query import parse_query

    samples = []
    with open_current(index_dir).searcher() as searcher:
        started = time.perf_counter()
        FacetSets.build(searcher)
        build_ms = round((time.perf_counter() - started) * 1000, 1)
        for text in texts:
            query, _ = parse_query(searcher.schema, text, expand=True)
            started = time.perf_counter()
            facet_counts(searcher, query, {}, FACETS_COUNTED)
            samples.append(time.perf_counter() - started)
    return {"build_ms": build_ms, **percentiles(samples)}


def run(n_docs: int, n_queries: int, procs: int, keep: Path | None = None) -> dict:
    sentences = load_sentences()
    docs = corpus(n_docs, sentences)
    texts = queries(n_queries, sentences)
    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="bench-search-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        index_dir, casebook_s = build_casebook(docs, root, procs)
        plain_path, plain_s = build_plain(docs, root, procs)
        casebook_latency, first_ms = time_casebook(index_dir, texts)
        unexpanded, _ = time_casebook(index_dir, texts, expand=False)
        facet_sample = texts[:100]
        figures = {
            "docs": n_docs, "queries": len(texts), "procs": procs, "facets_counted": list(FACETS_COUNTED),
            "casebook": {"index_s": round(casebook_s, 1), "docs_per_s": round(n_docs / casebook_s),
                         "size_mb": round(folder_size(index_dir) / 1e6, 1), "first_query_ms": first_ms,
                         "latency": casebook_latency, "latency_without_expansion": unexpanded,
                         "facets_4_counted": time_facet_sets(index_dir, facet_sample),
                         "facets_4_whoosh_groupedby": time_groupedby(index_dir, facet_sample)},
            "plain": {"index_s": round(plain_s, 1), "docs_per_s": round(n_docs / plain_s),
                      "size_mb": round(folder_size(plain_path) / 1e6, 1), "latency": time_plain(plain_path, texts)},
        }
        figures["indexing_cost_ratio"] = round(casebook_s / plain_s, 2)
        return figures
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--procs", type=int, default=1,
                        help="Whoosh writer processes; 1 = plain writer (at 20,000 documents procs=2 was slower: "
                             "358 vs 534 docs/s, as tagging runs in the parent and the merge costs)")
    parser.add_argument("--keep", type=Path, help="build the indexes in this folder and keep them")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    figures = run(args.docs, args.queries, args.procs, args.keep)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
