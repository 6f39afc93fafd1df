"""Versioned case sets: drafting (a brief and a reference indicator set) and rewriting (a legacy table and a
reference rewrite), written independently of the exemplar library so the harness measures generalisation."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.brief import Brief
from assistant.models import ProjectSheet

CASES_DIR = Path(__file__).parent / "cases"
DRAFTING = CASES_DIR / "drafting.jsonl"
REWRITING = CASES_DIR / "rewriting.jsonl"
NOVEL = CASES_DIR / "novel.jsonl"  # briefs for project types the library does not have (issue #16)


class ReferenceIndicator(BaseModel):
    model_config = ConfigDict(extra="ignore")

    level2: str
    name: str
    value: str = ""


class Case(BaseModel):
    """One evaluation case; `kind` says whether a brief is drafted or a legacy sheet rewritten."""

    model_config = ConfigDict(extra="ignore")

    id: str
    kind: str = "draft"
    sector: str = ""
    brief: Brief | None = None
    legacy: ProjectSheet | None = None
    quantities: list[str] = Field(default_factory=list)
    reference: list[ReferenceIndicator] = Field(default_factory=list)
    objects: list[str] = Field(default_factory=list, description="nouns every good row should name (novel cases)")

    def as_brief(self) -> Brief:
        if self.brief is not None:
            return self.brief
        from assistant.rewrite import brief_for

        return brief_for(self.legacy)


def load_cases(path: Path | str | None = None, kind: str | None = None) -> list[Case]:
    """Cases from one JSONL file, or all shipped sets (drafting, rewriting, novel types)."""
    paths = [Path(path)] if path else [p for p in (DRAFTING, REWRITING, NOVEL) if p.exists()]
    cases: list[Case] = []
    for p in paths:
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            data = json.loads(line)
            data.setdefault("kind", "rewrite" if "legacy" in data else "draft")
            try:
                cases.append(Case.model_validate(data))
            except ValueError as exc:
                raise ValueError(f"{p.name} line {n}: {exc}") from exc
    return [c for c in cases if kind is None or c.kind == kind]
