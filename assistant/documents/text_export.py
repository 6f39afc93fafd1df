"""The plain-text export of a Word file: every table cell on its own line after a tab, rows ended by a blank line."""

from __future__ import annotations

from assistant.documents.blocks import Block, Paragraph, Table
from assistant.models import SPENDING_MILESTONES, Document, ProjectSheet

LAYOUT_LABELS = {"2015": "2015版", "2021": "2021版（财预〔2021〕101号）"}
INDICATOR_HEADER = ["一级指标", "二级指标", "三级指标", "绩效指标描述", "", "指标值", "指标值确定依据"]


def parse_text_export(text: str) -> list[Block]:
    """Split the export into paragraphs and tables (rows may need re-chunking: see blocks._rechunk)."""
    blocks: list[Block] = []
    rows: list[list[str]] = []
    row: list[str] = []
    prev_was_cell = False

    def close_table() -> None:
        nonlocal rows, row
        if row:
            rows.append(row)
        if rows:
            blocks.append(Table(rows=rows, fixed_width=False))
        rows, row = [], []

    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.startswith("\t"):
            row.append(line[1:])
            prev_was_cell = True
        elif not line.strip():
            if line and (rows or row):  # a line of spaces ends the table
                close_table()
            elif row:
                rows.append(row)
                row = []
            prev_was_cell = False
        elif prev_was_cell and row:
            row[-1] += "\n" + line  # a cell with a line break
        else:
            close_table()
            blocks.append(Paragraph(line))
            prev_was_cell = False
    close_table()
    return blocks


def info_rows(sheet: ProjectSheet) -> list[list[str]]:
    """The project table in the standard layout (also used by the .docx and .xlsx writers)."""
    def amount(x) -> str:
        return str(x) if x is not None else " "

    plan = [sheet.spending_plan.get(m, "") for m in SPENDING_MILESTONES]
    return [
        ["预算单位", sheet.department, "", "", "", "", "单位：元"],
        ["项目编码", sheet.code, "", "项目名称", sheet.name, "", ""],
        ["预算规模及资金用途", "预算数", amount(sheet.budget.total), "其中：财政资金", amount(sheet.budget.fiscal),
         "其他资金", amount(sheet.budget.other)],
        ["", sheet.fund_use, "", "", "", "", ""],
        ["资金支出计划（%）", "3月底", "", "6月底", "10月底", "12月底", ""],
        ["", plan[0], "", plan[1], plan[2], plan[3], ""],
        ["绩效目标", "\n".join(sheet.goals), "", "", "", "", ""],
        ["预算年度", str(sheet.year or ""), "", "指标体系", LAYOUT_LABELS[sheet.layout], "", ""],
    ]


def write_text_export(doc: Document) -> str:
    """Write a document in the same plain-text layout the reader understands."""
    out: list[str] = []
    for para in doc.preface:
        out.extend([para, ""])
    for i, sheet in enumerate(doc.projects, 1):
        out.append(sheet.title or f"{i}.{sheet.name}绩效目标表")
        for row in info_rows(sheet):
            out.extend("\t" + cell for cell in row)
            out.append("")
        out.append(" ")
        out.extend("\t" + cell for cell in INDICATOR_HEADER)
        out.append("")
        for ind in sheet.indicators:
            for cell in (ind.level1, ind.level2, ind.name, ind.description, "", ind.value, ind.basis):
                out.append("\t" + cell.replace("\n", " "))
            out.append("")
        out.append(" ")
    return "\n".join(out) + "\n"
