"""Excel (.xlsx) reading and writing; the only module that imports openpyxl.

Two layouts are read: one sheet per project (the project table above the indicator table, as written here), or
one long table whose header has a 项目名称 column beside the indicator columns.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from assistant.documents.blocks import Block, Paragraph, Table, header_map
from assistant.documents.docx_io import INDICATOR_HEADER
from assistant.documents.limits import MAX_CELLS, MAX_COLUMNS, check_zip
from assistant.documents.text_export import info_rows
from assistant.errors import InputFileError
from assistant.models import Document

log = logging.getLogger(__name__)
DOC_SHEET = "文档信息"
_EXPECTED = ".xlsx 格式的 Excel 文件"
_NO_VALUE = object()  # a formula cell saved without its computed value
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


def read_xlsx_blocks(path: Path) -> tuple[list[Block], dict[str, str], list[str]]:
    """Blocks of every visible worksheet, the 文档信息 fields (文档标题, 部门, 预算年度), and notes on what was skipped."""
    import openpyxl

    check_zip(path, "Excel 工作簿", _EXPECTED)
    try:
        book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl and its XML parser raise many types for a damaged package
        log.info("xlsx load failed for %s: %r", path, exc)
        raise InputFileError(path, "Excel 工作簿已损坏或格式不符", _EXPECTED) from exc
    blocks: list[Block] = []
    meta: dict[str, str] = {}
    notes: list[str] = []
    budget = [MAX_CELLS]
    try:
        for ws in book.worksheets:
            if getattr(ws, "sheet_state", "visible") != "visible":
                notes.append(f"已跳过隐藏的工作表“{ws.title}”")
                continue
            rows = _sheet_rows(ws, book, path, budget, notes)
            if ws.title == DOC_SHEET:
                blocks.extend(_doc_sheet(rows))
                meta = {r[0]: r[1] for r in rows if len(r) > 1 and r[0] in ("文档标题", "部门", "预算年度")}
            elif _long_header(rows) is not None:
                blocks.extend(_long_table(rows))
            elif rows:
                blocks.append(Table(rows=rows))
    except InputFileError:
        raise
    except Exception as exc:
        log.info("xlsx sheet read failed for %s: %r", path, exc)
        raise InputFileError(path, "Excel 工作表内容已损坏", _EXPECTED) from exc
    finally:
        book.close()
    return blocks, meta, notes


def _sheet_rows(ws, book, path: Path, budget: list[int], notes: list[str]) -> list[list[str]]:
    """The cells actually present in the sheet's XML, whatever its declared dimension says."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = _NO_VALUE
            return cell

    rows: list[list[str]] = []
    formulas: list[str] = []
    wide = 0
    with ws._get_source() as src:
        parser = Parser(src, book.shared_strings, data_only=True, epoch=book.epoch,
                        date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for idx, cells in parser.parse():
            row: dict[int, str] = {}
            for cell in cells:
                if cell["value"] is _NO_VALUE:
                    formulas.append(f"{_column_name(cell['column'])}{idx}")
                elif cell["value"] is not None and cell["column"] > MAX_COLUMNS:
                    wide += 1
                elif cell["value"] is not None:
                    row[cell["column"]] = _text(cell["value"])
            budget[0] -= len(row)
            if budget[0] < 0:
                raise InputFileError(path, f"单元格过多（上限 {MAX_CELLS} 个）", "单个部门预算文档")
            if any(c.strip() for c in row.values()):
                rows.append([row.get(c, "") for c in range(1, max(row) + 1)])
    if formulas:
        notes.append(f"工作表“{ws.title}”有 {len(formulas)} 个公式单元格没有保存计算结果（如 {formulas[0]}），"
                     "已按空白读取；请在 Excel 中打开并保存后再读")
    if wide:
        notes.append(f"工作表“{ws.title}”第 {MAX_COLUMNS} 列以后的 {wide} 个单元格不属于绩效目标表，已忽略")
    return rows


def _column_name(col: int) -> str:
    name = ""
    while col:
        col, rem = divmod(col - 1, 26)
        name = chr(65 + rem) + name
    return name


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
