"""A per-process cache of values kept within a memory budget, oldest stored dropped first.

Query terms' document bitmaps (``index.facets.TermDocs``) and decoded posting
lists (``index.postings``) come back query after query; both are kept here,
each under its own budget, sized by what the value holds.
"""

from __future__ import annotations

import threading
from typing import Callable

OVERHEAD = 64  # bytes counted per entry beyond its value's own size


class BudgetCache:
    """Values by key, at most ``budget`` bytes (as ``size_of`` counts them) in all."""

    def __init__(self, budget: int, size_of: Callable[[object], int]):
        self.budget, self.size_of = budget, size_of
        self.used = 0
        self.entries: dict = {}
        self.lock = threading.Lock()

    def get(self, key, compute=None):
        """The kept value of ``key``; else ``compute()``'s, kept (None without ``compute``)."""
        value = self.entries.get(key)
        if value is None and compute is not None:
            value = compute()
            self.keep(key, value)
        return value

    def keep(self, key, value) -> None:
        size = self.size_of(value) + OVERHEAD
        if size > self.budget:
            return
        with self.lock:
            if key in self.entries:
                return
            while self.used + size > self.budget and self.entries:
                self.used -= self.size_of(self.entries.pop(next(iter(self.entries)))) + OVERHEAD
            self.entries[key] = value
            self.used += size
