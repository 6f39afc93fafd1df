"""The exported .docx and .xlsx in the layout bureaus print (issue #15 "Documents"), checked in the real files."""

import docx
import openpyxl
from openpyxl.cell.cell import MergedCell
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm

from assistant.documents import read_document, write_document
from assistant.documents.docx_io import level_spans


@pytest.fixture(scope="module")
def doc(seed_path):
    d, _ = read_document(seed_path)
    return d.model_copy(update={"projects": d.projects[:3]})


def test_docx_is_a4_with_chinese_fonts(tmp_path, doc):
    out = docx.Document(str(write_document(doc, tmp_path / "a.docx")))
    section = out.sections[0]
    assert sorted([round(section.page_width / Mm(1)), round(section.page_height / Mm(1))]) == [210, 297]
    fonts = {r.element.rPr.rFonts.get(qn("w:eastAsia")) for t in out.tables for c in t._cells for p in c.paragraphs
             for r in p.runs if r.element.rPr is not None and r.element.rPr.rFonts is not None}
    assert fonts == {"宋体"}
    assert out.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"


def test_docx_landscape_only_when_the_rows_are_long(tmp_path, doc):
    long = docx.Document(str(write_document(doc, tmp_path / "long.docx"))).sections[0]
    short_sheet = doc.projects[0].model_copy(update={"indicators": [
        i.model_copy(update={"description": "", "basis": "计划标准"}) for i in doc.projects[0].indicators]})
    short = docx.Document(str(write_document(doc.model_copy(update={"projects": [short_sheet]}),
                                             tmp_path / "short.docx"))).sections[0]
    assert (long.page_width > long.page_height) == any(
        len(i.description) + len(i.basis) + len(i.name) > 70 for s in doc.projects for i in s.indicators)
    assert short.page_width < short.page_height


def test_docx_merges_level_cells_and_fills_the_header_rows(tmp_path, doc):
    out = docx.Document(str(write_document(doc, tmp_path / "a.docx")))
    info, indicators = out.tables[0], out.tables[1]
    labels = [c.text for r in info.rows for c in r.cells]
    sheet = doc.projects[0]
    for label, value in (("预算单位", sheet.department), ("项目编码", sheet.code), ("项目名称", sheet.name),
                         ("资金支出计划（%）", "")):
        assert label in labels and (not value or value in labels)
    rows = [["一级指标", "二级指标"]] + [[i.level1, i.level2] for i in sheet.indicators]
    spans = level_spans(rows)
    assert spans, "the seed's first table has repeated 一级指标"
    tcs = indicators._tbl.xpath(".//w:tc")
    restarts = [tc for tc in tcs
                if tc.tcPr is not None and tc.tcPr.vMerge is not None and tc.tcPr.vMerge.val == "restart"]
    assert len(restarts) == len(spans)
    assert indicators.rows[0]._tr.trPr.xpath("./w:tblHeader"), "the header row repeats on each page"
    again, _ = read_document(tmp_path / "a.docx")
    assert [p.model_dump() for p in again.projects] == [p.model_dump() for p in doc.projects]


def test_docx_rewrite_keeps_the_input_page_size(tmp_path, doc):
    letter = docx.Document()
    letter.sections[0].page_width, letter.sections[0].page_height = Mm(216), Mm(279)
    letter.save(str(tmp_path / "letter.docx"))
    out = write_document(doc, tmp_path / "b.docx", like=tmp_path / "letter.docx")
    section = docx.Document(str(out)).sections[0]
    assert (round(section.page_width / Mm(1)), round(section.page_height / Mm(1))) == (216, 279)


def test_xlsx_has_borders_a_bold_merged_title_wrapping_and_fitted_widths(tmp_path, doc):
    book = openpyxl.load_workbook(str(write_document(doc, tmp_path / "a.xlsx")))
    ws = book.worksheets[1]
    assert "A1:G1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A1"].font.b and ws["A1"].value.endswith("绩效目标表")
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "一级指标")
    body = [ws.cell(r, c) for r in range(header, ws.max_row + 1) for c in range(1, 7)]
    body = [c for c in body if not isinstance(c, MergedCell)]  # a merged range draws only its outer edges
    assert all(c.border.left.style == "thin" and c.border.bottom.style == "thin" for c in body)
    assert all(c.alignment.wrap_text for c in body)
    assert all(ws.cell(header, c).font.b for c in range(1, 7))
    widths = [ws.column_dimensions[x].width for x in "ABCDEF"]
    assert all(10 <= w <= 44 for w in widths)
    lengths = [max(len(str(ws.cell(r, c + 1).value or "")) for r in range(header, ws.max_row + 1)) for c in range(6)]
    longest = lengths.index(max(lengths))
    assert widths[longest] == max(widths)
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    merged_a = [r for r in ws.merged_cells.ranges if r.min_col == 1 and r.min_row > header]
    assert merged_a, "一级指标 runs are merged"
    again, _ = read_document(tmp_path / "a.xlsx")
    assert [p.model_dump() for p in again.projects] == [p.model_dump() for p in doc.projects]
