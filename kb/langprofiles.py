"""langdetect's language profiles held sparsely: the same answers in a fraction of the memory.

langdetect keeps, for each of its ~88,000 n-grams, a list of 55 probabilities, one per
language, although an n-gram occurs in about two languages on average: some 60 MB resident,
more than the rest of a crawler process, and 55 multiplications in Python per n-gram drawn.
Here an n-gram keeps only its non-zero ``(language index, probability)`` pairs, packed in
one bytes object (9 bytes a pair, the probability as the exact double), unfolded into
langdetect's dense list when a text uses it, so every floating-point operation, and therefore
every answer, is langdetect's own. Packed, the 88,000 n-grams' pairs take some 5 MB instead of
the 11 MB a tuple of Python ints and floats each took.
"""

from __future__ import annotations

import functools
import json
import os
import re
import struct
import threading

from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

PAIR = struct.Struct("<Bd")  # language index, probability
# The n-grams a detector has met are kept dense too, up to this many (~0.6 kB each): the first met
# are the common ones, so 4,000 spare most unfolding (bench pages: 2.0 ms language per page without
# this cache, 1.8 with 4,000 or with 20,000, which filled 8,000 entries, 5 MB, on 2,000 pages).
MAX_DENSE = 4_000
SPACES = re.compile(" {2,}")
LATIN = re.compile("[A-z]")  # langdetect's own test, 'A' <= ch <= 'z', brackets and all
# langdetect counts every character from U+0300 up as non-Latin: its exception for "Latin Extended
# Additional" compares a block number with a block name, so it never applies; kept as it behaves.
NON_LATIN = re.compile("[\u0300-\U0010ffff]")
class _Normalized(dict):
    """langdetect's NGram.normalize of each character met, as a ``str.translate`` table."""

    def __missing__(self, code: int) -> str:
        self[code] = normal = NGram.normalize(chr(code))
        return normal


_NORMALIZED = _Normalized()


def word_ngrams(word: str, known) -> list[str]:
    """The known 1- to 3-grams langdetect draws from one normalised ``word`` (ending in its space, if any).

    As NGram.add_char: the window starts at the space before the word, and each character adds the
    1-, 2- and 3-gram it ends; in a run of capitals, the second one on draws nothing.
    """
    padded = " " + word
    if len(padded) < 2 or padded[1] == " ":
        return []
    if any(map(str.isupper, word[1:])):
        return _capitalised_word_ngrams(padded, known)
    grams = [padded[1], padded[:2]]
    grams += [gram for end in range(2, len(padded))
              for gram in (padded[end], padded[end - 1:end + 1], padded[end - 2:end + 1])]
    return [gram for gram in grams if gram in known and gram != " "]


def _capitalised_word_ngrams(padded: str, known) -> list[str]:
    found = []
    capital = False
    for end in range(1, len(padded)):
        char = padded[end]
        capital = char.isupper() and (capital or padded[end - 1].isupper())
        if capital:
            continue
        for start in range(end, max(0, end - 2) - 1, -1):
            gram = padded[start:end + 1]
            if gram != " " and gram in known:
                found.append(gram)
    return found


class SparseDetector(Detector):
    """langdetect's detector over sparse profiles (``word_lang_prob_map`` values are packed pairs).

    Reading the text (``append``, ``cleaning_text``, ``_extract_ngrams``) is rewritten with regular
    expressions and a cache of normalised characters: langdetect's per-character Python calls cost
    as much as its seven trials. The n-grams drawn are the same, in the same order, so the random
    walk, and every probability, stays langdetect's own.
    """

    def append(self, text):
        text = NGram.normalize_vi(self.MAIL_RE.sub(" ", self.URL_RE.sub(" ", text)))
        self.text += SPACES.sub(" ", text[:self.max_text_length])  # a run of spaces counts as one

    def cleaning_text(self):
        latin = len(LATIN.findall(self.text))
        if latin * 2 < len(NON_LATIN.findall(self.text)):
            self.text = LATIN.sub("", self.text)

    def _extract_ngrams(self):
        """langdetect's n-grams of the text: NGram.add_char starts afresh after each space, so they
        are those of each word in turn (with the space after it), and a word met again costs a lookup."""
        words = self.text.translate(_NORMALIZED).split(" ")
        words[:-1] = [word + " " for word in words[:-1]]
        known, seen, found = self.word_lang_prob_map, {}, []
        for word in words:
            grams = seen.get(word)
            if grams is None:
                grams = seen[word] = word_ngrams(word, known)
            found += grams
        return found

    def _detect_block(self):
        """langdetect's seven random walks over the text's n-grams, with its calls inlined: the same
        random draws, and the same floating-point operations in the same order."""
        self.cleaning_text()
        ngrams = self._extract_ngrams()
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        self.langprob = [0.0] * len(self.langlist)
        self.random.seed(self.seed)
        choice, vectors = self.random.choice, {}
        for _trial in range(self.n_trial):
            prob = self._init_probability()
            alpha = self.alpha + self.random.gauss(0.0, 1.0) * self.ALPHA_WIDTH
            weight = alpha / self.BASE_FREQ
            i = 0
            while True:
                word = choice(ngrams)
                dense = vectors.get(word) or vectors.setdefault(word, self._dense(word))
                for k in range(len(prob)):  # langdetect's own loop, as fast as any rewriting of it in Python
                    prob[k] *= weight + dense[k]
                if i % 5 == 0:
                    total = sum(prob)
                    prob[:] = [p / total for p in prob]
                    if max(prob) > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT:
                        break
                i += 1
            for j in range(len(self.langprob)):
                self.langprob[j] += prob[j] / self.n_trial

    def _dense(self, word: str) -> list[float]:
        """langdetect's list of 55 probabilities for ``word``, unfolded from its pairs (and kept)."""
        dense = self.dense.get(word)
        if dense is None:
            dense = unfold(self.word_lang_prob_map[word], len(self.langlist))
            if len(self.dense) < MAX_DENSE:
                self.dense[word] = dense
        return dense

    def _update_lang_prob(self, prob, word, alpha):
        if word not in self.word_lang_prob_map:
            return False
        dense = self._dense(word)
        weight = alpha / self.BASE_FREQ
        for i in range(len(prob)):
            prob[i] *= weight + dense[i]
        return True


def unfold(pairs: bytes, size: int) -> list[float]:
    """langdetect's dense list of ``size`` probabilities from an n-gram's packed pairs."""
    dense = [0.0] * size
    for index, probability in PAIR.iter_unpack(pairs):
        dense[index] = probability
    return dense


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
    pairs: dict[str, bytearray | bytes] = {}
    for index, name in enumerate(names):
        with open(os.path.join(PROFILES_DIRECTORY, name), encoding="utf-8") as handle:
            profile = json.load(handle)
        factory.langlist.append(profile["name"])
        n_words = profile["n_words"]
        for word, count in profile["freq"].items():
            found = pairs.setdefault(word, bytearray())
            if 1 <= len(word) <= 3:  # as langdetect's add_profile: longer keys stay, with no probability
                found += PAIR.pack(index, 1.0 * count / n_words[len(word) - 1])
    for word, found in pairs.items():
        pairs[word] = bytes(found)
    factory.word_lang_prob_map = pairs
    factory.dense = {}  # shared by its detectors; filled by whichever thread meets an n-gram first
    return factory


def detector(names: tuple[str, ...]) -> SparseDetector:
    factory = sparse_factory(names)
    found = SparseDetector(factory)
    found.dense = factory.dense
    return found
