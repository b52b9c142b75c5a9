"""The Whoosh adapter refuses a Whoosh it was not tested with, and says which one it was tested with.

What its functions return is checked against Whoosh itself by test_scoring.py, test_searchers.py
and test_cost.py (the contract named in index/whoosh_internals.py)."""

from __future__ import annotations

import pytest
import whoosh

from index.errors import SearchError
from index.whoosh_internals import TESTED_VERSIONS, UnsupportedWhoosh, check_version


def test_the_installed_whoosh_is_one_the_adapter_was_tested_with():
    low, high = TESTED_VERSIONS
    assert low <= whoosh.__version__[:3] <= high
    check_version(whoosh.__version__)


@pytest.mark.parametrize("found", [(2, 7, 4), (2, 8, 0), (3, 0, 0)])
def test_another_whoosh_is_refused_with_the_tested_versions_named(found):
    with pytest.raises(UnsupportedWhoosh) as refused:
        check_version(found)
    message = str(refused.value)
    assert f"Whoosh {'.'.join(map(str, found))} is installed" in message
    assert "tested only with Whoosh-Reloaded 2.7.5 to 2.7.5" in message
    assert isinstance(refused.value, SearchError) and isinstance(refused.value, ImportError)
