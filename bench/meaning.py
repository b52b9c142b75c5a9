"""Search by meaning on real parallel material: the ablation behind Casebook's fusion.

    python -m bench.meaning [--model use|e5] [--shared ../shared]

XQuAD-R (../shared/data/xquad-r-dev): every sentence is indexed as a document
through Casebook's own index code (Whoosh fields per language, passage vectors),
and the 1,190 questions are searched through ``index.query.run_search`` as a
user would type them: Spanish over Spanish, Spanish over Greek, Greek over
Spanish. It prints nDCG@10 (one relevant sentence per question) for lexical
search alone, the dense ranking alone, and each fusion policy, beside plain
BM25 as the collection's SOURCE.txt defines it. The quality gates in
tests/index/test_meaning_gate.py use the same functions.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from whoosh import index as whoosh_index

from index.build import write_documents
from index.embedding import load_embedder
from index.fusion import FusionPolicy
from index.meaning import Meaning
from index.query import SearchRequest, run_search
from index.vectors import DocumentText, write_all
from kb.models import Document

PAIRS = (("es", "es"), ("es", "el"), ("el", "es"))
POLICIES = {
    "lexical only": None,
    "dense only": FusionPolicy(method="dense"),
    "equal RRF": FusionPolicy(method="rrf"),
    "one weight 0.3, other-language words x0.2 (stop 15)": FusionPolicy(0.3, 0.3, 0.2),
    "one weight 0.3, all lexical": FusionPolicy(0.3, 0.3, 1.0),
    "keywords 0.2, questions 0.5, other-language words x0.5": FusionPolicy(0.2, 0.5, 0.5),
    "keywords 0.2, questions 0.7, other-language words x0.5 (default)": FusionPolicy(),
    "keywords 0.2, questions 0.7, all lexical": FusionPolicy(0.2, 0.7, 1.0),
    "keywords 0.2, questions 0.8, other-language words x0.5": FusionPolicy(0.2, 0.8, 0.5),
}


def shared_folder(explicit: str | None = None) -> Path:
    for base in (explicit, os.environ.get("CASEBOOK_SHARED"), Path(__file__).resolve().parents[1].parent / "shared"):
        if base and (Path(base) / "data").is_dir():
            return Path(base) / "data"
    sys.exit("../shared/data not found: pass --shared")


def xquad(data: Path, lang: str) -> tuple[list[tuple[str, str]], dict[str, tuple[str, str]]]:
    """(sentences as (id, text), question id -> (question, id of its relevant sentence))."""
    raw = json.loads((data / "xquad-r-dev" / f"{lang}.json").read_text(encoding="utf-8"))
    sentences, questions = [], {}
    for a, article in enumerate(raw["data"]):
        for p, paragraph in enumerate(article["paragraphs"]):
            ids = [f"{lang}-{a}-{p}-{s}" for s in range(len(paragraph["sentences"]))]
            sentences += [(sid, text.strip("\ufeff ")) for sid, text in zip(ids, paragraph["sentences"])]
            ends = list(paragraph["sentence_breaks"])
            for qa in paragraph["qas"]:
                start = qa["answers"][0]["answer_start"]
                hit = next((i for i, (lo, hi) in enumerate(ends) if lo <= start < hi), len(ends) - 1)
                questions[qa["id"]] = (qa["question"], ids[hit])
    return sentences, questions


def build_collection(folder: Path, lang: str, sentences: list[tuple[str, str]], embedder) -> Path:
    """A Casebook index of the sentences (one document each), with passage vectors when ``embedder``."""
    documents = [Document(id=i, url=sid, title="", text=text, lang=lang, doc_type="document", themes=[],
                          also_at=[], meta={}) for i, (sid, text) in enumerate(sentences, start=1)]
    write_documents(folder, documents)
    if embedder is not None:
        write_all(folder, embedder, (DocumentText(d.id, "", "", d.text) for d in documents))
    return folder


def run(folder: Path, questions: list[tuple[str, str]], embedder, policy: FusionPolicy | None,
        reader_lang: str | None = None) -> dict[str, list[str]]:
    """Question id -> the urls of its first ten hits."""
    meaning = Meaning(embedder, folder, policy) if policy is not None and embedder is not None else None
    runs = {}
    with whoosh_index.open_dir(str(folder)).searcher() as searcher:
        for qid, text in questions:
            response = run_search(searcher, SearchRequest(q=text, per_page=10, reader_lang=reader_lang,
                                                          meaning=meaning is not None), meaning)
            runs[qid] = [hit["url"] for hit in response.hits]
    return runs


def ndcg10(runs: dict[str, list[str]], relevant: dict[str, str]) -> float:
    total = 0.0
    for qid, ranked in runs.items():
        rank = next((i for i, url in enumerate(ranked[:10]) if url == relevant[qid]), None)
        total += 1 / math.log2(rank + 2) if rank is not None else 0.0
    return total / len(runs) if runs else 0.0


def plain_bm25(folder: Path, sentences, questions: list[tuple[str, str]]) -> dict[str, list[str]]:
    """The baseline of SOURCE.txt: lower-cased tokens, no stemming, OR query, no punctuation."""
    from whoosh.analysis import RegexTokenizer, LowercaseFilter
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import OrGroup, QueryParser

    folder.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(folder), Schema(id=ID(stored=True),
                                                    body=TEXT(analyzer=RegexTokenizer() | LowercaseFilter())))
    with ix.writer() as writer:
        for sid, text in sentences:
            writer.add_document(id=sid, body=text)
    parser = QueryParser("body", ix.schema, group=OrGroup)
    with ix.searcher() as searcher:
        return {qid: [hit["id"] for hit in searcher.search(parser.parse(" ".join(re.findall(r"\w+", text))),
                                                           limit=10)]
                for qid, text in questions}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="auto", help="embedding model: auto, use, e5")
    parser.add_argument("--shared", help="the shared folder holding data/ (default ../shared)")
    parser.add_argument("--limit", type=int, default=0, help="questions per pair (0: all 1,190)")
    parser.add_argument("--work", help="folder keeping the built indexes between runs (default: a new temporary one)")
    args = parser.parse_args(argv)
    data = shared_folder(args.shared)
    embedder = load_embedder(args.model)
    print(f"model: {embedder.name}")
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="casebook-meaning-"))
    sets = {lang: xquad(data, lang) for lang in ("es", "el")}
    folders = {}
    for lang, (sentences, _) in sets.items():
        started = time.perf_counter()
        folder = work / f"{lang}-{embedder.name}"
        if (folder / "VECTORS").is_file():  # built by an earlier run with --work
            folders[lang] = folder
            continue
        folders[lang] = build_collection(folder, lang, sentences, embedder)
        print(f"{lang}: {len(sentences)} sentences indexed with vectors in {time.perf_counter() - started:.1f} s")
    rows = {}
    for q_lang, d_lang in PAIRS:
        questions, relevant_here = sets[q_lang][1], sets[d_lang][1]
        asked = [(qid, text) for qid, (text, _) in questions.items()]
        if args.limit:
            asked = asked[:args.limit]
        relevant = {qid: relevant_here[qid][1] for qid, _ in asked}
        pair = f"{q_lang}->{d_lang}"
        rows.setdefault("plain BM25 (SOURCE.txt)", {})[pair] = ndcg10(
            plain_bm25(Path(tempfile.mkdtemp(prefix="plain-", dir=work)), sets[d_lang][0], asked), relevant)
        for name, policy in POLICIES.items():
            rows.setdefault(name, {})[pair] = ndcg10(run(folders[d_lang], asked, embedder, policy), relevant)
    print(f"\n| nDCG@10 | {' | '.join(f'{q}->{d}' for q, d in PAIRS)} |")
    print(f"|---|{'---|' * len(PAIRS)}")
    for name, figures in rows.items():
        cells = " | ".join(f"{figures[q + '->' + d]:.3f}" for q, d in PAIRS)
        print(f"| {name} | {cells} |")


if __name__ == "__main__":
    main()
