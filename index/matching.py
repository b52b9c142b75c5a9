"""How a search walks its matches: every match scored, only the allowed ones visited.

Whoosh's collector periodically "replaces" the matcher tree, dropping the
branches whose ``max_quality`` says they cannot beat the current top scores.
That estimate is not an upper bound for these boosted multi-field queries: at
50,000 documents it dropped the two best documents of ``"open data" NOT
energy`` (scores 43.8 and 42.9, served page starting at 33.7). ``exhaustive``
wraps a query so that the replacement only drops exhausted branches.

With filters, ``DocsQuery`` intersects the query with the documents that match
and are allowed (known exactly from the bitmaps), so Whoosh skips the query's
matchers straight to them instead of walking every match and discarding the
disallowed ones in the collector. It adds 0.0 to a score, which leaves every
score exactly as it was.
"""

from __future__ import annotations

from bisect import bisect_left

from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher, ReadTooFar, WrappingMatcher

from index.bitmaps import all_below, to_ids


class _ExhaustiveMatcher(WrappingMatcher):
    def _replacement(self, newchild):
        return self.__class__(newchild, boost=self.boost)

    def replace(self, minquality=0):
        return super().replace(0)

    def max_quality(self):
        return float("inf")

    def supports_block_quality(self):
        return False


class _Exhaustive(wq.WrappingQuery):
    def matcher(self, searcher, context=None):
        child = self.child.matcher(searcher, context)
        return _ExhaustiveMatcher(child) if child.is_active() else NullMatcher()


def exhaustive(query):
    """``query``, scored on every document it matches (see the module's docstring)."""
    return _Exhaustive(query)


class _DocsMatcher(ListMatcher):
    """The documents of a bitmap in one segment, each scoring exactly 0.0."""

    def skip_to(self, target):
        if not self.is_active():
            raise ReadTooFar
        self._i = bisect_left(self._ids, target, self._i)

    def score(self):
        return 0.0

    def supports_block_quality(self):
        return False

    def max_quality(self):
        # unbounded, so that the intersection never drops the other side on its estimate
        return float("inf")

    def replace(self, minquality=0):
        return self if self.is_active() else NullMatcher()


class DocsQuery(wq.Query):
    """Matches the documents of a bitmap and adds nothing to their score."""

    def __init__(self, bits: int):
        self.bits = bits
        self.boost = 1.0

    def __eq__(self, other):
        return type(other) is type(self) and other.bits == self.bits

    def __hash__(self):
        return hash(self.bits)

    def __repr__(self):
        return f"DocsQuery({self.bits.bit_count()} documents)"

    def estimate_size(self, ixreader):
        return self.bits.bit_count()

    def matcher(self, searcher, context=None):
        parent = searcher.get_parent()
        offset = 0 if parent is searcher else parent._offset_for_subsearcher(searcher)
        ids = to_ids((self.bits >> offset) & all_below(searcher.doc_count_all()))
        return _DocsMatcher(ids) if ids else NullMatcher()


def scored_query(query, docs: int | None):
    """What to give Whoosh to rank ``query``'s matches among ``docs`` (None: all of them)."""
    if docs is None:
        return exhaustive(query)
    return wq.And([query, DocsQuery(docs)])
