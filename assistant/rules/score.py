"""The 0–100 quality score of a sheet and of a document, with sub-scores per dimension."""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, ConfigDict, Field

from assistant.rules.base import Finding

WEIGHTS = {"error": 10, "warning": 3, "info": 1}
# at most this many hits of one rule count against the score
MAX_HITS = 3
DIMENSIONS = ("completeness", "measurability", "relevance", "basis")


class Score(BaseModel):
    """Overall score and sub-scores (完整性, 可衡量性, 相关性, 依据充分性)."""

    model_config = ConfigDict(extra="forbid")

    total: float = Field(description="0–100")
    completeness: float = Field(description="完整性 0–100")
    measurability: float = Field(description="可衡量性 0–100")
    relevance: float = Field(description="相关性 0–100")
    basis: float = Field(description="依据充分性 0–100")
    errors: int = Field(0, description="number of error-level findings")
    warnings: int = Field(0, description="number of warnings")


def score(findings: list[Finding]) -> Score:
    """Start from 100; each finding costs by severity, each rule counting at most MAX_HITS times."""
    hits: dict[str, int] = defaultdict(int)
    penalty: dict[str, float] = defaultdict(float)
    for f in findings:
        hits[f.rule] += 1
        if hits[f.rule] <= MAX_HITS:
            penalty[f.dimension] += WEIGHTS[f.severity]
    total = max(0.0, 100.0 - sum(penalty.values()))
    subs = {d: max(0.0, 100.0 - 2 * penalty[d]) for d in DIMENSIONS}
    return Score(total=total, **subs,
                 errors=sum(f.severity == "error" for f in findings),
                 warnings=sum(f.severity == "warning" for f in findings))


def document_score(scores: list[Score]) -> float:
    """A document's score: the mean of its project scores (0 when empty)."""
    return round(sum(s.total for s in scores) / len(scores), 1) if scores else 0.0
