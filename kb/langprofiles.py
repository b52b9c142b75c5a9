"""langdetect's language profiles held compactly, and its detector run faster: the same answers.

langdetect keeps, for each of its ~88,000 n-grams, a list of 55 probabilities, one per language,
although most n-grams occur in one or two languages: some 60 MB resident. Here an n-gram of at
most four languages (94% of them) keeps only its ``(language index, probability)`` pairs, packed
in one bytes object (9 bytes a pair, the probability as the exact double); one of more languages
holds an array of the 55 doubles. The n-grams are read by script: those written below U+0300
(23,000) on the first detection, those of another block of code points on the first text holding
one of its characters: after its first detection a process holds some 8 MB more, not 21.

The detector draws the same n-grams and makes the same floating-point operations in the same order
as langdetect, so every answer is langdetect's own to the last bit (tests/kb/test_langprofiles.py
checks every langid language); its per-language loops run through ``map``. That order is also
the floor of its cost: each draw still makes 55 sums and 55 products of Python floats (~2 us), and
a page takes ~400 draws; numpy would do them in C, but costs a crawl process 15 MB.
"""

from __future__ import annotations

import functools
import json
import os
import re
import struct
import threading
from array import array
from itertools import chain, repeat
from operator import add, mul, truediv

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

from kb.langdetect_internals import DetectorHooks

PAIR = struct.Struct("<Bd")  # language index, probability
# The words a factory's detectors have met keep their n-grams' vectors, up to this many (~0.3 kB
# each): the first met are the common ones.
MAX_WORDS = 20_000
# An n-gram of more than four languages is unfolded into an array of all the languages (~0.5 kB,
# kept: 5,600 n-grams at most); one of fewer is walked from its packed pairs, as fast.
SPARSE = 4 * PAIR.size
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
    return [gram for gram in _candidates(padded) if gram in known]


def word_vectors(word: str, known) -> tuple:
    """The vectors (``known``'s values) of ``word_ngrams``, made in C but for capitalised words."""
    padded = " " + word
    if len(padded) < 2 or padded[1] == " ":
        return ()
    if any(map(str.isupper, word[1:])):
        return tuple(map(known.__getitem__, _capitalised_word_ngrams(padded, known)))
    return tuple(filter(None, map(known.get, _candidates(padded))))  # a vector is never empty


def _candidates(padded: str):
    """The 1-, 2- and 3-grams each character of ``padded`` ends, in langdetect's order (no capitals).

    The space alone, which langdetect never draws, is no profile's n-gram (_read_profiles drops it)."""
    middle, ends = padded[1:-1], padded[2:]
    return chain((padded[1], padded[:2]), chain.from_iterable(
        zip(ends, map(add, middle, ends), map(add, map(add, padded[:-2], middle), ends))))


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


class SparseDetector(DetectorHooks):
    """langdetect's detector over compact profiles (``word_lang_prob_map`` values are packed pairs
    or arrays of doubles).

    Reading the text (``append``, ``cleaning_text``, ``extract_ngrams``) is rewritten with regular
    expressions, C iterators and caches of normalised characters and of words: langdetect's
    per-character Python calls cost as much as its seven trials. The n-grams drawn are the same,
    in the same order, so the random walk, and every probability, stays langdetect's own. The steps
    replaced are langdetect's private ones, reached through kb.langdetect_internals' hooks.
    """

    def append(self, text):
        if "http" in text:  # neither pattern can match without it: most texts skip its scan
            text = self.URL_RE.sub(" ", text)
        if "@" in text:
            text = self.MAIL_RE.sub(" ", text)
        text = NGram.normalize_vi(text)
        self.text += SPACES.sub(" ", text[:self.max_text_length])  # a run of spaces counts as one

    def cleaning_text(self):
        non_latin = len(NON_LATIN.findall(self.text))  # mostly none: then the Latin letters need no count
        if non_latin and len(LATIN.findall(self.text)) * 2 < non_latin:
            self.text = LATIN.sub("", self.text)

    def _words(self) -> list[str]:
        """The text's normalised words, each but the last with its space: NGram.add_char starts afresh
        after each space, so langdetect's n-grams are those of each word in turn."""
        text = self.text.translate(_NORMALIZED)
        unread = self.factory.other_scripts
        if unread is not None and unread.search(text):
            load_scripts(self.factory, set(unread.findall(text)))
        words = text.split(" ")
        words[:-1] = [word + " " for word in words[:-1]]
        return words

    def extract_ngrams(self):
        """langdetect's n-grams of the text (a word met again costs a lookup)."""
        known, seen, found = self.word_lang_prob_map, {}, []
        for word in self._words():
            grams = seen.get(word)
            if grams is None:
                grams = seen[word] = word_ngrams(word, known)
            found += grams
        return found

    def _features(self) -> list[array | bytes]:
        """The vectors of ``extract_ngrams``'s n-grams, in its order: what the walks draw from.

        A word keeps its n-grams' vectors in the factory: most words of a page were met on earlier
        pages, and a lookup spares reading its n-grams again."""
        words, found = self.words, []
        for word in self._words():
            vectors = words.get(word)
            if vectors is None:
                vectors = word_vectors(word, self.word_lang_prob_map)
                if len(words) < MAX_WORDS:
                    words[word] = vectors
            found += vectors
        return found

    def detect_block(self):
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

    def _walk(self, features: list[array | bytes], weight: float) -> list[float]:
        """One trial. Each draw multiplies every language's probability by ``weight`` plus the drawn
        n-gram's probability there, langdetect's loop run by ``map``; for an n-gram of few languages,
        all are multiplied by ``weight`` (``weight + 0.0``) and those few redone. Every fifth
        draw normalises."""
        size, getrandbits = len(features), self.random.getrandbits
        bits = size.bit_length()  # random.choice's own draw (Random._randbelow_with_getrandbits), inlined
        prob = self.initial_probability()
        weights = [weight] * len(prob)
        i = 0
        while True:
            drawn = getrandbits(bits)
            while drawn >= size:
                drawn = getrandbits(bits)
            vector = features[drawn]
            if type(vector) is bytes:
                scaled = list(map(mul, prob, weights))
                for index, probability in PAIR.iter_unpack(vector):
                    scaled[index] = prob[index] * (weight + probability)
                prob = scaled
            else:
                prob = list(map(mul, prob, map(add, weights, vector)))
            if i % 5 == 0:
                prob = list(map(truediv, prob, repeat(sum(prob))))
                if max(prob) > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT:
                    return prob
            i += 1

    def update_lang_prob(self, prob, word, alpha):
        if self.factory.other_scripts is not None:
            load_scripts(self.factory, word)
        if word not in self.word_lang_prob_map:
            return False
        vector = self.word_lang_prob_map[word]
        if type(vector) is bytes:
            vector = unfold(vector, len(self.langlist))
        prob[:] = map(mul, prob, map(add, repeat(alpha / self.BASE_FREQ), vector))
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
    """A langdetect factory over the profiles ``names``, in that order, holding the n-grams written
    below U+0300 (the others are read as texts need them: ``load_scripts``)."""
    with _LOADING:
        return _load(names)


@functools.lru_cache(maxsize=8)
def _load(names: tuple[str, ...]) -> DetectorFactory:
    factory = DetectorFactory()
    factory.seed, factory.names, factory.word_lang_prob_map = 0, names, {}
    factory.words = {}  # shared by its detectors, filled by whichever thread meets a word first
    unread = _read_profiles(factory, None)
    factory.unread, factory.other_scripts = unread, _character_class(unread)
    return factory


def script(char: str) -> int:
    """The group of a character from U+0300 up whose n-grams are read together: its block of 256
    code points (Greek, Cyrillic, Arabic, kana...), but one for the CJK ideographs and one for all
    from U+A000 (most of it hangul, 22,000 n-grams)."""
    block = ord(char) >> 8
    return block if block < 0x4E else 0x4E if block < 0xA0 else 0xA0


def _read_profiles(factory: DetectorFactory, scripts: set[int] | None) -> str:
    """Adds the n-grams of the factory's profiles whose last character in code point order is of
    ``scripts``, or, for None, those written below U+0300 only; returns, for None, the characters
    from U+0300 up that the other n-grams hold.

    An n-gram can only occur in a text holding its last character, so it is read with that
    character's script. The profiles are read one by one, so only one file's parse is ever held,
    straight into the factory's map (a second map of the pairs being built kept 3 MB of freed
    memory resident), and identical pairs share one bytes object. A thread meets an n-gram while it
    is being built only if its text holds that script, and then waits for ``load_scripts``."""
    others: set[str] = set()
    target, size = factory.word_lang_prob_map, len(factory.names)
    added = []
    for index, name in enumerate(factory.names):
        with open(os.path.join(PROFILES_DIRECTORY, name), encoding="utf-8") as handle:
            profile = json.load(handle)
        if scripts is None:
            factory.langlist.append(profile["name"])
        n_words = profile["n_words"]
        for word, count in profile["freq"].items():
            last = max(word)
            if scripts is None and last >= "\u0300":
                others.update(word)
                continue
            if scripts is not None and (last < "\u0300" or script(last) not in scripts):
                continue
            found = target.get(word)
            if found is None:
                found = target[word] = b""
                added.append(word)
            if 1 <= len(word) <= 3:  # as langdetect's add_profile: longer keys stay, with no probability
                target[word] = found + PAIR.pack(index, 1.0 * count / n_words[len(word) - 1])
        del profile
    target.pop(" ", None)  # langdetect never draws the space alone
    shared: dict[bytes, bytes] = {}
    for word in added:
        found = target.get(word)
        if found is not None:
            target[word] = shared.setdefault(found, found) if len(found) <= SPARSE else unfold(found, size)
    return "".join(sorted(char for char in others if char >= "\u0300"))


def _character_class(chars: str) -> re.Pattern | None:
    """A pattern matching any of ``chars`` (sorted), written as ranges of consecutive code points."""
    ranges: list[list[int]] = []
    for code in map(ord, chars):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in ranges) + "]") if ranges else None


def load_scripts(factory: DetectorFactory, chars) -> None:
    """Adds to ``factory`` the n-grams of the scripts of ``chars``: read on the first text holding
    one of their characters, since most crawls meet few scripts beyond Latin letters, whose
    n-grams are 64,000 of the 88,000."""
    with _LOADING:
        scripts = {script(char) for char in chars if char in factory.unread}
        if scripts:
            _read_profiles(factory, scripts)
            factory.unread = "".join(char for char in factory.unread if script(char) not in scripts)
            factory.other_scripts = _character_class(factory.unread)


def detector(names: tuple[str, ...]) -> SparseDetector:
    factory = sparse_factory(names)
    found = SparseDetector(factory)
    found.factory, found.words = factory, factory.words
    return found
