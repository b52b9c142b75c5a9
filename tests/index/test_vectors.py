"""Passage vectors on disk: parts merged on load, the newest part winning, read a few rows at a time."""

from __future__ import annotations

import numpy as np

from index.vectors import DocumentText, VectorWriter, load_vectors, new_vector_folder, point_to


class CountingEmbedder:
    """A stand-in model: each passage's vector says which document, part and passage it was."""

    name = "counting"
    dim = 4

    def passages(self, texts: list[str]) -> np.ndarray:
        rows = [[float(w) for w in text.split()[:3]] + [1.0] for text in texts]
        vectors = np.array(rows, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def query(self, text: str) -> np.ndarray:
        raise NotImplementedError


def document(doc_id: int, part: int, passages: int) -> DocumentText:
    # one sentence of 110 words per passage, so passages_of makes exactly ``passages`` of the body
    body = " ".join(" ".join([str(doc_id), str(part), str(i)] + ["w"] * 107) + "." for i in range(passages))
    return DocumentText(doc_id, "", "", body)


def test_vectors_of_many_parts_load_as_the_newest_part_of_each_document_says(tmp_path, monkeypatch):
    import index.vectors

    monkeypatch.setattr(index.vectors, "copy_rows", _small_chunks(index.vectors.copy_rows))
    embedder = CountingEmbedder()
    folder = new_vector_folder(tmp_path, embedder)
    point_to(tmp_path, folder)
    expected = {}
    for part, ids in enumerate([range(1, 8), range(4, 11, 2), range(2, 4)], start=1):
        writer = VectorWriter(folder, embedder)
        for doc_id in ids:
            count = 1 + (doc_id + part) % 3
            writer.add(document(doc_id, part, count))
            expected[doc_id] = (part, count)
        if part == 2:
            writer.remove(5)
            expected.pop(5)
        writer.commit()
    vectors = load_vectors(tmp_path)
    assert vectors.doc_ids.tolist() == sorted(expected)
    assert vectors.matrix.dtype == np.float32 and vectors.passages == sum(c for _, c in expected.values())
    for doc_id, (part, count) in expected.items():
        found = vectors.vectors_of(doc_id)
        want = embedder.passages([f"{doc_id} {part} {i}" for i in range(count)])
        assert np.allclose(found, want, atol=1e-3), doc_id


def _small_chunks(copy_rows):
    def copy(part, wanted, matrix, chunk=8192):
        return copy_rows(part, wanted, matrix, chunk=2)  # chunk edges fall inside documents
    return copy
