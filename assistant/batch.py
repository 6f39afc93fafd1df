"""Batch rewriting of whole documents: progress, a checkpoint to resume from, per-project failures isolated."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Callable

from pydantic import BaseModel, ConfigDict, Field

from assistant.breaker import prepared
from assistant.errors import ZhibiaoError
from assistant.models import Document, ProjectSheet
from assistant.report import check_project
from assistant.rewrite import ProjectRewrite, rewrite_sheet

log = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]


class DocumentRewrite(BaseModel):
    """A whole document rewritten: the new document, per-project results, and what could not be read."""

    model_config = ConfigDict(extra="forbid")

    source: str
    document: Document
    projects: list[ProjectRewrite]
    problems: list[str] = Field(default_factory=list)
    resumed: int = Field(0, description="projects taken from the checkpoint instead of being redone")

    @property
    def failed(self) -> list[ProjectRewrite]:
        return [p for p in self.projects if p.status == "failed"]


def sheet_key(index: int, sheet: ProjectSheet) -> str:
    """Identifies a project's input exactly; a changed input is never served from an old checkpoint."""
    digest = hashlib.sha256(sheet.model_dump_json().encode("utf-8")).hexdigest()[:16]
    return f"{index}:{digest}"


def read_jsonl(path: Path) -> tuple[list[dict], int]:
    """The whole lines of a JSONL file, and how many lines were torn (cut by a kill or a full disk) or invalid."""
    if not path.exists():
        return [], 0
    entries, torn = [], 0
    for raw in path.read_bytes().split(b"\n"):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw.decode("utf-8"))
        except ValueError:  # also UnicodeDecodeError: a line cut mid-character
            torn += 1
            continue
        if isinstance(entry, dict):
            entries.append(entry)
        else:
            torn += 1
    return entries, torn


def append_jsonl(path: Path, entry: dict) -> None:
    """Append one line durably; a torn last line left by an earlier run is closed off first."""
    line = json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab+") as fh:
        if fh.tell() > 0:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                line = b"\n" + line
        fh.seek(0, os.SEEK_END)
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


class Checkpoint:
    """Append-only JSONL of finished projects. A torn or invalid line is ignored on resume, with a warning."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.torn = 0  # lines ignored by the last load()
        self._lock = threading.Lock()

    def load(self) -> dict[str, ProjectRewrite]:
        done: dict[str, ProjectRewrite] = {}
        entries, self.torn = read_jsonl(self.path)
        for entry in entries:
            try:
                done[entry["key"]] = ProjectRewrite.model_validate(entry["result"])
            except (ValueError, KeyError, TypeError):
                self.torn += 1
        if self.torn:
            log.warning("checkpoint %s: %d torn or invalid lines ignored", self.path, self.torn)
        return done

    def add(self, key: str, result: ProjectRewrite) -> None:
        with self._lock:
            append_jsonl(self.path, {"key": key, "result": result.model_dump(mode="json")})

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


class FolderLedger:
    """Which input files of a folder run are finished (by content hash), so `--resume` skips them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.torn = 0

    def finished(self) -> dict[str, dict]:
        entries, self.torn = read_jsonl(self.path)
        return {e["input"]: e for e in entries if isinstance(e.get("input"), str) and isinstance(e.get("sha256"), str)}

    def is_done(self, done: dict[str, dict], source: Path) -> bool:
        entry = done.get(source.name)
        outputs = [self.path.parent / str(name) for name in (entry or {}).get("outputs", [])]
        return bool(entry) and entry["sha256"] == file_digest(source) and all(p.exists() for p in outputs)

    def add(self, source: Path, outputs: list[Path]) -> None:
        append_jsonl(self.path, {"input": source.name, "sha256": file_digest(source),
                                 "outputs": [p.name for p in outputs]})

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _failed(index: int, sheet: ProjectSheet, exc: Exception) -> ProjectRewrite:
    message = str(exc) if isinstance(exc, ZhibiaoError) else f"{type(exc).__name__}: {exc}"
    before = check_project(sheet)
    return ProjectRewrite(index=index, code=sheet.code, name=sheet.name, status="failed", error=message,
                          before=before, after=None)


def _save(checkpoint: Checkpoint, key: str, result: ProjectRewrite) -> None:
    """A checkpoint that cannot be written (full disk) costs only the resume, never the run."""
    try:
        checkpoint.add(key, result)
    except OSError as exc:
        log.warning("checkpoint %s not written: %s", checkpoint.path, exc)


def rewrite_document(doc: Document, drafter, *, keep_good: bool = True, concurrency: int = 1,
                     checkpoint: Checkpoint | None = None, resume: bool = False, progress: Progress | None = None,
                     problems: list[str] | None = None, year: int | None = None) -> DocumentRewrite:
    """Rewrite every project; finished projects are checkpointed as they complete. `year` is the budget year for
    projects whose document names none."""
    total = len(doc.projects)
    done = checkpoint.load() if (checkpoint and resume) else {}
    if checkpoint and not resume:
        checkpoint.clear()
    results: dict[int, ProjectRewrite] = {}
    keys = [sheet_key(i, s) for i, s in enumerate(doc.projects)]
    resumed = 0
    for i, key in enumerate(keys):
        if key in done:
            results[i] = done[key]
            resumed += 1
    count = len(results)
    if progress:
        progress(count, total, "")

    shared = prepared(drafter)  # one store and one breaker for all workers

    def work(i: int) -> ProjectRewrite:
        sheet = doc.projects[i]
        try:
            return rewrite_sheet(sheet, shared, index=i, keep_good=keep_good, year=year)
        except Exception as exc:  # one project's failure must not stop the others
            return _failed(i, sheet, exc)

    todo = [i for i in range(total) if i not in results]
    if concurrency > 1 and getattr(drafter, "cpu_bound", False):
        # threads help a drafter that waits on an endpoint, not one that computes: run the offline drafter in one
        log.info("drafter %s is CPU-bound: --concurrency %d runs as 1", getattr(drafter, "name", "?"), concurrency)
        concurrency = 1
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = {pool.submit(work, i): i for i in todo}
        for future in as_completed(futures):
            i = futures[future]
            result = future.result()
            results[i] = result
            if checkpoint and result.status == "ok":
                _save(checkpoint, keys[i], result)
            count += 1
            if progress:
                progress(count, total, doc.projects[i].name)
    ordered = [results[i] for i in range(total)]
    projects = [r.after.sheet if r.after is not None else doc.projects[r.index] for r in ordered]
    new_doc = doc.model_copy(update={"projects": projects})
    return DocumentRewrite(source=doc.source, document=new_doc, projects=ordered, problems=problems or [],
                           resumed=resumed)
