"""Excel (.xlsx) reading and writing; the only module that imports openpyxl.

Two layouts are read: one sheet per project (the project table above the indicator table, as written here), or
one long table whose header has a 项目名称 column beside the indicator columns.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from assistant.documents.blocks import Block, Paragraph, Table, header_map
from assistant.documents.docx_io import INDICATOR_HEADER
from assistant.documents.text_export import info_rows
from assistant.errors import InputFileError
from assistant.models import Document

DOC_SHEET = "文档信息"
_LONG_COLUMNS = {
    "项目编码": "项目编码", "项目代码": "项目编码", "项目名称": "项目名称", "预算数": "预算数", "预算金额": "预算数",
    "资金用途": "资金用途", "年度绩效目标": "绩效目标", "绩效目标": "绩效目标", "预算单位": "预算单位", "单位名称": "预算单位",
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx_blocks(path: Path) -> tuple[list[Block], dict[str, str]]:
    """Blocks of every worksheet, and the 文档信息 sheet's fields (文档标题, 部门, 预算年度) if present."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputFileError(path, f"不是有效的 Excel 工作簿（{type(exc).__name__}）", ".xlsx 格式的 Excel 文件") from exc
    blocks: list[Block] = []
    meta: dict[str, str] = {}
    try:
        for ws in book.worksheets:
            rows = [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            rows = [r for r in rows if any(c.strip() for c in r)]
            if ws.title == DOC_SHEET:
                blocks.extend(_doc_sheet(rows))
                meta = {r[0]: r[1] for r in rows if len(r) > 1 and r[0] in ("文档标题", "部门", "预算年度")}
            elif _long_header(rows) is not None:
                blocks.extend(_long_table(rows))
            elif rows:
                blocks.append(Table(rows=rows))
    finally:
        book.close()
    return blocks, meta


def _doc_sheet(rows: list[list[str]]) -> list[Block]:
    out: list[Block] = []
    for row in rows:
        if row and row[0] in ("前言", "正文") and len(row) > 1:
            out.append(Paragraph(row[1]))
    return out


def _long_header(rows: list[list[str]]) -> int | None:
    for i, row in enumerate(rows[:10]):
        keys = [re.sub(r"\s+", "", c) for c in row]
        if "项目名称" in keys and header_map(row):
            return i
    return None


def _long_table(rows: list[list[str]]) -> list[Block]:
    """One long table with a project column -> one project table plus indicator table per project."""
    h = _long_header(rows) or 0
    header = [re.sub(r"\s+", "", c) for c in rows[h]]
    project_cols = {_LONG_COLUMNS[k]: i for i, k in enumerate(header) if k in _LONG_COLUMNS}
    indicator_cols = [i for i, k in enumerate(header) if i not in project_cols.values()]
    groups: dict[tuple, list[list[str]]] = {}
    for row in rows[h + 1:]:
        key = tuple(row[i] if i < len(row) else "" for i in project_cols.values())
        groups.setdefault(key, []).append(row)
    blocks: list[Block] = []
    for key, members in groups.items():
        info = dict(zip(project_cols, key))
        info_rows = [[label, value] for label, value in info.items()]
        indicator_rows = [[header[i] for i in indicator_cols]] + [
            [r[i] if i < len(r) else "" for i in indicator_cols] for r in members]
        blocks.append(Table(rows=info_rows + indicator_rows))
    return blocks


def write_xlsx(doc: Document, path: Path) -> Path:
    """One worksheet per project (project table, then the indicator table) plus a 文档信息 sheet."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    book = openpyxl.Workbook()
    info = book.active
    info.title = DOC_SHEET
    info.append(["文档标题", doc.title])
    info.append(["部门", doc.department])
    info.append(["预算年度", doc.year or ""])
    for para in doc.preface:
        info.append(["前言", para])
    used: set[str] = {DOC_SHEET}
    for i, sheet in enumerate(doc.projects, 1):
        title = _sheet_title(f"{i}.{sheet.name}", used)
        ws = book.create_sheet(title)
        ws.append([sheet.title or f"{i}.{sheet.name}绩效目标表"])
        for row in info_rows(sheet):
            ws.append(row)
        ws.append([])
        ws.append(INDICATOR_HEADER)
        header_row = ws.max_row
        for ind in sheet.indicators:
            ws.append([ind.level1, ind.level2, ind.name, ind.description, ind.value, ind.basis])
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # "=2辆" is a value, not a formula
        for cell in ws[header_row]:
            cell.font = Font(bold=True)
        for col, width in zip("ABCDEF", (12, 16, 26, 48, 16, 48)):
            ws.column_dimensions[col].width = width
        for row in ws.iter_rows(min_row=header_row + 1):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    path = Path(path)
    book.save(str(path))
    return path


def _sheet_title(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", name)[:28] or "项目"
    title, n = base, 2
    while title in used:
        title, n = f"{base[:25]}_{n}", n + 1
    used.add(title)
    return title
