"""Passage vectors, kept with the index generation they belong to.

A generation folder holds, beside Whoosh's files, a pointer file ``VECTORS`` that
names a vector folder (``vectors-0001``) holding ``MODEL`` (which embedder built
them) and parts ``part-000001.npz``. Each part lists the documents it covers and
their passages' vectors (float16 on disk; in memory float32, or int8 with a scale
per row from ``index.ivf.ANN_FROM`` passages); a later part supersedes an earlier
one for the documents it lists, with no passages for a deleted one. An update is
one new part written to a temporary name and renamed into place, so a reader sees
it whole or not at all (``index.vector_files``); many parts are merged into one
now and then. A model change writes a new vector folder and swaps the
pointer atomically, leaving the Whoosh index alone.

From ``ANN_FROM`` passages the indexer adds a quantiser (``index.ivf``):
``quantiser-0001.npz`` holds its centroids, and each part's rows have their cells
in ``cells-000001-0001.npz`` (part 1, quantiser 1), written before the part. A
part without its cell list (or with one of another quantiser) is read whole by
every query: slower, never wrong, and reported by ``check_vectors``.

Each document also keeps a hash of its passages' text: a rebuild copies the
vectors of every document whose passages did not change from the generation it
replaces, so only new and changed documents are embedded again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from index.embedding import Embedder
from index.ivf import ANN_FROM, PROBE_FROM, InvertedLists
from index.passages import passages_of
from index.vector_files import (MODEL, POINTER, cells_path, copy_cells, copy_rows, ensure_quantiser, files_key,
                                folder_of, meta_of, parts_of, quantiser_of, write_part)

MAX_PARTS = 12  # more parts than this are merged into one (a load reads every part)
BATCH = 64  # passages embedded per call
# int8 rows made float32 per block of the product: 1,024 rows (1.5 MB at 384 dimensions) stay in a core's
# cache between the cast and the product. 285,697 rows, one math thread: 28 ms a query against 39 ms
# for blocks of 8,192 (12 MB) made as new arrays (/tmp bench in the commit message).
PRODUCT_ROWS = 1024
_CACHE_LOCK = threading.Lock()
_CACHE: dict[str, tuple[tuple, "VectorSet"]] = {}


@dataclass(frozen=True)
class DocumentText:
    id: int
    title: str
    description: str
    text: str

    def passages(self) -> list[str]:
        return passages_of(self.title, self.description, self.text)


def passage_hash(passages: list[str]) -> int:
    digest = hashlib.blake2b("\x1f".join(passages).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


@dataclass(frozen=True)
class VectorSet:
    """The live vectors of one generation: passages grouped by document, documents in id order.

    From ``ANN_FROM`` passages the matrix is int8 in memory, each row with its scale (a quarter of
    float32's RSS in every serving process; cosines within about 0.002), rows being made float32 a
    chunk at a time as they are read: numpy makes float16 float32 at 2.5 ns a number here, int8 at
    0.6. With the generation's quantiser (``lists``) a query reads only its closest cells' passages."""

    model: str
    dim: int
    doc_ids: np.ndarray  # (documents,) int64, ascending
    hashes: np.ndarray  # (documents,) int64: passage_hash of each document's passages
    starts: np.ndarray  # (documents,) int64: first passage row of each document
    matrix: np.ndarray  # (passages, dim) float32; int8 from ANN_FROM passages (or float16 read to be copied)
    key: tuple = ()  # the folder's files it was read from: a new part, cell list or quantiser changes it
    lists: InvertedLists | None = None  # None: every query reads every passage (exact)
    row_documents: np.ndarray | None = None  # (passages,) int32: each row's document (with ``lists``)
    scales: np.ndarray | None = None  # (passages,) float32: an int8 row times its scale is the vector

    @property
    def passages(self) -> int:
        return len(self.matrix)

    def best_per_document(self, queries: np.ndarray, probe: bool | None = None) -> np.ndarray:
        """Each document's closest passage's cosine with ``queries`` (one, or the best of several rows),
        aligned with doc_ids. When the quantiser is probed (``probe``; None: as ``probes`` says for this
        set's size), a document none of whose passages was probed gets -inf."""
        if not len(self.doc_ids):
            return np.zeros(0, dtype=np.float32)
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        if not (probes(self) if probe is None else probe and self.lists is not None):
            return np.maximum.reduceat(_best_of(self.matrix, self.scales, queries), self.starts)
        rows = self.lists.probed_rows(queries[0]) if len(queries) == 1 else \
            np.unique(np.concatenate([self.lists.probed_rows(query) for query in queries]))  # each row read once
        best = np.full(len(self.doc_ids), -np.inf, dtype=np.float32)
        np.maximum.at(best, self.row_documents[rows], _best_of(self.matrix, self.scales, queries, rows))
        return best

    def vectors_of(self, doc_id: int) -> np.ndarray:
        at = int(np.searchsorted(self.doc_ids, doc_id))
        if at >= len(self.doc_ids) or self.doc_ids[at] != doc_id:
            return np.zeros((0, self.dim), dtype=np.float32)
        end = self.starts[at + 1] if at + 1 < len(self.starts) else len(self.matrix)
        rows = self.matrix[self.starts[at]:end].astype(np.float32)
        return rows if self.scales is None else rows * self.scales[self.starts[at]:end, None]


def _best_of(matrix: np.ndarray, scales: np.ndarray | None, queries: np.ndarray,
             rows: np.ndarray | None = None) -> np.ndarray:
    """Each row's (of ``rows``, or all) best cosine with any of ``queries`` (k, dim); a matrix not float32
    is made float32 ``PRODUCT_ROWS`` rows at a time into one buffer (numpy has no int8 or float16
    product)."""
    if rows is None and matrix.dtype == np.float32:
        return (matrix @ queries.T).max(axis=1)
    count = len(matrix) if rows is None else len(rows)
    out = np.empty(count, dtype=np.float32)
    buffer = np.empty((PRODUCT_ROWS, matrix.shape[1]), dtype=np.float32)
    for begin in range(0, count, PRODUCT_ROWS):
        at = slice(begin, begin + PRODUCT_ROWS) if rows is None else rows[begin:begin + PRODUCT_ROWS]
        block = buffer[:min(PRODUCT_ROWS, count - begin)]
        block[...] = matrix[at]  # cast into the buffer: no new array per block
        products = block @ queries.T
        if scales is not None:
            products *= scales[at, None]
        out[begin:begin + len(products)] = products.max(axis=1)
    return out


class _Int8Rows:
    """Matrix rows that ``copy_rows`` fills, kept as int8 with a scale per row (symmetric: the row's
    largest magnitude is 127)."""

    def __init__(self, rows: int, dim: int):
        self.matrix = np.empty((rows, dim), dtype=np.int8)
        self.scales = np.empty(rows, dtype=np.float32)

    def __setitem__(self, target: np.ndarray, block: np.ndarray) -> None:
        block = block.astype(np.float32)
        scales = np.abs(block).max(axis=1) / 127
        scales[scales == 0] = 1
        self.matrix[target] = np.rint(block / scales[:, None])
        self.scales[target] = scales


def empty_set(model: str = "", dim: int = 0) -> VectorSet:
    return VectorSet(model, dim, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64),
                     np.zeros((0, dim), np.float32))


def model_of(generation: Path) -> str | None:
    """The name of the embedder that built the generation's vectors; None without vectors."""
    folder = folder_of(generation)
    return meta_of(folder).get("model") if folder else None


def _read(folder: Path, key: tuple = (), lossless: bool = False) -> VectorSet:
    """Merge the parts of ``folder``: the newest part covering a document wins.

    The matrix is allocated once and filled part by part, a few thousand rows at a time:
    holding every part's float16 vectors, their concatenation and the float32 copy at once peaked
    at 806 MB of RSS for a 366 MB matrix (250,000 passages; then 460 MB, and int8 rows from ANN_FROM
    passages now), in every serving process, at every new generation (bench/meaning_budget.py).
    With a quantiser, each row's cell comes from its part's cell list (none: unlisted). ``lossless``
    keeps a matrix of ANN_FROM passages or more float16, as on disk, to be written again."""
    meta = meta_of(folder)
    dim = int(meta.get("dim", 0))
    claimed: set[int] = set()
    pieces: list[tuple[int, int, Path, int, int]] = []  # doc id, hash, part, first row there, rows
    part_rows: dict[Path, int] = {}
    for part in reversed(parts_of(folder)):
        with np.load(part) as data:
            covered, doc_ids, hashes, counts = data["covered"], data["doc_ids"], data["hashes"], data["counts"]
        offsets = np.concatenate([[0], np.cumsum(counts)]).tolist()
        part_rows[part] = offsets[-1]
        for i, doc_id in enumerate(doc_ids.tolist()):
            if doc_id not in claimed and counts[i]:
                pieces.append((doc_id, int(hashes[i]), part, offsets[i], offsets[i + 1] - offsets[i]))
        claimed.update(covered.tolist())
    if not pieces:
        return empty_set(meta.get("model", ""), dim)
    pieces.sort(key=lambda piece: piece[0])
    counts = np.array([p[4] for p in pieces], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    total = int(counts.sum())
    if total < ANN_FROM or lossless:
        matrix = sink = np.empty((total, dim), dtype=np.float32 if total < ANN_FROM else np.float16)
    else:
        sink = _Int8Rows(total, dim)
        matrix = sink.matrix
    quantiser = quantiser_of(folder)
    cells = None if quantiser is None else np.full(total, -1, dtype=np.int32)
    by_part: dict[Path, list[tuple[int, int, int]]] = {}
    for (_, _, part, first, rows), start in zip(pieces, starts.tolist()):
        by_part.setdefault(part, []).append((first, rows, start))
    for part, wanted in by_part.items():
        copy_rows(part, wanted, sink)
        if quantiser is not None:
            copy_cells(cells_path(part, quantiser[0]), part_rows[part], wanted, cells)
    lists = None if quantiser is None else InvertedLists.of(np.load(quantiser[1])["centroids"], cells)
    row_documents = None if lists is None else np.repeat(np.arange(len(pieces), dtype=np.int32), counts)
    return VectorSet(meta.get("model", ""), dim, np.array([p[0] for p in pieces], dtype=np.int64),
                     np.array([p[1] for p in pieces], dtype=np.int64), starts, matrix, key, lists, row_documents,
                     None if sink is matrix else sink.scales)


def read_vectors(generation: Path) -> VectorSet | None:
    """The generation's vectors as on disk (float16 from ANN_FROM passages), read now and not kept: for
    copying them to another generation without the loss of the int8 rows ``load_vectors`` keeps."""
    folder = folder_of(generation)
    return None if folder is None else _read(folder, lossless=True)


def load_vectors(generation: Path | None) -> VectorSet | None:
    """The generation's vectors, read once per version of its parts and shared; None without."""
    if generation is None:
        return None
    for _ in range(3):  # a merge may remove a part between listing and reading: list again
        folder = folder_of(generation)
        if folder is None:
            return None
        try:
            key = files_key(folder)
            with _CACHE_LOCK:
                cached = _CACHE.get(str(generation))
            if cached and cached[0] == key:
                return cached[1]
            vectors = _read(folder, key)
        except FileNotFoundError:
            continue
        with _CACHE_LOCK:
            _CACHE[str(generation)] = (key, vectors)
            for stale in [k for k in _CACHE if not Path(k).is_dir()]:
                _CACHE.pop(stale)
        return vectors
    return None


def _embed(embedder: Embedder, documents: list[tuple[int, int, list[str]]]) -> np.ndarray:
    texts = [text for _, _, passages in documents for text in passages]
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.concatenate([embedder.passages(texts[i:i + BATCH]) for i in range(0, len(texts), BATCH)])


class VectorWriter:
    """Writes one part: the vectors of the documents given, reusing those of ``reuse`` (an
    earlier VectorSet of the same model) for documents whose passages are unchanged."""

    def __init__(self, folder: Path, embedder: Embedder, reuse: VectorSet | None = None):
        self.folder, self.embedder = folder, embedder
        self.reuse = reuse if reuse is not None and reuse.model == embedder.name else None
        self.covered: list[int] = []
        self.fresh: list[tuple[int, int, list[str]]] = []
        self.kept: list[tuple[int, int, np.ndarray]] = []

    def add(self, document: DocumentText) -> None:
        passages = document.passages()
        digest = passage_hash(passages)
        self.covered.append(document.id)
        if self.reuse is not None:
            at = int(np.searchsorted(self.reuse.doc_ids, document.id))
            if at < len(self.reuse.doc_ids) and self.reuse.doc_ids[at] == document.id \
                    and self.reuse.hashes[at] == digest:
                self.kept.append((document.id, digest, self.reuse.vectors_of(document.id)))
                return
        if passages:
            self.fresh.append((document.id, digest, passages))

    def remove(self, doc_id: int) -> None:
        self.covered.append(doc_id)

    def commit(self) -> int:
        """Write the part (if it changes anything); returns the passages embedded."""
        if not self.covered:
            return 0
        fresh = _embed(self.embedder, self.fresh)
        rows = [(doc_id, digest, len(passages)) for doc_id, digest, passages in self.fresh]
        rows += [(doc_id, digest, len(vectors)) for doc_id, digest, vectors in self.kept]
        matrix = np.concatenate([fresh, *[vectors for _, _, vectors in self.kept]]) if self.kept else fresh
        write_part(self.folder, np.array(self.covered, dtype=np.int64),
                    np.array([r[0] for r in rows], dtype=np.int64), np.array([r[1] for r in rows], dtype=np.int64),
                    np.array([r[2] for r in rows], dtype=np.int64), matrix.reshape(-1, self.embedder.dim))
        return len(fresh)


def new_vector_folder(generation: Path, embedder: Embedder) -> Path:
    """An empty vector folder in ``generation`` for ``embedder`` (not yet pointed at)."""
    numbers = [int(p.name[8:]) for p in generation.glob("vectors-*") if p.name[8:].isdigit()]
    folder = generation / f"vectors-{max(numbers, default=0) + 1:04d}"
    folder.mkdir()
    (folder / MODEL).write_text(json.dumps({"model": embedder.name, "dim": embedder.dim}), encoding="utf-8")
    return folder


def point_to(generation: Path, folder: Path) -> None:
    """Make ``folder`` the generation's vectors (atomically), and remove the ones it replaces."""
    tmp = generation / f"{POINTER}.tmp"
    tmp.write_text(folder.name, encoding="utf-8")
    os.replace(tmp, generation / POINTER)
    for old in generation.glob("vectors-*"):
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)


def writer_for(generation: Path, embedder: Embedder) -> VectorWriter | None:
    """A writer adding a part to the generation's vectors; None when they were built by another
    model (they need ``rebuild_vectors``) or there are none."""
    folder = folder_of(generation)
    if folder is None or meta_of(folder).get("model") != embedder.name:
        return None
    return VectorWriter(folder, embedder)


def compact(generation: Path, force: bool = False) -> None:
    """Merge the parts into one when there are many, or with ``force`` when there are two or more (a
    removed document's vectors then leave the older parts); the caller holds the index writer lock."""
    folder = folder_of(generation)
    if folder is None or len(parts_of(folder)) <= (1 if force else MAX_PARTS):
        return
    merged = _read(folder, lossless=True)
    old = parts_of(folder)
    counts = np.diff(np.concatenate([merged.starts, [merged.passages]])) if len(merged.doc_ids) else np.zeros(0)
    covered = np.unique(np.concatenate([np.load(p)["covered"] for p in old])) if old else np.zeros(0)
    cells = merged.lists.cells(merged.passages) if merged.lists is not None else None  # kept, not assigned again
    write_part(folder, covered, merged.doc_ids, merged.hashes, counts, merged.matrix, cells)
    for part in old:
        part.unlink(missing_ok=True)
        for stale in folder.glob(f"cells-{part.stem[5:]}-*.npz"):
            stale.unlink(missing_ok=True)


def write_all(generation: Path, embedder: Embedder, documents: Iterable[DocumentText],
              reuse: VectorSet | None = None) -> int:
    """Fill a new vector folder of ``generation`` with ``documents`` and point to it; returns the
    passages embedded (documents unchanged since ``reuse`` are copied, not embedded)."""
    folder = new_vector_folder(generation, embedder)
    embedded = 0
    writer = VectorWriter(folder, embedder, reuse)
    for document in documents:
        writer.add(document)
        if len(writer.covered) >= 2000:  # bounded memory on big rebuilds: one part per 2,000 documents
            embedded += writer.commit()
            writer = VectorWriter(folder, embedder, reuse)
    embedded += writer.commit()
    point_to(generation, folder)
    compact(generation)
    ensure_quantiser(generation)
    return embedded


def check_vectors(generation: Path | None, live_ids: set[int], embedder_name: str | None) -> dict:
    """What ``kb index --check`` and ``kb check`` report of the vectors."""
    vectors = load_vectors(generation)
    if vectors is None:
        return {"model": None, "documents": 0, "passages": 0, "missing_all": sorted(live_ids),
                "missing_count": len(live_ids), "extra_count": 0, "model_current": False}
    have = set(vectors.doc_ids.tolist())
    missing = live_ids - have
    return {"model": vectors.model, "documents": len(have), "passages": vectors.passages,
            "missing_all": sorted(missing), "missing_count": len(missing), "extra_count": len(have - live_ids),
            "model_current": embedder_name is not None and vectors.model == embedder_name,
            "ann": ann_report(vectors)}


def probes(vectors: "VectorSet") -> bool:
    """Whether a query reads the quantiser's closest cells (from ``PROBE_FROM`` passages) or every row."""
    return vectors.lists is not None and vectors.passages >= PROBE_FROM


def ann_report(vectors: VectorSet) -> dict:
    """How a query searches the vectors: ``exact`` (every passage), or ``ivf`` with the quantiser's
    cells; ``due`` when the passages reached ``ANN_FROM`` without a quantiser, ``unlisted`` the
    passages every query reads for want of a cell list."""
    lists = vectors.lists
    return {"search": "ivf" if probes(vectors) else "exact", "from_passages": ANN_FROM,
            "probe_from_passages": PROBE_FROM,
            "cells": 0 if lists is None else len(lists.centroids),
            "unlisted": 0 if lists is None else len(lists.unlisted),
            "due": lists is None and vectors.passages >= ANN_FROM}
