"""The private parts of langdetect that kb.langprofiles builds on, in one place, for the tested langdetect only.

kb.langprofiles runs langdetect's detector over compact profiles with a faster reading of the
text. To do so it replaces three private steps of langdetect's ``Detector`` (``_detect_block``:
the seven random walks; ``_extract_ngrams``: the text's n-grams; ``_update_lang_prob``: one
n-gram's update) and calls a fourth (``_init_probability``). ``DetectorHooks`` gives each a public
name, so this is the only module that names them (tests/test_architecture.py checks it). The
subclass also reads langdetect's attributes and constants (``word_lang_prob_map``, ``langlist``,
``random``, ``n_trial``, ``ALPHA_WIDTH``...) and fills a ``DetectorFactory`` by hand: those are
as tied to the version, which is why this module refuses to import under a langdetect outside
TESTED_VERSIONS, with an error saying which versions were tested.

The contract is tests/kb/test_langprofiles.py: the same n-grams read from every text, the same
update for one n-gram, and every probability langdetect's own to the last bit on sentences of
every langid language; tests/kb/test_langdetect_internals.py checks that the hooks left as they
are give langdetect's answers. To upgrade langdetect: run those tests on the new version, fix
this file and kb/langprofiles.py until they pass, then widen TESTED_VERSIONS.
"""

from __future__ import annotations

from importlib.metadata import version

from kb.errors import KbError
from kb.tested_versions import SupportedVersions

TESTED_VERSIONS = ((1, 0, 9), (1, 0, 9))  # lowest and highest langdetect version tested, inclusive
TESTED = SupportedVersions("langdetect", "langdetect", *TESTED_VERSIONS, adapter="kb/langdetect_internals.py",
                        contract="tests/kb/test_langprofiles.py")


class UnsupportedLangdetect(KbError, ImportError):
    """The installed langdetect is outside the versions whose internals this module was tested with."""


def check_version(found: str) -> None:
    """Raises UnsupportedLangdetect when ``found`` (a version string such as "1.0.9") is outside
    TESTED_VERSIONS."""
    TESTED.check(found, UnsupportedLangdetect)


check_version(version("langdetect"))

# Imported after the check: a langdetect of another version may not hold these names.
from langdetect.detector import Detector  # noqa: E402


class DetectorHooks(Detector):
    """langdetect's ``Detector`` whose private steps call public hooks. Each hook, left as it is,
    does what langdetect does; a subclass overrides the ones it replaces."""

    def _detect_block(self):
        self.detect_block()

    def _extract_ngrams(self):
        return self.extract_ngrams()

    def _update_lang_prob(self, prob, word, alpha):
        return self.update_lang_prob(prob, word, alpha)

    def detect_block(self) -> None:
        """Sets ``self.langprob``, the probability of each language, from ``self.text``."""
        Detector._detect_block(self)

    def extract_ngrams(self) -> list[str]:
        """The n-grams of ``self.text`` the random walks draw from, in langdetect's order."""
        return Detector._extract_ngrams(self)

    def update_lang_prob(self, prob: list[float], word: str, alpha: float) -> bool:
        """Multiplies ``prob`` in place by n-gram ``word``'s probabilities; False for an unknown n-gram."""
        return Detector._update_lang_prob(self, prob, word, alpha)

    def initial_probability(self) -> list[float]:
        """Each language's probability before a walk: the prior map's, or uniform."""
        return self._init_probability()
