"""Word (.docx) reading and writing; the only module that imports python-docx."""

from __future__ import annotations

import logging
from pathlib import Path

from assistant.documents.blocks import Block, Paragraph, Table
from assistant.documents.limits import MAX_CELLS, MAX_COLUMNS, check_zip
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


def write_docx(doc: Document, path: Path) -> Path:
    """Write the document in the standard layout: a heading, the project table and the indicator table per project."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    out = docx.Document()
    style = out.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for para in doc.preface:
        out.add_paragraph(para)
    for i, sheet in enumerate(doc.projects, 1):
        heading = out.add_paragraph(sheet.title or f"{i}.{sheet.name}绩效目标表")
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if heading.runs:
            heading.runs[0].bold = True
        _add_table(out, info_rows(sheet))
        out.add_paragraph("")
        _add_indicator_table(out, sheet)
        out.add_paragraph("")
    path = Path(path)
    out.save(str(path))
    return path


def _add_table(out, rows: list[list[str]]):
    width = max(len(r) for r in rows)
    table = out.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c in range(width):
            table.cell(r, c).text = row[c] if c < len(row) else ""
    return table


def _add_indicator_table(out, sheet: ProjectSheet):
    rows = [INDICATOR_HEADER] + [
        [ind.level1, ind.level2, ind.name, ind.description, ind.value, ind.basis] for ind in sheet.indicators
    ]
    table = _add_table(out, rows)
    for cell in table.rows[0].cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True
    return table
