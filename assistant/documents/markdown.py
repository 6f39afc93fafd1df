"""Markdown rendering of sheets and documents."""

from __future__ import annotations

from assistant.models import Document, ProjectSheet


def _cell(text: str) -> str:
    return (text or "").replace("|", "\\|").replace("\n", "<br>")


def _money(value) -> str:
    return f"{value}" if value is not None else "—"


def sheet_markdown(sheet: ProjectSheet, heading: str = "###") -> str:
    lines = [f"{heading} {sheet.name}", ""]
    facts = [("项目编码", sheet.code), ("预算单位", sheet.department), ("预算年度", sheet.year or ""),
             ("预算数（元）", _money(sheet.budget.total)), ("资金用途", sheet.fund_use),
             ("指标体系", "2021版（财预〔2021〕101号）" if sheet.layout == "2021" else "2015版")]
    lines += [f"- **{k}**：{_cell(str(v))}" for k, v in facts if v not in ("", None)]
    if sheet.spending_plan:
        lines.append("- **资金支出计划**：" + "，".join(f"{k} {v}" for k, v in sheet.spending_plan.items()))
    if sheet.goals:
        lines.append("- **年度绩效目标**：" + "；".join(_cell(g) for g in sheet.goals))
    lines += ["", "| 一级指标 | 二级指标 | 三级指标 | 指标解释 | 指标值 | 指标值确定依据 |", "|---|---|---|---|---|---|"]
    for ind in sheet.indicators:
        lines.append("| " + " | ".join(_cell(x) for x in (ind.level1, ind.level2, ind.name, ind.description, ind.value,
                                                            ind.basis)) + " |")
    return "\n".join(lines) + "\n"


def document_markdown(doc: Document) -> str:
    parts = [f"# {doc.title or doc.department or '绩效目标表'}", ""]
    parts += [sheet_markdown(sheet, "##") for sheet in doc.projects]
    return "\n".join(parts)
