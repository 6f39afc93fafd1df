"""Excel (.xlsx) reading and writing; the only module that imports openpyxl.

Two layouts are read: one sheet per project (the project table above the indicator table, as written here), or
one long table whose header has a 项目名称 column beside the indicator columns.
"""

from __future__ import annotations

import logging
import re
from copy import copy
from pathlib import Path

from assistant.documents.blocks import Block, Paragraph, Table, header_map
from assistant.documents.docx_io import INDICATOR_HEADER
from assistant.documents.limits import MAX_CELLS, MAX_COLUMNS, check_zip, printable
from assistant.documents.text_export import info_rows
from assistant.errors import InputFileError
from assistant.models import Document

log = logging.getLogger(__name__)
DOC_SHEET = "文档信息"
_EXPECTED = ".xlsx 格式的 Excel 文件"
FORMULA_STARTS = ("=", "+", "-", "@")
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
    """One worksheet per project (a bold merged title, the project table, the indicator table with merged
    一级/二级 cells), with borders, wrapped text, fitted widths and A4 landscape printing; plus a 文档信息 sheet."""
    import openpyxl

    book = openpyxl.Workbook()
    info = book.active
    info.title = DOC_SHEET
    for row in [["文档标题", doc.title], ["部门", doc.department], ["预算年度", doc.year or ""]] + [
            ["前言", para] for para in doc.preface]:
        info.append([printable(str(c)) for c in row])
    _style_block(info, 1, info.max_row, 2, header=False)
    _fit(info, [[c.value or "" for c in row] for row in info.iter_rows()], columns=2, cap=90, first=1)
    used: set[str] = {DOC_SHEET}
    for i, sheet in enumerate(doc.projects, 1):
        _project_sheet(book.create_sheet(_sheet_title(f"{i}.{sheet.name}", used)), sheet, i)
    cells_as_text(book)
    path = Path(path)
    book.save(str(path))
    return path


def _project_sheet(ws, sheet, i: int) -> None:
    from openpyxl.styles import Alignment, Font

    from assistant.documents.docx_io import level_spans

    ws.append([printable(sheet.title or f"{i}.{sheet.name}绩效目标表")])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=7)
    ws["A1"].font = Font(name=_FONT, size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    info = info_rows(sheet)
    for row in info:
        ws.append([printable(c) for c in row])
    _style_block(ws, 2, 1 + len(info), 7, header=False)
    for r, row in enumerate(info, 2):
        _merge_right(ws, r, row)
    ws.append([])
    rows = [INDICATOR_HEADER] + [[ind.level1, ind.level2, ind.name, ind.description, ind.value, ind.basis]
                                 for ind in sheet.indicators]
    for row in rows:
        ws.append([printable(c) for c in row])
    top = ws.max_row - len(rows) + 1
    _style_block(ws, top, top + len(rows) - 1, 6, header=True)
    for col, first, last in level_spans(rows):
        for k in range(first + 1, last + 1):
            ws.cell(top + k, col + 1).value = None
        ws.merge_cells(start_row=top + first, start_column=col + 1, end_row=top + last, end_column=col + 1)
    _fit(ws, info + rows)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{top}:{top}"


_FONT = "宋体"


def _style_block(ws, first: int, last: int, width: int, header: bool) -> None:
    """Thin borders, 宋体, wrapped text; a bold shaded first row for a table header."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    side = Side(style="thin", color="000000")
    border = Border(left=side, right=side, top=side, bottom=side)
    styled: dict[bool, object] = {}  # the first cell of each kind, styled through openpyxl's descriptors
    for r in range(first, last + 1):
        for c in range(1, width + 1):
            cell = ws.cell(r, c)
            bold = header and r == first
            if bold in styled:
                # the same style ids, copied: setting four style objects hashes each of them (most of write_xlsx's time)
                cell._style = copy(styled[bold]._style)
                continue
            cell.border = border
            cell.font = Font(name=_FONT, size=10.5, bold=bold)
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center" if bold else "left")
            if bold:
                cell.fill = PatternFill("solid", fgColor="E7ECF5")
            styled[bold] = cell


def _merge_right(ws, r: int, row: list[str]) -> None:
    """An empty cell joins the filled cell on its left, as in the printed project table."""
    c = 0
    while c < len(row):
        end = c
        while row[c] and end + 1 < len(row) and not row[end + 1]:
            end += 1
        if end > c:
            ws.merge_cells(start_row=r, start_column=c + 1, end_row=r, end_column=end + 1)
        c = end + 1


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _fit(ws, rows: list[list[str]], columns: int = 7, cap: int = 44, first: int = 2) -> None:
    """Column widths from the longest line in each column (CJK counts double), capped; row heights from wrapping."""
    from openpyxl.utils import get_column_letter

    widths = []
    for c in range(columns):
        longest = max((_display_width(line) for r in rows if c < len(r) for line in str(r[c]).split("\n")), default=8)
        widths.append(min(max(longest + 2, 10), cap))
        ws.column_dimensions[get_column_letter(c + 1)].width = widths[-1]
    for r in range(first, ws.max_row + 1):
        lines = 1
        for c in range(1, columns + 1):
            value = ws.cell(r, c).value
            if isinstance(value, str) and value:
                lines = max(lines, sum(-(-_display_width(x) // max(1, int(widths[c - 1]) - 1)) or 1
                                       for x in value.split("\n")))
        ws.row_dimensions[r].height = min(409, 15 * lines + 3)


def cells_as_text(book) -> None:
    """Every string cell is stored as text: "=2辆" is a value, and "=HYPERLINK(…)" from an input must never run."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in FORMULA_STARTS:
                    cell.data_type = "s"
                    cell.quotePrefix = True  # stays text when a user edits the cell in Excel


def _sheet_title(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", name)[:28] or "项目"
    title, n = base, 2
    while title in used:
        title, n = f"{base[:25]}_{n}", n + 1
    used.add(title)
    return title
