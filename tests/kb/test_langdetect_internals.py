"""The langdetect adapter refuses a langdetect it was not tested with, and its hooks left as they are
give langdetect's own answers.

That kb.langprofiles' hooks give langdetect's answers too is test_langprofiles.py (the contract
named in kb/langdetect_internals.py)."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from langdetect import DetectorFactory
from langdetect.detector_factory import PROFILES_DIRECTORY

from kb.errors import KbError
from kb.langdetect_internals import DetectorHooks, UnsupportedLangdetect, check_version


def test_the_installed_langdetect_is_one_the_adapter_was_tested_with():
    check_version(version("langdetect"))


@pytest.mark.parametrize("found", ["1.0.8", "1.1.0", "2.0", "1.0.9a1"])
def test_another_langdetect_is_refused_with_the_tested_versions_named(found):
    with pytest.raises(UnsupportedLangdetect) as refused:
        check_version(found)
    assert f"langdetect {found} is installed" in str(refused.value)
    assert "tested only with langdetect 1.0.9 to 1.0.9" in str(refused.value)
    assert isinstance(refused.value, KbError) and isinstance(refused.value, ImportError)


def test_hooks_left_as_they_are_give_langdetects_own_probabilities():
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = 0
    for text in ("De gemeente biedt een digitaal loket aan.", "La ville ouvre ses données.", "Ο δήμος ανοίγει"):
        hooked, theirs = DetectorHooks(factory), factory.create()
        hooked.append(text)
        theirs.append(text)
        assert [(p.lang, p.prob) for p in hooked.get_probabilities()] == \
            [(p.lang, p.prob) for p in theirs.get_probabilities()]
        assert hooked.extract_ngrams() == theirs._extract_ngrams()
