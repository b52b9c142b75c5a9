"""index.budget keeps values within its byte budget, dropping the oldest stored first."""

from __future__ import annotations

from index.budget import OVERHEAD, BudgetCache


def test_values_are_computed_once_and_the_oldest_go_first_beyond_the_budget():
    computed = []

    def compute(value):
        def make():
            computed.append(value)
            return value
        return make

    cache = BudgetCache(budget=3 * (10 + OVERHEAD), size_of=len)
    for key in "abc":
        assert cache.get(key, compute(key * 10)) == key * 10
    assert cache.get("a", compute("other")) == "a" * 10 and computed == ["a" * 10, "b" * 10, "c" * 10]
    cache.get("d", compute("d" * 10))
    assert list(cache.entries) == ["b", "c", "d"] and cache.used == 3 * (10 + OVERHEAD)
    assert cache.get("a") is None


def test_a_value_larger_than_the_budget_is_returned_but_not_kept():
    cache = BudgetCache(budget=100, size_of=len)
    assert cache.get("big", lambda: "x" * 500) == "x" * 500
    assert cache.entries == {} and cache.used == 0
