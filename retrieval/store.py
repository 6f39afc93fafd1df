"""The exemplar store: chromadb (on disk, or a shared `chroma run` server) plus BM25, fused by reciprocal rank.

The only module that imports chromadb. Two collections: whole exemplar sets (to find the project type) and single
indicators (to fill one slot). Each collection records its embedding's name and dimension and refuses another.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlparse

from assistant.errors import ConfigError
from assistant.settings import apply_offline_env, load_settings
from retrieval.bm25 import BM25, tokenize
from retrieval.embedding import Embedder, get_embedder
from retrieval.library import ExemplarSet, load_library

SETS, INDICATORS = "zb_sets_v1", "zb_indicators_v1"
RRF_K = 60
_BATCH = 2000
_PAGE = 5000
MAX_VECTOR_CHARS = 64


@dataclass
class IndicatorRecord:
    """One indexable indicator (from the shipped library or a user's import)."""

    id: str
    level2: str
    name: str
    description: str
    value: str
    basis: str
    set_id: str = ""
    set_name: str = ""
    category: str = ""
    source: str = "library"
    layouts: str = "2015,2021"
    unit: str = ""
    keywords: str = ""

    @property
    def text(self) -> str:
        return f"{self.name} {self.description} {self.set_name} {self.keywords}".strip()

    def metadata(self) -> dict[str, Any]:
        meta = {k: v for k, v in self.__dict__.items() if k != "id"}
        meta["layout_2015"] = "2015" in self.layouts
        meta["layout_2021"] = "2021" in self.layouts
        return meta


@dataclass
class Hit:
    id: str
    score: float
    metadata: dict[str, Any]
    document: str = ""
    vector_rank: int | None = None
    bm25_rank: int | None = None


@dataclass
class BuildStats:
    sets: int
    indicators: int
    seconds: float
    embedding: str


def indicator_records(sets: Iterable[ExemplarSet]) -> list[IndicatorRecord]:
    out = []
    for s in sets:
        for n, ind in enumerate(s.indicators):
            layouts = "2021" if ind.level2 in ("社会成本指标", "生态环境成本指标") else "2015,2021"
            out.append(IndicatorRecord(id=f"{s.id}#{n}", level2=ind.level2, name=ind.name, description=ind.description,
                                       value=ind.value, basis=ind.basis, set_id=s.id, set_name=s.name,
                                       category=s.category, layouts=layouts, keywords=" ".join(s.keywords[:6])))
    return out


_CHROMA_THREAD: tuple[int, Any] | None = None  # (pid, queue of the thread that makes this process's chroma calls)
_CHROMA_LOCK = threading.Lock()
_CHROMA_NAME = "zhibiao-chroma"


def _chroma_worker(jobs) -> None:
    while True:
        future, fn, args, kwargs = jobs.get()
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001  handed to the caller, who raises it
                future.set_exception(exc)


def on_chroma_thread(fn, *args, **kwargs):
    """Run a chromadb call on the one thread this process keeps for them, and wait for it.

    Every thread that queries chromadb keeps state of its own in the client's native code, and glibc keeps those
    pages after the thread ends: 40 threads sharing one store held ~30 MB more after 1,500 queries than one thread
    did, and 4 MB more once their calls went through this thread (issue #17, docs/benchmarks.md). A query takes
    about a millisecond, so one thread serves every caller. A call made on that thread runs at once. The thread is a
    daemon: Ctrl-C during a long build still ends the process."""
    global _CHROMA_THREAD
    import os
    import queue
    from concurrent.futures import Future

    if threading.current_thread().name == _CHROMA_NAME:
        return fn(*args, **kwargs)
    with _CHROMA_LOCK:
        if _CHROMA_THREAD is None or _CHROMA_THREAD[0] != os.getpid():  # a forked child has no such thread
            jobs: queue.SimpleQueue = queue.SimpleQueue()
            threading.Thread(target=_chroma_worker, args=(jobs,), name=_CHROMA_NAME, daemon=True).start()
            _CHROMA_THREAD = (os.getpid(), jobs)
        jobs = _CHROMA_THREAD[1]
    future: Future = Future()
    jobs.put((future, fn, args, kwargs))
    return future.result()


def _chroma_bound(method):
    """A store method that talks to chromadb runs whole on the chroma thread (see on_chroma_thread)."""
    import functools

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        return on_chroma_thread(method, *args, **kwargs)

    return wrapper


def _client(path: Path | None, url: str):
    apply_offline_env()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        return chromadb.HttpClient(host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000,
                                   ssl=parsed.scheme == "https", settings=chroma_settings)
    assert path is not None
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _where(filters: dict[str, Any]) -> dict | None:
    clauses = [{k: v} for k, v in filters.items() if v not in (None, "")]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def set_documents(sets: list[ExemplarSet]) -> list[tuple[str, str, ExemplarSet, str]]:
    """(id, text, set, kind) of every document a set is indexed as: its whole text, then each purpose and its name
    with keywords (multi-vector)."""
    docs = [(f"{x.id}", x.text, x, "full") for x in sets]
    docs += [(f"{x.id}~{n}", part, x, "part") for x in sets
             for n, part in enumerate(x.purposes + [f"{x.name} {' '.join(x.keywords)}"])]
    return docs


def write_shipped_vectors() -> int:
    """Precompute the e5 vectors of the shipped library (python3 -m retrieval.store)."""
    from retrieval.embedding import write_shipped

    return write_shipped([d[1] for d in set_documents(load_library())])


@contextmanager
def build_lock(path: Path | None):
    """An exclusive lock on a local store's folder for the length of a build (none for a chroma server, or where
    the system has no flock)."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock
        fcntl = None
    if path is None or fcntl is None:
        yield
        return
    path.mkdir(parents=True, exist_ok=True)
    with open(path / ".build.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class ExemplarStore:
    """Hybrid search over the exemplar library. Build once, then query."""

    def __init__(self, path: Path | str | None = None, url: str | None = None, embedding: str | None = None,
                 indicator_embedding: str = "ngram") -> None:
        settings = load_settings()
        self.url = url if url is not None else settings.chroma_url
        self.path = Path(path) if path else settings.data_path / "chroma"
        # project types: the embedding chosen by measured recall; single indicators (up to 10^5 rows, queried
        # per slot): the fast n-gram embedding, since BM25 carries most of the lexical signal there
        self.embedders: dict[str, Embedder] = {
            SETS: get_embedder(embedding if embedding is not None else settings.embedding),
            INDICATORS: get_embedder(indicator_embedding),
        }
        self.client = _client(None if self.url else self.path, self.url)
        self._bm25: dict[str, tuple[BM25, list[str], list[dict], list[str]]] = {}
        # like the BM25 index, read once per store: counts, id → metadata and filter masks cost a round trip each
        self._counts: dict[str, int] = {}
        self._meta_of: dict[str, dict[str, dict]] = {}
        self._allowed: dict[tuple, set[int]] = {}

    # -- building ---------------------------------------------------------------------------------
    def _collection(self, name: str, create: bool = False):
        embedder = self.embedders[name]
        # a wide search beam keeps the approximate index (near) exact, so an embedded store and a chroma server
        # holding the same documents rank them the same
        meta = {"embedding": embedder.name, "dim": embedder.dim, "hnsw:space": "cosine", "hnsw:construction_ef": 200,
                "hnsw:search_ef": 256 if name == SETS else 128}
        if create:
            try:
                self.client.delete_collection(name)
            except Exception:  # chroma raises NotFoundError/ValueError depending on version and mode
                pass
            return self.client.create_collection(name, metadata=meta, embedding_function=None)
        try:
            col = self.client.get_collection(name, embedding_function=None)
        except Exception:
            return None
        stored = col.metadata or {}
        if stored.get("embedding") != embedder.name or int(stored.get("dim", 0)) != embedder.dim:
            raise ConfigError(
                f"向量库“{name}”由向量模型 {stored.get('embedding')}（{stored.get('dim')}维）建立，与当前的 "
                f"{embedder.name}（{embedder.dim}维）不一致；请运行 zhibiao library build 重建，或改回原设置")
        return col

    @_chroma_bound
    def build(self, sets: list[ExemplarSet] | None = None, extra: list[IndicatorRecord] | None = None) -> BuildStats:
        """(Re)create both collections from the library plus extra (user) indicators."""
        start = time.perf_counter()
        sets = load_library() if sets is None else sets
        records = indicator_records(sets) + list(extra or [])
        col = self._collection(SETS, create=True)
        # each set is indexed as its whole text plus one document per typical purpose (multi-vector): a short
        # query then meets the sentence closest to it, and the set's score is whole-text + best-part similarity
        docs = set_documents(sets)
        for i in range(0, len(docs), _BATCH):
            chunk = docs[i:i + _BATCH]
            texts = [d[1] for d in chunk]
            col.add(ids=[d[0] for d in chunk], documents=texts,
                    embeddings=self.embedders[SETS].passages(texts).tolist(),
                    metadatas=[{"name": d[2].name, "category": d[2].category, "file": d[2].file, "set_id": d[2].id,
                                "kind": d[3], "fingerprint": _fingerprint(d[2])} for d in chunk])
        col = self._collection(INDICATORS, create=True)
        for i in range(0, len(records), _BATCH):
            chunk = records[i:i + _BATCH]
            docs = [r.text for r in chunk]
            col.add(ids=[r.id for r in chunk], documents=docs,
                    embeddings=self.embedders[INDICATORS].passages(docs).tolist(),
                    metadatas=[r.metadata() for r in chunk])
        self._bm25.clear()
        self._counts.clear()
        self._meta_of.clear()
        self._allowed.clear()
        return BuildStats(len(sets), len(records), time.perf_counter() - start, self.embedders[SETS].name)

    @_chroma_bound
    def is_current(self, sets: list[ExemplarSet] | None = None) -> bool:
        """True when the store holds exactly the given library (by set ids and content fingerprints)."""
        col = self._collection(SETS)
        if col is None:
            return False
        sets = load_library() if sets is None else sets
        got = col.get(where={"kind": "full"}, include=["metadatas"])
        stored = {i: (m or {}).get("fingerprint") for i, m in zip(got["ids"], got["metadatas"])}
        return stored == {s.id: _fingerprint(s) for s in sets}

    def ensure(self, sets: list[ExemplarSet] | None = None) -> "ExemplarStore":
        """Build the shipped library on first use (or after the library changed). Two processes on one store (the
        web page and a rewrite after an upgrade) build it once: the second waits for the first, then finds it
        current, instead of deleting the collection the first is filling."""
        if self.is_current(sets):
            return self
        with build_lock(None if self.url else self.path):
            if not self.is_current(sets):
                self.build(sets, extra=load_user_records(self.path.parent))
        return self

    @_chroma_bound
    def count(self) -> dict[str, int]:
        counts = {name: (col.count() if (col := self._collection(name)) else 0) for name in (SETS, INDICATORS)}
        if counts[SETS] and (col := self._collection(SETS)) is not None:
            counts[SETS] = len(col.get(where={"kind": "full"}, include=[])["ids"])
        return counts

    # -- searching --------------------------------------------------------------------------------
    @_chroma_bound
    def _lexical(self, name: str):
        if name not in self._bm25:
            col = self._collection(name)
            if col is None:
                raise ConfigError("指标库尚未建立：请先运行 zhibiao library build")
            ids, metas, docs = [], [], []
            for offset in range(0, col.count(), _PAGE):  # paged: one get() of 10^5 rows exceeds SQLite's variable limit
                got = col.get(where={"kind": "full"} if name == SETS else None, include=["documents", "metadatas"],
                              limit=_PAGE, offset=offset)
                ids += got["ids"]
                metas += got["metadatas"]
                docs += got["documents"]
            corpus = [tokenize(d or "") for d in docs]
            self._bm25[name] = (BM25(corpus), ids, metas, docs)
        return self._bm25[name]

    def _vector(self, name: str, text: str, depth: int, where: dict | None) -> list[tuple[str, dict, str]]:
        """Vector ranking as (id, metadata, document); sets aggregate their whole-text and best-part similarity."""
        # the model reads the head of the text (name and purpose); long tails only slow it down, BM25 reads them all
        query = [self.embedders[name].query(text[:MAX_VECTOR_CHARS]).tolist()]
        include = ["distances"] if name != SETS else ["metadatas", "distances"]

        def ask() -> tuple[int, Any]:  # on the chroma thread: the collection, its size (once) and the query
            col = self._collection(name)
            if col is None:
                raise ConfigError("指标库尚未建立：请先运行 zhibiao library build")
            if name not in self._counts:
                self._counts[name] = col.count()
            n = self._counts[name]
            if n == 0:
                return 0, None
            depth_n = min(depth, n) if name != SETS else min(max(depth * 8, 200), n)
            return n, col.query(query_embeddings=query, n_results=depth_n, where=where, include=include)

        n, res = on_chroma_thread(ask)
        if n == 0:
            return []
        if name != SETS:
            # metadata come from the rows already read for BM25: asking chroma for them doubles the query's time
            if name not in self._meta_of:
                _, ids, metas, _ = self._lexical(name)
                self._meta_of[name] = {i: m or {} for i, m in zip(ids, metas)}
            meta_of = self._meta_of[name]
            # equal distances (rows with the same text) are ordered by id, so a server and an embedded store agree
            rows = sorted(zip(res["ids"][0], res["distances"][0]), key=lambda r: (round(float(r[1]), 6), r[0]))
            return [(i, meta_of.get(i, {}), "") for i, _ in rows]
        full: dict[str, float] = {}
        part: dict[str, float] = {}
        info: dict[str, tuple[dict, str]] = {}
        for meta, dist in zip(res["metadatas"][0], res["distances"][0]):
            doc = ""
            meta = meta or {}
            set_id, sim = meta.get("set_id", ""), 1.0 - float(dist)
            if meta.get("kind") == "full":
                full[set_id] = sim
                info[set_id] = (meta, doc)
            else:
                part[set_id] = max(part.get(set_id, -1.0), sim)
                info.setdefault(set_id, (meta, doc))
        floor = min(list(full.values()) + list(part.values()) + [0.0])
        scored = {i: full.get(i, floor) + part.get(i, floor) for i in info}
        ranked = sorted(scored, key=lambda i: (-round(scored[i], 6), i))[:depth]
        return [(i, info[i][0], info[i][1]) for i in ranked]

    def _search(self, name: str, text: str, k: int, filters: dict[str, Any]) -> list[Hit]:
        depth = max(k * 5, 30)
        where = _where(filters)
        hits: dict[str, Hit] = {}
        for rank, (id_, meta, doc) in enumerate(self._vector(name, text, depth, where)):
            hits[id_] = Hit(id_, 1.0 / (RRF_K + rank), meta, doc or "", vector_rank=rank)
        bm25, ids, metas, docs = self._lexical(name)
        allowed = None
        if where:
            key = (name, tuple(sorted((f, v) for f, v in filters.items() if v not in (None, ""))))
            if key not in self._allowed:
                self._allowed[key] = {i for i, m in enumerate(metas) if all((m or {}).get(f) == v for f, v in key[1])}
            allowed = self._allowed[key]
        candidates = bm25.top(tokenize(text), depth, allowed)
        lexical = heapq.nsmallest(depth, candidates, key=lambda x: (-round(x[1], 6), ids[x[0]]))
        for rank, (i, _) in enumerate(lexical):
            hit = hits.get(ids[i]) or Hit(ids[i], 0.0, metas[i] or {}, docs[i] or "")
            hit.score += 1.0 / (RRF_K + rank)
            hit.bm25_rank = rank
            hits[ids[i]] = hit
        return sorted(hits.values(), key=lambda h: (-round(h.score, 9), h.id))[:k]

    def search_sets(self, text: str, k: int = 5, category: str | None = None) -> list[Hit]:
        """The project types most like a project name/purpose."""
        return self._search(SETS, text, k, {"category": category})

    def search_indicators(self, text: str, k: int = 10, level2: str | None = None, category: str | None = None,
                          layout: str | None = None, set_id: str | None = None) -> list[Hit]:
        """Single indicators for one slot, optionally filtered by 二级指标, 功能分类, layout or set."""
        filters = {"level2": level2, "category": category, "set_id": set_id}
        if layout in ("2015", "2021"):
            filters[f"layout_{layout}"] = True
        return self._search(INDICATORS, text, k, filters)


def _fingerprint(s: ExemplarSet) -> str:
    return hashlib.sha1(s.model_dump_json().encode("utf-8")).hexdigest()[:16]


# -- user libraries ------------------------------------------------------------------------------
USER_FILE = "user_indicators.jsonl"


def load_user_records(data_dir: Path) -> list[IndicatorRecord]:
    path = data_dir / USER_FILE
    if not path.exists():
        return []
    return [IndicatorRecord(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def save_user_records(data_dir: Path, records: list[IndicatorRecord]) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / USER_FILE
    existing = {r.id: r for r in load_user_records(data_dir)}
    existing.update({r.id: r for r in records})
    path.write_text("".join(json.dumps(r.__dict__, ensure_ascii=False) + "\n" for r in existing.values()),
                    encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"wrote the e5 vectors of {write_shipped_vectors()} library documents")
