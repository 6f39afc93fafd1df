"""draft(brief) -> Draft: the sheet, its findings and score, the exemplars it drew on, and a trace."""

from __future__ import annotations

from typing import Any, Callable, Protocol

from pydantic import BaseModel, ConfigDict, Field

from assistant.brief import Brief
from assistant.models import ProjectSheet
from assistant.report import check_project
from assistant.rules import Finding, Score
from assistant.settings import Settings, load_settings


class Source(BaseModel):
    """An exemplar set the draft drew on, shown to the user."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="exemplar set id")
    name: str = Field(description="项目类型")
    category: str = Field("", description="功能分类")
    score: float = Field(0.0, description="retrieval score")
    references: list[str] = Field(default_factory=list, description="regulations and standards the set relies on")
    indicators: list[str] = Field(default_factory=list, description="三级指标 of the draft taken from this set")


class Trace(BaseModel):
    model_config = ConfigDict(extra="forbid")

    drafter: str
    attempts: int = 1
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    method: str = Field("", description="structured-output method used (json_schema/function_calling/json_mode/text)")
    events: list[str] = Field(default_factory=list, description="what happened, in order")
    retrieval: list[dict[str, Any]] = Field(default_factory=list)


class Draft(BaseModel):
    """A proposed sheet with its validation."""

    model_config = ConfigDict(extra="forbid")

    sheet: ProjectSheet
    score: float
    sub_scores: Score
    findings: list[Finding]
    sources: list[Source] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="what the user should know about this draft, in Chinese")
    partial: bool = Field(False, description="the repairs ran out with errors left: to be shown as 需修改, not accepted")
    trace: Trace

    @classmethod
    def build(cls, sheet: ProjectSheet, sources: list[Source], trace: Trace, notes: list[str] | None = None) -> "Draft":
        return cls.from_report(check_project(sheet), sources, trace, notes)

    @classmethod
    def from_report(cls, report, sources: list[Source], trace: Trace, notes: list[str] | None = None) -> "Draft":
        """A draft from a sheet that has already been checked."""
        return cls(sheet=report.sheet, score=report.score, sub_scores=report.sub_scores, findings=report.findings,
                   sources=sources, trace=trace, notes=notes or [])

    def rechecked(self, sheet: ProjectSheet) -> "Draft":
        """The same draft after an edit, validated again."""
        return Draft.build(sheet, self.sources, self.trace, self.notes)


class Drafter(Protocol):
    name: str

    def draft(self, brief: Brief) -> Draft: ...


DRAFTERS: dict[str, Callable[[Settings], Drafter]] = {}


def register(name: str):
    def wrap(factory):
        DRAFTERS[name] = factory
        return factory

    return wrap


def get_drafter(name: str | None = None, settings: Settings | None = None) -> Drafter:
    """A drafter by name; the default is llm when an endpoint is configured, else exemplar."""
    from assistant import drafters  # noqa: F401  (registers the drafters)
    from assistant.errors import ConfigError

    settings = settings or load_settings()
    key = name or settings.default_drafter
    if key not in DRAFTERS:
        raise ConfigError(f"未知的起草方式“{key}”（可选：{'、'.join(DRAFTERS)}）")
    return DRAFTERS[key](settings)


def draft(brief: Brief | dict, drafter: str | None = None, settings: Settings | None = None) -> Draft:
    """Draft a 绩效目标表 for a brief."""
    brief = brief if isinstance(brief, Brief) else Brief.model_validate(brief)
    return get_drafter(drafter, settings).draft(brief)
