"""Findings as data, the rule registry and the context every rule reads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Callable, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import Indicator, ProjectSheet
from assistant.taxonomy import BENEFIT, BENEFIT_LEVEL2, SATISFACTION, SERVICE_SATISFACTION, is_cost_level2
from assistant.values import ParsedValue

Severity = Literal["error", "warning", "info"]
Dimension = Literal["completeness", "relevance", "appropriateness", "feasibility"]


class Finding(BaseModel):
    """One defect found in a sheet: code, severity, where, a Chinese message and a fix hint."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str = Field(description="rule code, e.g. V07")
    severity: Severity = Field(description="error | warning | info")
    dimension: Dimension = Field(description="score dimension the rule counts against")
    indicator: str | None = Field(None, description="三级指标名称 the finding is about (None: the whole sheet)")
    index: int | None = Field(None, description="position of the indicator in the sheet (0-based)")
    message: str = Field(description="what is wrong, in Chinese")
    hint: str = Field("", description="how to fix it, in Chinese")


@lru_cache(maxsize=16384)
def _finding(rule: str, severity: Severity, dimension: Dimension, indicator: str | None, index: int | None,
             message: str, hint: str) -> Finding:
    """A finding, shared between checks that find the same thing (it is frozen): a rewrite or a repair loop
    checks each sheet again and again, and most findings repeat."""
    return Finding(rule=rule, severity=severity, dimension=dimension, indicator=indicator, index=index,
                   message=message, hint=hint)


@dataclass(frozen=True)
class RuleInfo:
    code: str
    severity: Severity
    dimension: Dimension
    title: str
    func: Callable[["Context"], Iterable[Finding]]
    per_row: bool = False


RULES: dict[str, RuleInfo] = {}


def rule(code: str, severity: Severity, dimension: Dimension, title: str, per_row: bool = False):
    """Register a rule function under its code.

    `per_row`: the rule judges each row on its own. What it finds in a row depends only on that row's cells and on
    the sheet's name, project text, year and layout, never on the other rows or the row's position (its messages
    name no row number), so `check_sheet` may reuse a row's findings from an earlier check.
    """

    def wrap(func: Callable[["Context"], Iterable[tuple[int | None, str, str] | Finding]]):
        def run(ctx: "Context") -> list[Finding]:
            out = []
            rows = ctx.indicators
            for item in func(ctx):
                if item.__class__ is tuple:
                    index, message, hint = item
                    out.append(_finding(code, severity, dimension, rows[index].name if index is not None else None,
                                        index, message, hint))
                else:
                    out.append(item)
            return out

        RULES[code] = RuleInfo(code, severity, dimension, title, run, per_row)
        return func

    return wrap


_TITLE_RE = re.compile(r"《[^》]*》")


@dataclass
class Context:
    """A normalised sheet plus what the rules need to know about it."""

    sheet: ProjectSheet
    extra_text: str = ""
    _cache: dict = field(default_factory=dict)
    indicators: list[Indicator] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.indicators = self.sheet.indicators  # read by every rule on every row: a plain attribute, not a property

    @cached_property
    def project_text(self) -> str:
        return " ".join([self.sheet.name, self.sheet.fund_use, *self.sheet.goals, self.extra_text])

    @cached_property
    def values(self) -> list[ParsedValue]:
        return [ind.parsed_value for ind in self.indicators]

    def only(self, rows: list[int]) -> "Context":
        """The same sheet seen through some of its rows (renumbered from 0): per-row rules run on the rows whose
        findings are not known yet."""
        view = Context(self.sheet, self.extra_text)
        view.indicators = [self.indicators[i] for i in rows]
        view.__dict__["project_text"] = self.project_text
        return view

    def rows(self, *level2: str) -> list[tuple[int, Indicator]]:
        return [(i, ind) for i, ind in enumerate(self.indicators) if not level2 or ind.level2 in level2]

    def cost_rows(self) -> list[tuple[int, Indicator]]:
        return [(i, ind) for i, ind in enumerate(self.indicators) if is_cost_level2(ind.level2)]

    def benefit_rows(self) -> list[tuple[int, Indicator]]:
        return [(i, ind) for i, ind in enumerate(self.indicators)
                if ind.level2 in BENEFIT_LEVEL2 or ind.level1 == BENEFIT]

    def satisfaction_rows(self) -> list[tuple[int, Indicator]]:
        return [(i, ind) for i, ind in enumerate(self.indicators)
                if ind.level2 == SERVICE_SATISFACTION or ind.level1 == SATISFACTION]

    @property
    def budget_yuan(self) -> float | None:
        return self.sheet.budget.total_yuan


def strip_titles(text: str) -> str:
    """Text without 《…》 titles (so a cited standard's words are judged separately)."""
    return _TITLE_RE.sub("", text or "")


def titles(text: str) -> list[str]:
    return _TITLE_RE.findall(text or "")
