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
from array import array
from itertools import repeat
from operator import add, mul, truediv

from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

PAIR = struct.Struct("<Bd")  # language index, probability
# The words a factory's detectors have met keep their n-grams' pairs, up to this many: the first met
# are the common ones.
MAX_WORDS = 20_000
MAX_DENSE = 100_000
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

    def _words(self) -> list[str]:
        """The text's normalised words, each but the last with its space: NGram.add_char starts afresh
        after each space, so langdetect's n-grams are those of each word in turn."""
        text = self.text.translate(_NORMALIZED)
        if self.factory.other_scripts is not None and self.factory.other_scripts.search(text):
            load_other_scripts(self.factory)
        words = text.split(" ")
        words[:-1] = [word + " " for word in words[:-1]]
        return words

    def _extract_ngrams(self):
        """langdetect's n-grams of the text (a word met again costs a lookup)."""
        known, seen, found = self.word_lang_prob_map, {}, []
        for word in self._words():
            grams = seen.get(word)
            if grams is None:
                grams = seen[word] = word_ngrams(word, known)
            found += grams
        return found

    def _features(self) -> list[array]:
        """The probability lists of ``_extract_ngrams``'s n-grams, in its order: what the walks draw.

        A word keeps its n-grams' lists in the factory once they are all kept there: most words of a
        page were met on earlier pages, and a lookup spares reading its n-grams again."""
        words, dense, found = self.words, self.dense, []
        for word in self._words():
            vectors = words.get(word)
            if vectors is None:
                grams = word_ngrams(word, self.word_lang_prob_map)
                vectors = tuple(map(self._dense, grams))
                if len(words) < MAX_WORDS and all(map(dense.__contains__, grams)):
                    words[word] = vectors
            found += vectors
        return found

    def _detect_block(self):
        """langdetect's seven random walks over the text's n-grams: the same random draws, and the
        same floating-point operations in the same order."""
        self.cleaning_text()
        features = self._features()
        if not features:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        self.random.seed(self.seed)
        langprob = [0.0] * len(self.langlist)
        for _trial in range(self.n_trial):
            alpha = self.alpha + self.random.gauss(0.0, 1.0) * self.ALPHA_WIDTH
            prob = self._walk(features, alpha / self.BASE_FREQ)
            langprob = list(map(add, langprob, map(truediv, prob, repeat(self.n_trial))))
        self.langprob = langprob

    def _walk(self, features: list[array], weight: float) -> list[float]:
        """One trial: each draw multiplies every language's probability by ``weight`` plus the drawn
        n-gram's probability there (langdetect's loop, run by ``map``), every fifth normalises."""
        size, getrandbits = len(features), self.random.getrandbits
        bits = size.bit_length()  # random.choice's own draw (Random._randbelow_with_getrandbits), inlined
        prob = self._init_probability()
        weights = [weight] * len(prob)
        i = 0
        while True:
            drawn = getrandbits(bits)
            while drawn >= size:
                drawn = getrandbits(bits)
            prob = list(map(mul, prob, map(add, weights, features[drawn])))
            if i % 5 == 0:
                prob = list(map(truediv, prob, repeat(sum(prob))))
                if max(prob) > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT:
                    return prob
            i += 1

    def _dense(self, gram: str) -> array:
        """langdetect's list of probabilities for ``gram``, unfolded from its pairs (and kept)."""
        dense = self.dense.get(gram)
        if dense is None:
            dense = unfold(self.word_lang_prob_map[gram], len(self.langlist))
            if len(self.dense) < MAX_DENSE:
                self.dense[gram] = dense
        return dense

    def _update_lang_prob(self, prob, word, alpha):
        if self.factory.other_scripts is not None and NON_LATIN.search(word):
            load_other_scripts(self.factory)
        if word not in self.word_lang_prob_map:
            return False
        prob[:] = map(mul, prob, map(add, repeat(alpha / self.BASE_FREQ), self._dense(word)))
        return True


def unfold(pairs: bytes, size: int) -> array:
    """langdetect's ``size`` probabilities for an n-gram, from its packed pairs, as an array of
    doubles: 0.5 kB, a third of a list of 55 floats."""
    dense = [0.0] * size
    for index, probability in PAIR.iter_unpack(pairs):
        dense[index] = probability
    return array("d", dense)


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
    factory.seed, factory.names, factory.word_lang_prob_map = 0, names, {}
    factory.words, factory.dense = {}, {}  # shared by its detectors, filled by whichever thread meets a word first
    factory.other_scripts = _read_profiles(factory, latin=True)
    return factory


def _read_profiles(factory: DetectorFactory, latin: bool) -> re.Pattern | None:
    """Adds the n-grams of the factory's profiles written in letters below U+0300 (``latin``) or the
    others; returns a pattern matching the characters from U+0300 up that the others hold.

    The profiles are read one by one, so only one file's parse is ever held, and identical pairs
    share one bytes object."""
    pairs: dict[str, bytearray] = {}
    others: set[str] = set()
    for index, name in enumerate(factory.names):
        with open(os.path.join(PROFILES_DIRECTORY, name), encoding="utf-8") as handle:
            profile = json.load(handle)
        if latin:
            factory.langlist.append(profile["name"])
        n_words = profile["n_words"]
        for word, count in profile["freq"].items():
            if (NON_LATIN.search(word) is None) != latin:
                if latin:
                    others.update(NON_LATIN.findall(word))
                continue
            found = pairs.setdefault(word, bytearray())
            if 1 <= len(word) <= 3:  # as langdetect's add_profile: longer keys stay, with no probability
                found += PAIR.pack(index, 1.0 * count / n_words[len(word) - 1])
        del profile
    shared: dict[bytes, bytes] = {}
    target = factory.word_lang_prob_map
    for word in list(pairs):
        found = bytes(pairs.pop(word))
        target[word] = shared.setdefault(found, found)
    return _character_class(others) if latin and others else None


def _character_class(chars: set[str]) -> re.Pattern:
    """A pattern matching any of ``chars``, written as ranges of consecutive code points."""
    codes, ranges = sorted(map(ord, chars)), []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return re.compile("[" + "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in ranges) + "]")


def load_other_scripts(factory: DetectorFactory) -> None:
    """Adds the n-grams beyond Latin letters to ``factory``: on the first text holding one of their
    characters, since most crawls never meet one (they are 70,000 of the 88,000 n-grams)."""
    with _LOADING:
        if factory.other_scripts is not None:
            _read_profiles(factory, latin=False)
            factory.other_scripts = None


def detector(names: tuple[str, ...]) -> SparseDetector:
    factory = sparse_factory(names)
    found = SparseDetector(factory)
    found.factory, found.words, found.dense = factory, factory.words, factory.dense
    return found
