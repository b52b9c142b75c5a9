"""The one version check of the library adapters (index/whoosh_internals.py, kb/langdetect_internals.py)."""

from __future__ import annotations

import pytest

from kb.tested_versions import SupportedVersions, version_parts

TESTED = SupportedVersions("Lib", "lib-dist", (1, 2, 0), (1, 3, 5), adapter="kb/lib_internals.py",
                        contract="tests/kb/test_lib.py")


def test_a_version_reads_the_same_as_a_string_or_a_tuple_and_a_pre_release_reads_below_its_release():
    assert version_parts("1.0.9") == version_parts((1, 0, 9)) == (1, 0, 9)
    assert version_parts("1.0.9a1") == (1, 0, -1) < (1, 0, 0)
    assert version_parts((2, 7, 5, "final")) == (2, 7, 5)


@pytest.mark.parametrize("found", ["1.2.0", "1.3.5", (1, 2, 7), "1.3.5.post1"])
def test_a_version_within_the_tested_range_passes(found):
    TESTED.check(found, ImportError)


@pytest.mark.parametrize("found, shown", [("1.1.9", "1.1.9"), ((1, 3, 6), "1.3.6"), ("1.2.0rc1", "1.2.0rc1")])
def test_a_version_outside_it_is_refused_with_the_range_the_install_and_the_tests_named(found, shown):
    with pytest.raises(LookupError) as refused:
        TESTED.check(found, LookupError)
    assert str(refused.value) == (
        f"Lib {shown} is installed, but kb/lib_internals.py relies on Lib internals tested only with lib-dist "
        f"1.2.0 to 1.3.5: install lib-dist==1.3.5, or make tests/kb/test_lib.py pass on {shown} and widen "
        "TESTED_VERSIONS")
