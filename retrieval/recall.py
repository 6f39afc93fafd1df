"""Recall of project-type retrieval on the labelled query set (eval/retrieval_queries.jsonl)."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

QUERIES = Path(__file__).resolve().parent.parent / "eval" / "retrieval_queries.jsonl"


@dataclass
class RecallResult:
    embedding: str
    queries: int
    recall_at_1: float
    recall_at_5: float
    median_ms: float
    misses: list[tuple[str, list[str], list[str]]]  # (query, expected, got top-5)


def load_queries(path: Path = QUERIES) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def measure(store, queries: list[dict] | None = None) -> RecallResult:
    """Top-1 and top-5 hit rates of store.search_sets over the labelled queries."""
    queries = queries if queries is not None else load_queries()
    hit1 = hit5 = 0
    times, misses = [], []
    for q in queries:
        start = time.perf_counter()
        got = [h.id for h in store.search_sets(q["query"], k=5)]
        times.append((time.perf_counter() - start) * 1000)
        expected = q["expected"]
        hit1 += bool(got[:1] and got[0] in expected)
        if set(got) & set(expected):
            hit5 += 1
        else:
            misses.append((q["query"], expected, got))
    n = len(queries) or 1
    return RecallResult(store.embedders["zb_sets_v1"].name, len(queries), hit1 / n, hit5 / n,
                        statistics.median(times) if times else 0.0, misses)
