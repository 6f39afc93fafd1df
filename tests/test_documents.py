"""Reading and writing real .docx/.xlsx/.txt/.json files without losing anything."""

import docx
import openpyxl
import pytest

from assistant.documents import read_document, write_document
from assistant.errors import InputFileError
from good_sheets import GOOD_SHEETS, good_sheet
from assistant.models import Document


def same_projects(a: Document, b: Document) -> None:
    assert len(a.projects) == len(b.projects)
    for x, y in zip(a.projects, b.projects):
        # a sheet without a title gets the standard heading "N.项目名称绩效目标表" when written
        assert x.model_dump(exclude={"title"} if not x.title else set()) == y.model_dump(
            exclude={"title"} if not x.title else set())


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "json", "txt"])
def test_seed_round_trip(seed_path, tmp_path, fmt):
    doc, _ = read_document(seed_path)
    out = write_document(doc, tmp_path / f"seed.{fmt}")
    again, problems = read_document(out)
    assert problems == []
    same_projects(doc, again)
    assert again.preface == doc.preface
    assert (again.year, again.department) == (doc.year, doc.department)


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "json"])
def test_drafted_document_round_trip_keeps_layout_and_goals(tmp_path, fmt):
    doc = Document(title="测试文档", department="某县", year=2025,
                   projects=[good_sheet(k) for k in GOOD_SHEETS])
    again, _ = read_document(write_document(doc, tmp_path / f"d.{fmt}"))
    same_projects(doc, again)
    assert again.projects[-1].layout == "2021"


def test_markdown_export(seed_path, tmp_path):
    doc, _ = read_document(seed_path)
    text = write_document(doc, tmp_path / "seed.md").read_text(encoding="utf-8")
    assert text.count("| 一级指标 |") == 9 and "295900.00" in text


def test_docx_written_by_word_with_merged_cells(tmp_path):
    """A .docx laid out as departments do: merged 一级 cells, a merged description column, 单位：万元."""
    d = docx.Document()
    d.add_paragraph("某县农业农村局2025年项目支出绩效目标")
    d.add_paragraph("1.高标准农田建设绩效目标表")
    info = d.add_table(rows=4, cols=4)
    for r, row in enumerate([["项目名称", "高标准农田建设", "项目编码", "P-001"],
                             ["预算数", "1500", "其中：财政资金", "1500"],
                             ["资金用途", "新建高标准农田2万亩", "", ""],
                             ["年度绩效目标", "建成高标准农田2万亩", "", ""]]):
        for c, text in enumerate(row):
            info.cell(r, c).text = text
    info.cell(2, 1).merge(info.cell(2, 3))
    unit = d.add_table(rows=1, cols=2)
    unit.cell(0, 0).text = "单位：万元"
    table = d.add_table(rows=4, cols=7)
    header = ["一级指标", "二级指标", "三级指标", "指标解释", "", "指标值", "指标值确定依据"]
    rows = [["产出指标", "数量指标", "新建高标准农田面积", "竣工验收面积", "", "=2万亩", "计划标准：下达任务"],
            ["", "质量指标", "工程验收合格率", "合格工程÷全部工程×100%", "", "=100%", "行业标准：GB/T 30600-2022"],
            ["满意度指标", "服务对象满意度指标", "受益农户满意度", "问卷调查", "", "≥90%", "历史标准：2024年92%"]]
    for r, row in enumerate([header] + rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(0, 3).merge(table.cell(0, 4))
    for r in range(1, 4):
        table.cell(r, 3).merge(table.cell(r, 4))
    table.cell(1, 0).merge(table.cell(2, 0))
    path = tmp_path / "word.docx"
    d.save(path)
    doc, problems = read_document(path)
    assert len(doc.projects) == 1
    sheet = doc.projects[0]
    assert (sheet.name, sheet.code, sheet.fund_use) == ("高标准农田建设", "P-001", "新建高标准农田2万亩")
    assert [i.name for i in sheet.indicators] == ["新建高标准农田面积", "工程验收合格率", "受益农户满意度"]
    assert sheet.indicators[1].level1 == "产出指标"  # merged cell read for every row
    assert sheet.indicators[1].value == "=100%" and sheet.indicators[0].description == "竣工验收面积"
    assert sheet.goals == ["建成高标准农田2万亩"]


def test_xlsx_long_table_with_project_column(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["项目编码", "项目名称", "一级指标", "二级指标", "三级指标", "指标解释", "运算符", "指标值", "计量单位", "指标值确定依据"])
    ws.append(["A1", "路灯维护", "产出指标", "数量指标", "维护路灯数量", "台账在册路灯", "=", 3200, "盏", "计划标准：台账"])
    ws.append(["A1", "路灯维护", "产出指标", "质量指标", "主干道亮灯率", "亮灯数÷总数×100%", "≥", 98, "%", "行业标准：CJJ 45"])
    ws.append(["B2", "道路清扫保洁", "产出指标", "数量指标", "清扫保洁面积", "合同面积", "=", 120, "万平方米", "其他标准：合同"])
    path = tmp_path / "long.xlsx"
    book.save(path)
    doc, _ = read_document(path)
    assert [p.name for p in doc.projects] == ["路灯维护", "道路清扫保洁"]
    assert [i.value for i in doc.projects[0].indicators] == ["=3200盏", "≥98%"]
    assert doc.projects[1].code == "B2"


@pytest.mark.parametrize("name,content,expect", [
    ("broken.docx", b"PK\x03\x04 not really a zip", "Word"),
    ("broken.xlsx", b"\x00\x01\x02garbage", "Excel"),
    ("empty.txt", b"", "空"),
    ("novel.txt", "很久很久以前，有一座山。".encode(), "没有找到任何项目"),
    ("bad.json", b"{\"projects\": [", "JSON"),
    ("nameless.json", "{\"name\": \"\"}".encode(), "项目名称不能为空"),
    ("image.png", b"\x89PNG\r\n", "不支持"),
])
def test_bad_files_give_a_clear_error(tmp_path, name, content, expect):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError) as exc:
        read_document(path)
    assert str(path) in str(exc.value) and expect in str(exc.value)


def test_gbk_text_export(seed_path, tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes(seed_path.read_text(encoding="utf-8").encode("gb18030"))
    doc, _ = read_document(path)
    assert len(doc.projects) == 9


def test_project_without_name_is_reported_not_dropped_silently(tmp_path, seed_path):
    text = seed_path.read_text(encoding="utf-8").replace("\t本级公建热力费\n", "\t\n", 1)
    path = tmp_path / "missing-name.txt"
    path.write_text(text, encoding="utf-8")
    doc, problems = read_document(path)
    assert len(doc.projects) == 8
    assert problems and "缺少项目名称" in problems[0]
