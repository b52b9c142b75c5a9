"""Relevance measures for the quality gates: graded nDCG@k, average precision, recall@k."""

from __future__ import annotations

import math


def dcg(gains: list[float]) -> float:
    return sum(g / math.log2(rank + 2) for rank, g in enumerate(gains))


def ndcg_at(ranked: list[str], gains: dict[str, float], k: int = 10) -> float:
    ideal = dcg(sorted((g for g in gains.values() if g > 0), reverse=True)[:k])
    return dcg([gains.get(doc, 0.0) for doc in ranked[:k]]) / ideal if ideal else 0.0


def average_precision(ranked: list[str], relevant: set[str]) -> float:
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for rank, doc in enumerate(ranked, start=1):
        if doc in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant)


def recall_at(ranked: list[str], relevant: set[str], k: int = 20) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0
