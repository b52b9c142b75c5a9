"""The private parts of Whoosh that the index package reads, in one place, for the tested Whoosh only.

Ranking, facet counting and the warm searchers go faster than Whoosh's public API allows by
reading a few of its internals: a codec's posting blocks and field length bytes, a pattern
query's expansion into words, BM25F's per-field B, an index's TOC. Those change between
releases without notice, so this is the only module that names them (tests/test_architecture.py
checks it), and it refuses to import under a Whoosh outside TESTED_VERSIONS, with an error
saying which versions were tested.

The contract these functions keep is checked against Whoosh's own answers by
tests/index/test_scoring.py (every score, every posting list, every pattern's words as Whoosh
scores and matches them), tests/index/test_searchers.py (a reopened searcher reads each commit
once) and tests/index/test_cost.py (a pattern's expansions counted). To upgrade Whoosh: run
those tests on the new version, fix this file until they pass, then widen TESTED_VERSIONS.
"""

from __future__ import annotations

import whoosh

from index.errors import SearchError
from kb.tested_versions import SupportedVersions

TESTED_VERSIONS = ((2, 7, 5), (2, 7, 5))  # lowest and highest Whoosh(-Reloaded) version tested, inclusive
TESTED = SupportedVersions("Whoosh", "Whoosh-Reloaded", *TESTED_VERSIONS, adapter="index/whoosh_internals.py",
                        contract="tests/index/test_scoring.py, test_searchers.py and test_cost.py")


class UnsupportedWhoosh(SearchError, ImportError):
    """The installed Whoosh is outside the versions whose internals this module was tested with."""


def check_version(found: tuple) -> None:
    """Raises UnsupportedWhoosh when ``found`` (``whoosh.__version__``) is outside TESTED_VERSIONS."""
    TESTED.check(found, UnsupportedWhoosh)


check_version(whoosh.__version__)

# Imported after the check: a Whoosh of another version may not have these names at all.
import numpy as np  # noqa: E402
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield  # noqa: E402


def pattern_words(query, reader):
    """The words (as bytes) a prefix, wildcard, fuzzy or range query expands to in ``reader``, as
    Whoosh's own matcher expands it (``MultiTerm._btexts``); an empty word may come among them."""
    return query._btexts(reader)


def pattern_prefix(query) -> str:
    """The literal start of a wildcard or regex query's pattern: the words worth reading."""
    return query._find_prefix(query.text)


def pattern_regex(query) -> str:
    """A wildcard or regex query's pattern as the regular expression Whoosh matches words with."""
    return query._get_pattern()


def block_postings(matcher) -> tuple[list, list] | None:
    """(document numbers, weights) of every posting of a W3 codec leaf matcher, its blocks of up
    to 128 postings taken as Whoosh decodes them; None for another codec's matcher. The matcher
    is used up."""
    if not isinstance(matcher, W3LeafMatcher):
        return None
    ids: list = []
    weights: list = []
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        ids.extend(matcher._ids)
        weights.extend(matcher._weights)
        matcher._next_block()
    return ids, weights


def length_bytes(reader, fieldname: str, count: int) -> np.ndarray | None:
    """The first ``count`` documents' length bytes of ``fieldname`` in one W3 segment reader, as
    stored (one byte a document, zero where none is stored); None for another codec."""
    raw = np.zeros(count, dtype=np.uint8)
    try:
        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is not None:
            stored = min(column._count, count)
            raw[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
    except AttributeError:  # not the W3 codec's per-document reader
        return None
    return raw


def field_b(weighting, fieldname: str) -> float:
    """BM25F's length normalisation B for ``fieldname``: its own when set, else the weighting's."""
    return weighting._field_B.get(fieldname, weighting.B)


def index_of(searcher):
    """The index a searcher was opened from."""
    return searcher._ix


def latest_toc(index):
    """The index's latest table of contents (schema, segments, generation), read from storage."""
    return index._read_toc()
