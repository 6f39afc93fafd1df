"""Check reports: per-project score and findings, in the stable JSON form documented in the README."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import Document, ProjectSheet
from assistant.rules import RULES, Finding, Score, check_sheet, document_score, score
from assistant.rules.score import Grade, grade_for


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
    grade: Grade = Field("差", description="审核等级 of the document score")
    ready: int = Field(0, description="projects 可提交")
    pending: int = Field(0, description="projects 待补充 (no error, placeholders open)")
    failing: int = Field(0, description="projects 需修改 (errors)")
    source: str = Field("", description="the file checked")
    problems: list[str] = Field(default_factory=list, description="problems met while reading the file")
    projects: list[ProjectReport] = Field(default_factory=list)


def check_project(sheet: ProjectSheet, context: str = "") -> ProjectReport:
    """Check one sheet (normalised: canonical 二级 names, 一级 derived); `context` is more of the project's own words
    (a rewrite passes the department's legacy indicator names)."""
    sheet = sheet.normalized()
    findings = check_sheet(sheet, extra_text=context, normalized=True)
    s = score(findings, sheet)
    return ProjectReport(code=sheet.code, name=sheet.name, score=s.total, sub_scores=s, findings=findings, sheet=sheet)


def check_document(doc: Document, problems: list[str] | None = None) -> CheckReport:
    projects = [check_project(sheet) for sheet in doc.projects]
    return summarize(projects, source=doc.source, problems=problems)


def summarize(projects: list[ProjectReport], source: str = "", problems: list[str] | None = None) -> CheckReport:
    """A document's report from its projects' reports: the mean score, its grade and the readiness counts."""
    states = Counter(p.sub_scores.readiness for p in projects)
    total = document_score([p.sub_scores for p in projects])
    return CheckReport(score=total, grade=grade_for(total), ready=states["可提交"], pending=states["待补充"],
                       failing=states["需修改"], source=source, problems=problems or [], projects=projects)


SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def rule_title(code: str) -> str:
    """A rule's Chinese title, shown next to its code."""
    info = RULES.get(code)
    return f"{code} {info.title}" if info else code


def report_markdown(report: CheckReport) -> str:
    lines = ["# 绩效目标表检查报告", "", f"- 文件：{report.source or '—'}",
             f"- 总分：**{report.score:.1f}**（{report.grade}）", f"- 项目数：{len(report.projects)}"
             f"（可提交 {report.ready}，待补充 {report.pending}，需修改 {report.failing}）", ""]
    for problem in report.problems:
        lines.append(f"> 读取问题：{problem}")
    lines += ["| 项目编码 | 项目名称 | 得分 | 等级 | 审核状态 | 错误 | 警告 |", "|---|---|---|---|---|---|---|"]
    for p in report.projects:
        s = p.sub_scores
        lines.append(f"| {p.code} | {p.name} | {p.score:.0f} | {s.grade} | {s.verdict} | {s.errors} | {s.warnings} |")
    for p in report.projects:
        s = p.sub_scores
        lines += ["", f"## {p.name}（{p.score:.0f}分，{s.grade}，{s.verdict}）", "",
                  f"完整性 {s.completeness:.0f} ｜ 相关性 {s.relevance:.0f} ｜ 适当性 {s.appropriateness:.0f} ｜ 可行性 {s.feasibility:.0f}",
                  "", "| 规则 | 级别 | 指标 | 问题 | 修改建议 |", "|---|---|---|---|---|"]
        for f in p.findings:
            lines.append(f"| {rule_title(f.rule)} | {SEVERITY_ZH[f.severity]} | {f.indicator or '（整表）'} | {f.message} | {f.hint} |")
    return "\n".join(lines) + "\n"
