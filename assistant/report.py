"""Check reports: per-project score and findings, in the stable JSON form documented in the README."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import Document, ProjectSheet
from assistant.rules import Finding, Score, check_sheet, document_score, score


class ProjectReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="项目编码")
    name: str = Field(description="项目名称")
    score: float = Field(description="0–100")
    sub_scores: Score = Field(description="完整性、可衡量性、相关性、依据充分性")
    findings: list[Finding] = Field(description="validator findings")
    sheet: ProjectSheet = Field(description="the sheet as checked")


class CheckReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: float = Field(description="document score: mean of project scores")
    source: str = Field("", description="the file checked")
    problems: list[str] = Field(default_factory=list, description="problems met while reading the file")
    projects: list[ProjectReport] = Field(default_factory=list)


def check_project(sheet: ProjectSheet) -> ProjectReport:
    """Check one sheet (normalised: canonical 二级 names, 一级 derived)."""
    sheet = sheet.normalized()
    findings = check_sheet(sheet)
    s = score(findings)
    return ProjectReport(code=sheet.code, name=sheet.name, score=s.total, sub_scores=s, findings=findings, sheet=sheet)


def check_document(doc: Document, problems: list[str] | None = None) -> CheckReport:
    projects = [check_project(sheet) for sheet in doc.projects]
    return CheckReport(score=document_score([p.sub_scores for p in projects]), source=doc.source,
                       problems=problems or [], projects=projects)


SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def report_markdown(report: CheckReport) -> str:
    lines = ["# 绩效目标表检查报告", "", f"- 文件：{report.source or '—'}", f"- 总分：**{report.score:.1f}**",
             f"- 项目数：{len(report.projects)}", ""]
    for problem in report.problems:
        lines.append(f"> 读取问题：{problem}")
    lines += ["| 项目编码 | 项目名称 | 得分 | 错误 | 警告 |", "|---|---|---|---|---|"]
    for p in report.projects:
        lines.append(f"| {p.code} | {p.name} | {p.score:.0f} | {p.sub_scores.errors} | {p.sub_scores.warnings} |")
    for p in report.projects:
        lines += ["", f"## {p.name}（{p.score:.0f}分）", "", "| 规则 | 级别 | 指标 | 问题 | 修改建议 |", "|---|---|---|---|---|"]
        for f in p.findings:
            lines.append(f"| {f.rule} | {SEVERITY_ZH[f.severity]} | {f.indicator or '（整表）'} | {f.message} | {f.hint} |")
    return "\n".join(lines) + "\n"
