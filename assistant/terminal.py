"""Terminal rendering of reports with rich."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from assistant.report import SEVERITY_ZH, CheckReport

_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}


def _console() -> Console:
    """A console that does not squeeze Chinese tables into 80 columns when output goes to a file or pipe."""
    import sys

    return Console() if sys.stdout.isatty() else Console(width=200)


def _cut(text: str, limit: int = 60) -> str:
    """A long project name shortened for a table cell."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _score_style(score: float) -> str:
    return "green" if score >= 90 else "yellow" if score >= 60 else "red"


def print_report(report: CheckReport, verbose: bool = False, console: Console | None = None) -> None:
    console = console or _console()
    for problem in report.problems:
        console.print(f"[yellow]读取问题：[/]{problem}")
    summary = Table(title=f"绩效目标表检查：{report.source}", show_lines=False)
    for col in ("#", "项目编码", "项目名称", "得分", "等级", "审核状态", "完整性", "相关性", "适当性", "可行性", "错误", "警告"):
        summary.add_column(col, justify="left" if col in ("项目编码", "项目名称", "等级", "审核状态") else "right")
    for i, p in enumerate(report.projects, 1):
        s = p.sub_scores
        summary.add_row(str(i), p.code, _cut(p.name), f"[{_score_style(p.score)}]{p.score:.0f}[/]", s.grade, s.verdict,
                        f"{s.completeness:.0f}", f"{s.relevance:.0f}", f"{s.appropriateness:.0f}",
                        f"{s.feasibility:.0f}", str(s.errors), str(s.warnings))
    console.print(summary)
    console.print(f"文档总分：[{_score_style(report.score)}]{report.score:.1f}[/]（各项目平均，{report.grade}）  "
                  f"可提交 {report.ready} 个，待补充 {report.pending} 个，需修改 {report.failing} 个")
    for p in report.projects:
        rows = [f for f in p.findings if verbose or f.severity != "info"]
        if not rows:
            continue
        table = Table(title=f"{_cut(p.name)}（{p.score:.0f}分，{p.sub_scores.grade}，{p.sub_scores.verdict}）",
                      show_lines=False, expand=True)
        table.add_column("规则", no_wrap=True)
        table.add_column("级别", no_wrap=True)
        table.add_column("指标")
        table.add_column("问题", ratio=3)
        if verbose:
            table.add_column("修改建议", ratio=2)
        for f in rows:
            cells = [f.rule, f"[{_STYLE[f.severity]}]{SEVERITY_ZH[f.severity]}[/]", f.indicator or "（整表）", f.message]
            table.add_row(*(cells + [f.hint] if verbose else cells))
        console.print(table)


def print_draft(draft, console: Console | None = None) -> None:
    """A drafted sheet with its score, findings and sources."""
    console = console or _console()
    sheet = draft.sheet
    console.print(f"[bold]{sheet.name}[/]（{sheet.year}年，{'2021版' if sheet.layout == '2021' else '2015版'}指标体系）"
                  f"  得分 [{_score_style(draft.score)}]{draft.score:.0f}[/]（{draft.sub_scores.grade}）"
                  f"  {draft.sub_scores.verdict}")
    for note in draft.notes:
        console.print(f"[yellow]注意：{note}[/]")
    for goal in sheet.goals:
        console.print(f"年度目标：{goal}")
    table = Table(show_lines=True, expand=True)
    for col, ratio in (("一级指标", 1), ("二级指标", 1), ("三级指标", 2), ("指标解释", 4), ("指标值", 1), ("指标值确定依据", 3)):
        table.add_column(col, ratio=ratio)
    for ind in sheet.indicators:
        value = f"[yellow]{ind.value}[/]" if "{" in ind.value else ind.value
        table.add_row(ind.level1, ind.level2, ind.name, ind.description, value, ind.basis)
    console.print(table)
    for f in draft.findings:
        console.print(f"[{_STYLE[f.severity]}]{f.rule} {SEVERITY_ZH[f.severity]}[/] {f.indicator or '（整表）'}：{f.message}")
    console.print("参考示范：" + "；".join(f"{s.name}（{s.id}）" for s in draft.sources))
