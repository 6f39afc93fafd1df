"""Batch rewriting of whole documents: progress, a checkpoint to resume from, per-project failures isolated."""

from __future__ import annotations

import hashlib
import json
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


class Checkpoint:
    """Append-only JSONL of finished projects. A line cut off by a kill is ignored on resume."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def load(self) -> dict[str, ProjectRewrite]:
        done: dict[str, ProjectRewrite] = {}
        if not self.path.exists():
            return done
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                done[entry["key"]] = ProjectRewrite.model_validate(entry["result"])
            except (ValueError, KeyError):
                continue  # a half-written last line from an interrupted run
        return done

    def add(self, key: str, result: ProjectRewrite) -> None:
        line = json.dumps({"key": key, "result": result.model_dump(mode="json")}, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
                fh.flush()
                os.fsync(fh.fileno())

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def _failed(index: int, sheet: ProjectSheet, exc: Exception) -> ProjectRewrite:
    message = str(exc) if isinstance(exc, ZhibiaoError) else f"{type(exc).__name__}: {exc}"
    before = check_project(sheet)
    return ProjectRewrite(index=index, code=sheet.code, name=sheet.name, status="failed", error=message,
                          before=before, after=None)


def rewrite_document(doc: Document, drafter, *, keep_good: bool = True, concurrency: int = 1,
                     checkpoint: Checkpoint | None = None, resume: bool = False, progress: Progress | None = None,
                     problems: list[str] | None = None) -> DocumentRewrite:
    """Rewrite every project; finished projects are checkpointed as they complete."""
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
            return rewrite_sheet(sheet, shared, index=i, keep_good=keep_good)
        except Exception as exc:  # one project's failure must not stop the others
            return _failed(i, sheet, exc)

    todo = [i for i in range(total) if i not in results]
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = {pool.submit(work, i): i for i in todo}
        for future in as_completed(futures):
            i = futures[future]
            result = future.result()
            results[i] = result
            if checkpoint and result.status == "ok":
                checkpoint.add(keys[i], result)
            count += 1
            if progress:
                progress(count, total, doc.projects[i].name)
    ordered = [results[i] for i in range(total)]
    projects = [r.after.sheet if r.after is not None else doc.projects[r.index] for r in ordered]
    new_doc = doc.model_copy(update={"projects": projects})
    return DocumentRewrite(source=doc.source, document=new_doc, projects=ordered, problems=problems or [],
                           resumed=resumed)
