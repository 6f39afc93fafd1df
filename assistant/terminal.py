"""Terminal rendering of reports with rich."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from assistant.report import SEVERITY_ZH, CheckReport

_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}


def _score_style(score: float) -> str:
    return "green" if score >= 90 else "yellow" if score >= 60 else "red"


def print_report(report: CheckReport, verbose: bool = False, console: Console | None = None) -> None:
    console = console or Console()
    for problem in report.problems:
        console.print(f"[yellow]读取问题：[/]{problem}")
    summary = Table(title=f"绩效目标表检查：{report.source}", show_lines=False)
    for col in ("#", "项目编码", "项目名称", "得分", "完整性", "可衡量性", "相关性", "依据", "错误", "警告"):
        summary.add_column(col, justify="right" if col not in ("项目编码", "项目名称") else "left")
    for i, p in enumerate(report.projects, 1):
        s = p.sub_scores
        summary.add_row(str(i), p.code, p.name, f"[{_score_style(p.score)}]{p.score:.0f}[/]", f"{s.completeness:.0f}",
                        f"{s.measurability:.0f}", f"{s.relevance:.0f}", f"{s.basis:.0f}", str(s.errors), str(s.warnings))
    console.print(summary)
    console.print(f"文档总分：[{_score_style(report.score)}]{report.score:.1f}[/]（各项目平均）")
    for p in report.projects:
        rows = [f for f in p.findings if verbose or f.severity != "info"]
        if not rows:
            continue
        table = Table(title=f"{p.name}（{p.score:.0f}分）", show_lines=False, expand=True)
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
