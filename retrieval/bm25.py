"""BM25 over jieba tokens, with an inverted index so a query touches only the documents that share a token."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from functools import lru_cache

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
    """Okapi BM25 (k1=1.5, b=0.75) with postings lists."""

    def __init__(self, docs: list[list[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.lengths = [len(d) for d in docs]
        self.avg = (sum(self.lengths) / self.n) if self.n else 0.0
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, doc in enumerate(docs):
            for tok, tf in Counter(doc).items():
                self.postings[tok].append((i, tf))
        self.idf = {t: math.log(1 + (self.n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def scores(self, query: list[str], allowed: set[int] | None = None) -> dict[int, float]:
        out: dict[int, float] = defaultdict(float)
        for tok in set(query):
            idf = self.idf.get(tok)
            if idf is None:
                continue
            for i, tf in self.postings[tok]:
                if allowed is not None and i not in allowed:
                    continue
                norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / (self.avg or 1))
                out[i] += idf * tf * (self.k1 + 1) / (tf + norm)
        return out

    def top(self, query: list[str], k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        scores = self.scores(query, allowed)
        return sorted(scores.items(), key=lambda x: -x[1])[:k]
