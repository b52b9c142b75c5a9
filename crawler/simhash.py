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
    # Each shingle's hash as 64 characters "0"/"1", most significant bit first, all in one string: bit j
    # of every shingle is then the slice [j::64], and counting its votes is one C-level count.
    bits = "".join([f"{_hash64(f'{a} {b} {c}'):064b}" for a, b, c in zip(words, words[1:], words[2:])])
    half = (len(words) - SHINGLE + 1) / 2
    return int("".join(["1" if bits[j::BITS].count("1") > half else "0" for j in range(BITS)]), 2)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def to_hex(fingerprint: int) -> str:
    return f"{fingerprint:016x}"


class NearDuplicateIndex:
    """Fingerprints of the documents a crawl may merge into, found again by band.

    One fingerprint per document: a page stored again with a changed text replaces its old
    fingerprint, or pages saying what it no longer says would still be merged into it.
    """

    def __init__(self, max_distance: int = 3):
        if max_distance >= BANDS:
            raise ValueError(f"max_distance must be below {BANDS} for the band lookup to be exact")
        self.max_distance = max_distance
        self.bands: list[dict[int, list[tuple[int, int]]]] = [{} for _ in range(BANDS)]
        self.fingerprints: dict[int, int] = {}  # document id -> its current fingerprint

    @staticmethod
    def _band(fingerprint: int, band: int) -> int:
        return (fingerprint >> (band * BAND_BITS)) & ((1 << BAND_BITS) - 1)

    def add(self, fingerprint: int, document_id: int) -> None:
        """Index ``document_id`` by ``fingerprint``, in place of any fingerprint it had."""
        self.discard(document_id)
        self.fingerprints[document_id] = fingerprint
        for band in range(BANDS):
            self.bands[band].setdefault(self._band(fingerprint, band), []).append((fingerprint, document_id))

    def discard(self, document_id: int) -> None:
        """Forget ``document_id`` (its text changed, or became too short to fingerprint)."""
        fingerprint = self.fingerprints.pop(document_id, None)
        if fingerprint is None:
            return
        for band in range(BANDS):
            key = self._band(fingerprint, band)
            kept = [item for item in self.bands[band][key] if item[1] != document_id]
            if kept:
                self.bands[band][key] = kept
            else:
                del self.bands[band][key]

    def find(self, fingerprint: int) -> tuple[int, int] | None:
        """(document id, distance) of the closest fingerprint within reach, or None."""
        best = None
        for band in range(BANDS):
            for other, document_id in self.bands[band].get(self._band(fingerprint, band), ()):
                distance = hamming(fingerprint, other)
                if distance <= self.max_distance and (best is None or distance < best[1]):
                    best = (document_id, distance)
        return best
