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
# rewriting cases built from the good and mixed real published tables (eval/cases/real_tables*.jsonl); their
# reference is the table's own rows, since a rewrite of a sound table should still cover what it stated
REAL_TABLES = "real_tables"


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


def real_table_cases() -> list[Case]:
    """The good and mixed real tables as rewriting cases: the legacy table is the published one, as printed."""
    from assistant.repair import canonical_level2
    from eval.calibration import load_tables, sheet_of

    cases = []
    for t in load_tables():
        if t["label"] not in ("good", "mixed"):
            continue
        legacy = sheet_of(t)
        reference = [ReferenceIndicator(level2=canonical_level2(i, legacy.layout), name=i.name, value=i.value)
                     for i in legacy.indicators if i.name.strip()]
        cases.append(Case(id=f"rt-{t['id']}", kind="rewrite", sector=t.get("sector") or t.get("region", ""),
                          legacy=legacy, reference=reference))
    return cases


def load_cases(path: Path | str | None = None, kind: str | None = None) -> list[Case]:
    """Cases from one JSONL file, or all shipped sets (drafting, rewriting, novel types, the real tables as
    rewriting cases); `path` may also be "real_tables" for those alone."""
    if path is not None and str(path) == REAL_TABLES:
        return [c for c in real_table_cases() if kind in (None, "rewrite")]
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
    if not path:
        cases += real_table_cases()
    return [c for c in cases if kind is None or c.kind == kind]
