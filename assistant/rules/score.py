"""The review score of a sheet: shares of sound rows per dimension of the 财预〔2015〕88号 review, a grade and a
readiness state.

How it is computed (documented in the README, section "Checking a document"):

- Every row has a weight. The 一级 groups carry the weights printed in the budget-integration system's tables
  (产出 50, 效益 30, 满意度 10; 2021 版的成本指标 counts with 产出), spread evenly over the group's rows and
  renormalised over the groups the table has.
- Per dimension (完整性, 相关性, 适当性, 可行性), a row's share is the product of (1 − cost) over its findings in that
  dimension: an error costs 1 (the row fails the dimension), a warning 0.3, a hint 0.05. A value that says nothing
  measurable (a placeholder, a vague or unreadable text, "≥100%", a percentage of a count, "365天") fails both
  可行性 and 适当性: such a target can be neither measured nor judged.
- Findings about the whole sheet cost points of their dimension (error 15, warning 5, hint 1; at most three hits
  per rule), at most 50, so a dimension never sits at 0 while sound rows exist.
- total = Σ weight × dimension; each open placeholder costs another 2 points (at most 20).
- Caps: when most 产出 rows are about objects the project never mentions (C02), the total is at most 79 (良).

Every step only subtracts for a finding, so fixing any one defect never lowers the score.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.rules.base import Finding

if TYPE_CHECKING:
    from assistant.models import ProjectSheet

Grade = Literal["优", "良", "中", "差"]
Readiness = Literal["可提交", "待补充", "需修改"]

DIMENSIONS = ("completeness", "relevance", "appropriateness", "feasibility")
DIMENSION_ZH = {"completeness": "完整性", "relevance": "相关性", "appropriateness": "适当性", "feasibility": "可行性"}
# weights of the four review dimensions in the total (财预〔2015〕88号 第二十条: 完整性、相关性、适当性、可行性)
DIMENSION_WEIGHTS = {"completeness": 0.25, "relevance": 0.25, "appropriateness": 0.20, "feasibility": 0.30}
# weights of the 一级 groups (产出 50, 效益 30, 满意度 10, as printed in the budget-integration system's tables)
GROUP_WEIGHTS = {"产出指标": 50.0, "成本指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0}
ROW_COST = {"error": 1.0, "warning": 0.3, "info": 0.05}
SHEET_COST = {"error": 15.0, "warning": 5.0, "info": 1.0}
MAX_HITS = 3
MAX_SHEET_DEDUCTION = 50.0
PLACEHOLDER_POINTS, MAX_PLACEHOLDER_POINTS = 2.0, 20.0
# rules whose finding fails more than their own dimension
# (a placeholder, an unreadable or vague value, "≥100%", a percentage of a count, "365天")
_ALSO_FAILS = {code: ("feasibility", "appropriateness") for code in ("V20", "V01", "V14", "V07", "V03", "V12")}
# sheet-level rules that cap the total
CAPS = {"C02": 79.0}
GRADE_BANDS: tuple[tuple[float, Grade], ...] = ((90.0, "优"), (80.0, "良"), (60.0, "中"), (0.0, "差"))


class Score(BaseModel):
    """The review judgement of one sheet: total, the four dimensions, grade and readiness."""

    model_config = ConfigDict(extra="forbid")

    total: float = Field(description="0–100")
    completeness: float = Field(description="完整性 0–100")
    relevance: float = Field(description="相关性 0–100")
    appropriateness: float = Field(description="适当性 0–100")
    feasibility: float = Field(description="可行性（可衡量、有依据）0–100")
    errors: int = Field(0, description="number of error-level findings")
    warnings: int = Field(0, description="number of warnings")
    open: int = Field(0, description="placeholders still to be filled (待补充)")
    grade: Grade = Field("差", description="审核等级：优 ≥90，良 80–89，中 60–79，差 <60")
    readiness: Readiness = Field("需修改", description="可提交 | 待补充 | 需修改")

    @property
    def verdict(self) -> str:
        """The readiness as a user reads it: 可提交, 待补充 N 项, or 需修改."""
        return readiness_text(self.readiness, self.open, self.errors)


def grade_for(total: float) -> Grade:
    """The review grade of a score (bands in use: 优 ≥90, 良 80–89, 中 60–79, 差 <60)."""
    return next(g for floor, g in GRADE_BANDS if total >= floor)


def readiness_text(readiness: str, open_count: int, errors: int = 0) -> str:
    if readiness == "待补充":
        return f"待补充 {open_count} 项"
    if readiness == "需修改":
        return f"需修改（{errors} 个错误）" if errors else "需修改"
    return "可提交"


def open_count(sheet: "ProjectSheet") -> int:
    """Facts to fill: exactly the questions `open_facts` asks (one per slot group or loose placeholder), so the
    readiness "待补充 N 项" and the form below it always agree."""
    from assistant.open_facts import count_open

    return count_open(sheet)


def row_weights(sheet: "ProjectSheet") -> list[float]:
    """Each row's weight: its 一级 group's weight spread over the group's rows, summing to 1 over the sheet."""
    groups = [ind.level1 if ind.level1 in GROUP_WEIGHTS else "产出指标" for ind in sheet.indicators]
    if not groups:
        return []
    # 2021 版: 成本指标 shares 产出's weight rather than adding another 50
    groups = ["产出指标" if g == "成本指标" else g for g in groups]
    sizes = defaultdict(int)
    for g in groups:
        sizes[g] += 1
    raw = [GROUP_WEIGHTS[g] / sizes[g] for g in groups]
    total = sum(raw)
    return [w / total for w in raw]


def _row_shares(findings: list[Finding], n_rows: int) -> dict[str, list[float]]:
    shares = {d: [1.0] * n_rows for d in DIMENSIONS}
    for f in findings:
        if f.index is None or not 0 <= f.index < n_rows:
            continue
        for dim in _ALSO_FAILS.get(f.rule, (f.dimension,)):
            cost = 1.0 if f.rule in _ALSO_FAILS else ROW_COST[f.severity]  # unknown or vague: fails both
            shares[dim][f.index] *= 1.0 - cost
    return shares


def _sheet_deductions(findings: list[Finding]) -> dict[str, float]:
    hits: dict[str, int] = defaultdict(int)
    points: dict[str, float] = defaultdict(float)
    for f in findings:
        if f.index is not None:
            continue
        hits[f.rule] += 1
        if hits[f.rule] <= MAX_HITS:
            points[f.dimension] += SHEET_COST[f.severity]
    return {d: min(MAX_SHEET_DEDUCTION, points[d]) for d in DIMENSIONS}


def score(findings: list[Finding], sheet: "ProjectSheet | None" = None) -> Score:
    """Score a sheet from its findings (without the sheet, every row weighs the same)."""
    n_rows = len(sheet.indicators) if sheet is not None else 1 + max((f.index or 0 for f in findings), default=0)
    weights = row_weights(sheet) if sheet is not None else [1.0 / n_rows] * n_rows
    shares = _row_shares(findings, n_rows)
    deductions = _sheet_deductions(findings)
    dims = {}
    for d in DIMENSIONS:
        row_part = sum(w * s for w, s in zip(weights, shares[d])) if n_rows else 0.0
        dims[d] = round(row_part * (100.0 - deductions[d]), 1)
    n_open = open_count(sheet) if sheet is not None else sum(f.rule == "V20" for f in findings)
    total = sum(DIMENSION_WEIGHTS[d] * dims[d] for d in DIMENSIONS)
    total -= min(MAX_PLACEHOLDER_POINTS, PLACEHOLDER_POINTS * n_open)
    for f in findings:
        if f.index is None and f.rule in CAPS:
            total = min(total, CAPS[f.rule])
    total = round(max(0.0, total), 1)
    errors = sum(f.severity == "error" for f in findings)
    readiness: Readiness = "需修改" if errors else ("待补充" if n_open else "可提交")
    return Score(total=total, **dims, errors=errors, warnings=sum(f.severity == "warning" for f in findings),
                 open=n_open, grade=grade_for(total), readiness=readiness)


def document_score(scores: list[Score]) -> float:
    """A document's score: the mean of its project scores (0 when empty)."""
    return round(sum(s.total for s in scores) / len(scores), 1) if scores else 0.0
