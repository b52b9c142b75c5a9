"""langdetect's language profiles held sparsely: the same answers in a fraction of the memory.

langdetect keeps, for each of its ~88,000 n-grams, a list of 55 probabilities, one per
language, although an n-gram occurs in about two languages on average: some 60 MB resident,
more than the rest of a crawler process, and 55 multiplications in Python per n-gram drawn.
Here an n-gram keeps only its non-zero ``(language index, probability)`` pairs, flattened in
a tuple, unfolded into langdetect's dense list when a text uses it, so every floating-point
operation, and therefore every answer, is langdetect's own.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

# The n-grams a detector has met are kept dense too, up to this many (~0.5 kB each): texts in a
# few languages keep meeting the same few thousand, so the common case runs langdetect's own loop.
MAX_DENSE = 20_000


class SparseDetector(Detector):
    """langdetect's detector over sparse profiles (``word_lang_prob_map`` values are flat pairs)."""

    def _update_lang_prob(self, prob, word, alpha):
        pairs = self.word_lang_prob_map.get(word)
        if pairs is None:
            return False
        dense = self.dense.get(word)
        if dense is None:
            dense = [0.0] * len(prob)
            for index in range(0, len(pairs), 2):
                dense[pairs[index]] = pairs[index + 1]
            if len(self.dense) < MAX_DENSE:
                self.dense[word] = dense
        weight = alpha / self.BASE_FREQ
        for i in range(len(prob)):  # langdetect's own loop, as fast as any rewriting of it in Python
            prob[i] *= weight + dense[i]
        return True


def profile_names() -> list[str]:
    """The profile files in the order langdetect itself loads them (its language indexes)."""
    return [name for name in os.listdir(PROFILES_DIRECTORY)
            if not name.startswith(".") and os.path.isfile(os.path.join(PROFILES_DIRECTORY, name))]


_LOADING = threading.Lock()  # crawl workers meeting their first text together must not each load the profiles


def sparse_factory(names: tuple[str, ...]) -> DetectorFactory:
    """A langdetect factory over the profiles ``names``, in that order, built without the dense lists."""
    with _LOADING:
        return _load(names)


@functools.lru_cache(maxsize=8)
def _load(names: tuple[str, ...]) -> DetectorFactory:
    factory = DetectorFactory()
    factory.seed = 0
    pairs: dict[str, list | tuple] = {}
    for index, name in enumerate(names):
        with open(os.path.join(PROFILES_DIRECTORY, name), encoding="utf-8") as handle:
            profile = json.load(handle)
        factory.langlist.append(profile["name"])
        n_words = profile["n_words"]
        for word, count in profile["freq"].items():
            found = pairs.setdefault(word, [])
            if 1 <= len(word) <= 3:  # as langdetect's add_profile: longer keys stay, with no probability
                found += (index, 1.0 * count / n_words[len(word) - 1])
    for word, found in pairs.items():
        pairs[word] = tuple(found)
    factory.word_lang_prob_map = pairs
    factory.dense = {}  # shared by its detectors; filled by whichever thread meets an n-gram first
    return factory


def detector(names: tuple[str, ...]) -> SparseDetector:
    factory = sparse_factory(names)
    found = SparseDetector(factory)
    found.dense = factory.dense
    return found
