"""The files of a vector folder: its parts, its quantiser and the parts' cell lists.

A part is written to a temporary name and renamed into place (``write_atomically``),
and read back a few thousand rows at a time (``row_blocks``), so that neither a
reader nor a serving process's memory ever holds more than it needs. The quantiser
(``index.ivf``) is trained here from a sample of the parts' rows, and each part's
rows are listed under their cells in a file of their own, written before the part
(``write_part``) or, for a new quantiser, before the quantiser itself: a reader
taking the newest quantiser finds every list it needs, or reads those rows whole.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from index.ivf import ANN_FROM, CHUNK, TRAIN_PER_LIST, assign, list_count, train

POINTER = "VECTORS"
MODEL = "MODEL"


def folder_of(generation: Path) -> Path | None:
    try:
        name = (generation / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    folder = generation / name
    return folder if name and folder.is_dir() else None


def parts_of(folder: Path) -> list[Path]:
    return sorted(folder.glob("part-*.npz"))


def quantiser_of(folder: Path) -> tuple[int, Path] | None:
    """The folder's quantiser (the newest: a retrained one is written after its cell lists)."""
    found = sorted(folder.glob("quantiser-*.npz"))
    return (int(found[-1].stem[10:]), found[-1]) if found else None


def cells_path(part: Path, quantiser: int) -> Path:
    """Where the cells of ``part``'s rows under quantiser number ``quantiser`` are kept."""
    return part.with_name(f"cells-{part.stem[5:]}-{quantiser:04d}.npz")


def files_key(folder: Path) -> tuple:
    """What a loaded VectorSet depends on: the parts, the quantiser and its cell lists (the lists of
    a newer quantiser, written before it, are not looked at)."""
    names = sorted(name for name in os.listdir(folder) if name.endswith(".npz"))
    quantisers = [name for name in names if name.startswith("quantiser-")]
    cells = f"-{quantisers[-1][10:]}" if quantisers else "none"
    return (folder.name, tuple(name for name in names if name.startswith("part-") or name in quantisers[-1:]
                               or (name.startswith("cells-") and name.endswith(cells))))


def meta_of(folder: Path) -> dict:
    try:
        return json.loads((folder / MODEL).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def write_atomically(path: Path, **arrays) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        np.savez(handle, **arrays)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_part(folder: Path, covered: np.ndarray, doc_ids: np.ndarray, hashes: np.ndarray,
                counts: np.ndarray, matrix: np.ndarray, cells: np.ndarray | None = None) -> Path:
    """Write the next part; its rows' ``cells`` (or, with a quantiser, cells assigned now) go first,
    so that a reader finds a new part with its cell list."""
    numbers = [int(p.stem[5:]) for p in parts_of(folder)]
    path = folder / f"part-{max(numbers, default=0) + 1:06d}.npz"
    quantiser = quantiser_of(folder)
    if quantiser is not None:
        if cells is None or (cells < 0).any():
            centroids = np.load(quantiser[1])["centroids"]
            cells = np.full(len(matrix), -1, dtype=np.int32) if cells is None else cells.astype(np.int32)
            unlisted = np.flatnonzero(cells < 0)
            cells[unlisted] = assign(centroids, matrix[unlisted])
        write_atomically(cells_path(path, quantiser[0]), cells=cells.astype(np.int32))
    write_atomically(path, covered=covered.astype(np.int64), doc_ids=doc_ids.astype(np.int64),
                      hashes=hashes.astype(np.int64), counts=counts.astype(np.int64),
                      vectors=matrix.astype(np.float16))
    return path


def copy_cells(path: Path, rows: int, wanted: list[tuple[int, int, int]], cells: np.ndarray) -> None:
    """As ``copy_rows``, the cells of a part's rows; none when its list is missing or not of this part."""
    if not path.is_file():
        return
    with np.load(path) as data:
        found = data["cells"]
    if len(found) != rows:
        return
    for first, count, start in wanted:
        cells[start:start + count] = found[first:first + count]


def copy_rows(part: Path, wanted: list[tuple[int, int, int]], matrix: np.ndarray, chunk: int = 8192) -> None:
    """Copy the part's vector rows [first, first + rows) to matrix rows [start, ...), for each
    (first, rows, start) of ``wanted``, reading the part's float16 vectors ``chunk`` rows at a time."""
    source = np.concatenate([np.arange(first, first + rows) for first, rows, _ in wanted])
    target = np.concatenate([np.arange(start, start + rows) for _, rows, start in wanted])
    order = np.argsort(source, kind="stable")
    source, target = source[order], target[order]
    for begin, block in row_blocks(part, chunk):
        low, high = np.searchsorted(source, [begin, begin + len(block)])
        matrix[target[low:high]] = block[source[low:high] - begin]


def row_blocks(part: Path, chunk: int):
    """(first row, rows) of the part's ``vectors`` array, ``chunk`` rows at a time. np.savez stores
    its arrays uncompressed, each an .npy file in the zip, so the rows can be read as a stream."""
    with zipfile.ZipFile(part) as archive, archive.open("vectors.npy") as stream:
        version = np.lib.format.read_magic(stream)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
            np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read_header(stream)
        if fortran_order or len(shape) != 2:
            with np.load(part) as data:
                yield 0, data["vectors"]
            return
        width = shape[1] * dtype.itemsize
        for begin in range(0, shape[0], chunk):
            rows = min(chunk, shape[0] - begin)
            yield begin, np.frombuffer(stream.read(rows * width), dtype=dtype).reshape(rows, shape[1])


def ensure_quantiser(generation: Path) -> None:
    """Give the generation's vectors from ``ANN_FROM`` passages a quantiser and every part its cell
    list; train it again when the passages have grown fourfold since. The caller holds the index
    writer lock. Readers never see a half-written one: a part's cells are written before it, a new
    quantiser's cell lists before the quantiser, and readers take the newest quantiser."""
    folder = folder_of(generation)
    if folder is None:
        return
    rows = {part: int(np.load(part)["counts"].sum()) for part in parts_of(folder)}
    total = sum(rows.values())
    quantiser = quantiser_of(folder)
    trained_on = int(np.load(quantiser[1])["trained_on"]) if quantiser else 0
    if quantiser is not None and total <= 4 * trained_on:
        centroids = np.load(quantiser[1])["centroids"]
        for part in rows:
            if not cells_path(part, quantiser[0]).is_file():
                write_atomically(cells_path(part, quantiser[0]), cells=_assigned(part, centroids))
        return
    if total < ANN_FROM:
        return
    lists = list_count(total)
    centroids = train(_sample(rows, min(total, lists * TRAIN_PER_LIST)), lists)
    number = quantiser[0] + 1 if quantiser else 1
    for part in rows:
        write_atomically(cells_path(part, number), cells=_assigned(part, centroids))
    write_atomically(folder / f"quantiser-{number:04d}.npz", centroids=centroids, trained_on=np.int64(total))
    for stale in folder.glob("*.npz"):
        if stale.name.startswith(("cells-", "quantiser-")) and not stale.stem.endswith(f"-{number:04d}"):
            stale.unlink(missing_ok=True)


def _assigned(part: Path, centroids: np.ndarray) -> np.ndarray:
    blocks = [assign(centroids, block) for _, block in row_blocks(part, CHUNK)]
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int32)


def _sample(rows: dict[Path, int], size: int, seed: int = 0) -> np.ndarray:
    """``size`` rows of the parts drawn at random (a superseded row may be one: it was a passage too)."""
    chosen = np.sort(np.random.default_rng(seed).choice(sum(rows.values()), size=size, replace=False))
    picked, offset = [], 0
    for part, count in rows.items():
        mine = chosen[(chosen >= offset) & (chosen < offset + count)] - offset
        for begin, block in row_blocks(part, CHUNK):
            at = mine[(mine >= begin) & (mine < begin + len(block))] - begin
            picked.append(block[at].astype(np.float32))
        offset += count
    return np.concatenate(picked)
