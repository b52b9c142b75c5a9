"""What one version of the index holds of a term: its document frequency, remembered.

A query expanded by the thesaurus asks for each word in sixteen language fields,
and most of those terms are in no document; finding that out reads the term
table on disk (about 0.1 ms a term). The same terms come back query after query,
so their frequencies are kept per index version within a fixed budget.
"""

from __future__ import annotations

from index.budget import BudgetCache
from index.searchers import shared

TERMS_KEPT_BYTES = 8 * 1024 * 1024
TERM_BYTES = 160  # a kept (field, text) key and its count, as CPython holds them


def document_frequency(searcher, field_name: str, text: str) -> int:
    """How many documents (deleted ones included, as Whoosh counts) hold ``text`` in ``field_name``."""
    cache = shared(searcher, "term-frequencies", lambda _: BudgetCache(TERMS_KEPT_BYTES, lambda _: TERM_BYTES))
    key = (field_name, text)
    found = cache.get(key)
    if found is None:
        reader = searcher.reader()
        found = reader.doc_frequency(field_name, text) if key in reader else 0
        cache.keep(key, found)
    return found
