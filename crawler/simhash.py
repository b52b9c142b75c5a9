"""Near-duplicate pages: 64-bit SimHash over word shingles (Charikar; Manku et al.).

Two pages whose fingerprints differ in at most a few bits say the same thing
(a print version, a page with another date in its footer). Looking them up uses
the pigeonhole trick of Manku et al.: with a distance of at most 3, at least one
of four 16-bit bands of the fingerprint is identical, so only pages sharing a
band are compared.
"""

from __future__ import annotations

import hashlib
import re

BITS = 64
BANDS = 4
BAND_BITS = BITS // BANDS
SHINGLE = 3
MIN_WORDS = 20  # under this, fingerprints of unrelated short pages collide too easily
WORD = re.compile(r"\w+", re.UNICODE)


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def simhash(text: str) -> int | None:
    """The 64-bit SimHash of ``text``'s 3-word shingles; None for texts too short to judge."""
    words = WORD.findall(text.lower())
    if len(words) < MIN_WORDS:
        return None
    # Each shingle's hash as 64 characters "0"/"1", most significant bit first; zip(*rows) turns them into
    # columns, so counting a bit's votes is one C-level count instead of a Python loop over the shingles.
    rows = [f"{_hash64(' '.join(words[i:i + SHINGLE])):064b}" for i in range(len(words) - SHINGLE + 1)]
    half = len(rows) / 2
    votes = "".join("1" if column.count("1") > half else "0" for column in zip(*rows))
    return int(votes, 2)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def to_hex(fingerprint: int) -> str:
    return f"{fingerprint:016x}"


class NearDuplicateIndex:
    """Fingerprints of one crawl's documents, found again by band."""

    def __init__(self, max_distance: int = 3):
        if max_distance >= BANDS:
            raise ValueError(f"max_distance must be below {BANDS} for the band lookup to be exact")
        self.max_distance = max_distance
        self.bands: list[dict[int, list[tuple[int, int]]]] = [{} for _ in range(BANDS)]

    @staticmethod
    def _band(fingerprint: int, band: int) -> int:
        return (fingerprint >> (band * BAND_BITS)) & ((1 << BAND_BITS) - 1)

    def add(self, fingerprint: int, document_id: int) -> None:
        for band in range(BANDS):
            self.bands[band].setdefault(self._band(fingerprint, band), []).append((fingerprint, document_id))

    def find(self, fingerprint: int, exclude: int | None = None) -> tuple[int, int] | None:
        """(document id, distance) of the closest fingerprint within reach, or None."""
        best = None
        for band in range(BANDS):
            for other, document_id in self.bands[band].get(self._band(fingerprint, band), ()):
                distance = hamming(fingerprint, other)
                if document_id != exclude and distance <= self.max_distance and (best is None or distance < best[1]):
                    best = (document_id, distance)
        return best
