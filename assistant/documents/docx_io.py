"""Word (.docx) reading and writing; the only module that imports python-docx."""

from __future__ import annotations

import logging
from pathlib import Path

from assistant.documents.blocks import Block, Paragraph, Table
from assistant.documents.limits import MAX_CELLS, MAX_COLUMNS, check_zip, printable
from assistant.documents.text_export import info_rows
from assistant.errors import InputFileError
from assistant.models import Document, ProjectSheet

log = logging.getLogger(__name__)
_EXPECTED = ".docx 格式的 Word 文件"
INDICATOR_HEADER = ["一级指标", "二级指标", "三级指标", "指标解释", "指标值", "指标值确定依据"]


def read_docx_blocks(path: Path) -> list[Block]:
    """Paragraphs and tables in document order; merged cells appear once per row."""
    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph as DocxParagraph

    check_zip(path, "Word 文档", _EXPECTED)
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises PackageNotFoundError, KeyError and lxml errors
        log.info("docx load failed for %s: %r", path, exc)
        raise InputFileError(path, "Word 文档已损坏或格式不符", _EXPECTED) from exc
    _check_tables(path, document.element.body)
    blocks: list[Block] = []
    try:
        for item in document.iter_inner_content():
            if isinstance(item, DocxParagraph):
                blocks.append(Paragraph(item.text))
            elif isinstance(item, DocxTable):
                blocks.append(Table(rows=_table_rows(item)))
    except Exception as exc:
        log.info("docx table read failed for %s: %r", path, exc)
        raise InputFileError(path, "Word 文档的表格结构已损坏", _EXPECTED) from exc
    return blocks


def _check_tables(path: Path, body) -> None:
    """Cell count and merge widths are checked before any table is expanded into its grid."""
    cells = len(body.xpath(".//w:tc"))
    if cells > MAX_CELLS:
        raise InputFileError(path, f"表格单元格过多（{cells} 个，上限 {MAX_CELLS}）", "单个部门预算文档")
    for span in body.xpath(".//w:tcPr/w:gridSpan/@w:val"):
        if not span.isdigit() or not 0 < int(span) <= MAX_COLUMNS:
            raise InputFileError(path, f"表格的合并单元格信息无效（gridSpan=\"{span[:20]}\"）", _EXPECTED)


def _table_rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells, last = [], None
        for cell in row.cells:
            if cell._tc is last:  # a horizontally merged cell is listed once per grid column
                continue
            last = cell._tc
            cells.append("\n".join(p.text for p in cell.paragraphs))
        rows.append(cells)
    return rows


def page_size(path: Path) -> tuple[int, int] | None:
    """The first section's page width and height (EMU) of a .docx, kept when that document is rewritten."""
    import docx

    try:
        section = docx.Document(str(path)).sections[0]
        if section.page_width and section.page_height:
            return int(section.page_width), int(section.page_height)
    except Exception as exc:  # a page size is a nicety; the rewrite goes on with A4
        log.info("no page size from %s: %r", path, exc)
    return None


def write_docx(doc: Document, path: Path, page: tuple[int, int] | None = None) -> Path:
    """The layout bureaus print: A4 (landscape for wide tables, or `page`), 仿宋/宋体, a bold centred title per
    project, the project table, then the indicator table with merged 一级/二级 cells and a repeated header row."""
    import docx

    out = docx.Document()
    _set_font(out.styles["Normal"], BODY_FONT, 12)
    _set_page(out.sections[0], page or _a4(doc))
    for para in doc.preface:
        out.add_paragraph(printable(para))
    for i, sheet in enumerate(doc.projects, 1):
        if i > 1 or doc.preface:
            out.add_page_break()
        _title(out, printable(sheet.title or f"{i}.{sheet.name}绩效目标表"))
        _, grid = _add_table(out, info_rows(sheet), widths=_INFO_WIDTHS)
        _merge_blanks(grid, info_rows(sheet))
        out.add_paragraph("")
        _add_indicator_table(out, sheet)
    path = Path(path)
    out.save(str(path))
    return path


BODY_FONT, TABLE_FONT, LATIN_FONT = "仿宋", "宋体", "Times New Roman"  # LibreOffice substitutes a CJK font if absent
_A4 = (7560310, 10692130)  # 210 × 297 mm in EMU
_INFO_WIDTHS = (3.2, 2.6, 2.8, 3.2, 3.0, 2.6, 2.6)  # cm, scaled to the page
_INDICATOR_WIDTHS = (2.2, 2.6, 4.2, 6.4, 3.0, 6.4)


def _a4(doc: Document) -> tuple[int, int]:
    """Landscape when the indicator rows carry long explanations or bases, portrait for short tables."""
    long = any(len(i.description) + len(i.basis) + len(i.name) > 70 for s in doc.projects for i in s.indicators)
    return (_A4[1], _A4[0]) if long else _A4


def _set_page(section, page: tuple[int, int]) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    section.page_width, section.page_height = page
    section.orientation = WD_ORIENT.LANDSCAPE if page[0] > page[1] else WD_ORIENT.PORTRAIT
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin = section.bottom_margin = Cm(2.0)


def _set_font(style, east_asia: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = LATIN_FONT
    style.font.size = Pt(size)
    style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)


def _run_font(run, east_asia: str, size: float, bold: bool = False) -> None:
    _set_font(run, east_asia, size, bold)


def _title(out, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    heading = out.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run_font(heading.add_run(text), "黑体", 16, bold=True)


def _add_table(out, rows: list[list[str]], widths: tuple[float, ...], bold_rows: int = 0):
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.shared import Cm

    width = max(len(r) for r in rows)
    table = out.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    table.autofit = False
    section = out.sections[-1]
    usable = (section.page_width - section.left_margin - section.right_margin) / 360000  # cm
    scale = usable / sum(widths[:width])
    # the grid read once: table.cell(r, c) walks the whole table each call, a second per document on the seed
    grid = [list(row.cells) for row in table.rows]
    for r, row in enumerate(rows):
        for c in range(width):
            cell = grid[r][c]
            cell.width = Cm(widths[c] * scale)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            text = printable(row[c]) if c < len(row) else ""
            if text:
                _run_font(cell.paragraphs[0].add_run(text), TABLE_FONT, 10.5, bold=r < bold_rows)
    return table, grid


def _merge_blanks(grid, rows: list[list[str]]) -> None:
    """An empty cell joins the filled cell on its left, as the printed forms lay the project table out."""
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            end = c
            while row[c] and end + 1 < len(row) and not row[end + 1]:
                end += 1
            if end > c:  # merges within a row, left to right, leave the grid's later cells in place
                grid[r][c].merge(grid[r][end])
            c = end + 1


def _add_indicator_table(out, sheet: ProjectSheet):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rows = [INDICATOR_HEADER] + [
        [ind.level1, ind.level2, ind.name, ind.description, ind.value, ind.basis] for ind in sheet.indicators
    ]
    spans = level_spans(rows)
    shown = [list(r) for r in rows]
    for col, top, bottom in spans:
        for k in range(top + 1, bottom + 1):
            shown[k][col] = ""  # the text stays once, in the top cell
    table, grid = _add_table(out, shown, widths=_INDICATOR_WIDTHS, bold_rows=1)
    repeat = OxmlElement("w:tblHeader")  # the header row repeats on every printed page
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    for col, top, bottom in spans:  # vertical merges keep every cell element, so the grid stays valid
        grid[top][col].merge(grid[bottom][col])
    return table


def level_spans(rows: list[list[str]]) -> list[tuple[int, int, int]]:
    """(column, first row, last row) of each run of one 一级指标, and of one 二级指标 within it (row 0 is the header)."""
    spans = []
    for col in (0, 1):
        start = 1
        for r in range(2, len(rows) + 1):
            if r < len(rows) and rows[r][col] == rows[start][col] and rows[r][0] == rows[start][0]:
                continue
            if r - 1 > start:
                spans.append((col, start, r - 1))
            start = r
    return spans
