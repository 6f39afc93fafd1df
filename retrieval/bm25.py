"""BM25 over jieba tokens, with an inverted index so a query touches only the documents that share a token."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from functools import lru_cache

import numpy as np

_STOP = set("的 了 和 与 及 或 等 对 在 为 以 按 由 是 其 中 年 月 日 个 项 次 用于 相关 进行 开展 工作 项目 本级 全年 年度 情况 支出 经费 费用 资金".split())
_PUNCT = re.compile(r"^[\W_]+$")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    # the shipped library's keywords stay whole; added once, so tokenizing is the same for every index and query
    from retrieval.library import load_library

    for word in {w for s in load_library() for w in s.keywords}:
        if len(word) >= 2:
            jieba.add_word(word, freq=2000)
    return jieba


def tokenize(text: str) -> list[str]:
    """jieba words plus character bigrams of longer words (so 采暖费 still meets 取暖费 half-way)."""
    out = []
    for tok in _jieba().lcut(text or "", HMM=True):
        tok = tok.strip().lower()
        if not tok or tok in _STOP or _PUNCT.match(tok):
            continue
        out.append(tok)
        if len(tok) >= 3 and re.match(r"[\u4e00-\u9fff]+$", tok):
            out.extend(tok[i:i + 2] for i in range(len(tok) - 1))
    return out


class BM25:
    """Okapi BM25 (k1=1.5, b=0.75). Each token's postings hold precomputed term weights as numpy arrays, so
    scoring a query is a few vector additions even at 10^5 documents."""

    def __init__(self, docs: list[list[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.n = len(docs)
        lengths = np.array([len(d) for d in docs], dtype=np.float32)
        avg = float(lengths.mean()) if self.n else 0.0
        raw: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for i, doc in enumerate(docs):
            for tok, tf in Counter(doc).items():
                ids, tfs = raw[tok]
                ids.append(i)
                tfs.append(tf)
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for tok, (ids, tfs) in raw.items():
            idx = np.array(ids, dtype=np.int64)
            tf = np.array(tfs, dtype=np.float32)
            idf = math.log(1 + (self.n - len(ids) + 0.5) / (len(ids) + 0.5))
            norm = k1 * (1 - b + b * lengths[idx] / (avg or 1.0))
            self.postings[tok] = (idx, (idf * tf * (k1 + 1) / (tf + norm)).astype(np.float32))

    def scores(self, query: list[str], allowed: set[int] | None = None) -> dict[int, float]:
        vec = self.vector(query, allowed)
        hit = np.nonzero(vec)[0]
        return {int(i): float(vec[i]) for i in hit}

    def vector(self, query: list[str], allowed: set[int] | None = None) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        for tok in set(query):
            posting = self.postings.get(tok)
            if posting is not None:
                out[posting[0]] += posting[1]
        if allowed is not None:
            mask = np.zeros(self.n, dtype=bool)
            mask[list(allowed)] = True
            out[~mask] = 0.0
        return out

    def top(self, query: list[str], k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """The k best (index, score); candidates are cut with argpartition, ties are left to the caller."""
        vec = self.vector(query, allowed)
        nonzero = int(np.count_nonzero(vec))
        if nonzero == 0:
            return []
        take = min(nonzero, max(k * 2, k + 20))
        idx = np.argpartition(-vec, take - 1)[:take] if take < self.n else np.arange(self.n)
        return [(int(i), float(vec[i])) for i in idx if vec[i] > 0]
