"""The exemplar library: curated indicator sets per project type, loaded from retrieval/library/*.yaml."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.models import Indicator, ProjectSheet
from assistant.taxonomy import Layout, convert_level2, level1_for, normalize_level2

LIBRARY_DIR = Path(__file__).parent / "library"
SLOT_RE = re.compile(r"\{([A-Z_]+)(?:[+-]\d)?(?::([^{}]*))?\}")


class ExemplarIndicator(BaseModel):
    """One exemplary 三级指标; `value` may hold slots such as {N:建筑面积} or {YEAR}."""

    model_config = ConfigDict(extra="forbid")

    level2: str = Field(description="二级指标 (2015 names; 成本指标 becomes 经济成本指标 in the 2021 layout)")
    name: str = Field(description="三级指标名称")
    description: str = Field(description="指标解释：口径或公式")
    value: str = Field(description="指标值, possibly with slots")
    basis: str = Field(description="类别：具体来源")

    @field_validator("level2")
    @classmethod
    def _canonical(cls, v: str) -> str:
        return normalize_level2(v)


class ExemplarSet(BaseModel):
    """A project type with its complete exemplary indicator set."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,60}$")
    name: str
    category: str = Field(description="支出功能分类（类）")
    subcategory: str = Field("", description="支出功能分类（款）")
    keywords: list[str] = Field(min_length=3)
    purposes: list[str] = Field(min_length=1)
    goal: str = ""
    sources: list[str] = Field(default_factory=list)
    indicators: list[ExemplarIndicator] = Field(min_length=8)
    file: str = Field("", description="the library file it came from")

    def rows(self, layout: Layout = "2015") -> list[Indicator]:
        """The indicators placed in the given layout (2021-only rows dropped from the 2015 layout)."""
        out = []
        for ind in self.indicators:
            level2 = convert_level2(ind.level2, layout)
            if level2 is None:
                continue
            out.append(Indicator(level1=level1_for(level2, layout) or "", level2=level2, name=ind.name,
                                 description=ind.description, value=ind.value, basis=ind.basis))
        return out

    def to_sheet(self, layout: Layout = "2015", year: int | None = None) -> ProjectSheet:
        """The set as a sheet of its own (slots left in place), e.g. to validate the library."""
        return ProjectSheet(name=self.name, code=self.id, year=year, layout=layout, fund_use=self.purposes[0],
                            goals=[self.goal] if self.goal else [], indicators=self.rows(layout))

    def sample_sheet(self, layout: Layout = "2015", year: int = 2025) -> ProjectSheet:
        """The set with every slot given a sample figure, as a project using it would be judged."""
        sheet = self.to_sheet(layout, year)

        def one(m: re.Match) -> str:
            if m.group(1) != "YEAR":
                return "8"
            shift = re.search(r"[+-]\d", m.group(0))
            return str(year + (int(shift.group(0)) if shift else 0))

        def fill(text: str) -> str:
            return SLOT_RE.sub(one, text)

        rows = [r.model_copy(update={"value": fill(r.value), "description": fill(r.description), "basis": fill(r.basis)})
                for r in sheet.indicators]
        return sheet.model_copy(update={"indicators": rows, "goals": [fill(g) for g in sheet.goals]})

    @property
    def text(self) -> str:
        """What retrieval indexes for the whole set."""
        return " ".join([self.name, self.category, self.subcategory, " ".join(self.keywords), " ".join(self.purposes)])


def load_file(path: Path) -> list[ExemplarSet]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [ExemplarSet.model_validate({**item, "file": path.name}) for item in data]


@lru_cache(maxsize=4)
def _load(directory: str) -> tuple[ExemplarSet, ...]:
    sets: list[ExemplarSet] = []
    for path in sorted(Path(directory).glob("*.yaml")):
        sets.extend(load_file(path))
    ids = [s.id for s in sets]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"duplicate exemplar ids: {sorted(dupes)}")
    return tuple(sets)


def load_library(directory: Path | None = None) -> list[ExemplarSet]:
    """All exemplar sets of the shipped library (or of another directory of YAML files)."""
    return list(_load(str(directory or LIBRARY_DIR)))


def slots(text: str) -> list[tuple[str, str]]:
    """The (kind, label) of every slot in a text: {N:面积} -> ('N', '面积'); {YEAR} -> ('YEAR', '')."""
    return [(m.group(1), m.group(2) or "") for m in SLOT_RE.finditer(text)]
