"""Open facts of a whole document, and the files that carry them: the JSON list and the *.facts.xlsx sheet."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.errors import InputError, InputFileError
from assistant.models import Document, ProjectSheet
from assistant.open_facts import OpenFact, Refusal, fill, open_facts

XLSX_COLUMNS = ["项目编码", "项目名称", "指标", "问题", "单位", "建议值", "填写值", "编号"]


def document_facts(doc: Document) -> list[OpenFact]:
    """Every open fact of every project, each carrying its project's code and name."""
    return [f for sheet in doc.projects for f in open_facts(sheet)]


def write_facts_xlsx(facts: list[OpenFact], path: Path) -> Path:
    """One row per open fact for a department to fill in the 填写值 column and send back."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "待补充信息"
    ws.append(XLSX_COLUMNS)
    for f in facts:
        ws.append([f.project, f.project_name, f.indicator or "年度绩效目标", f.question, f.unit, f.suggestion or "",
                   f.value or "", f.key])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=2, min_col=7, max_col=7):
        row[0].fill = PatternFill("solid", fgColor="FFF6D5")
    for col, width in zip("ABCDEFGH", (24, 28, 28, 48, 10, 12, 14, 24)):
        ws.column_dimensions[col].width = width
    book.save(str(path))
    return path


def _xlsx_answers(path: Path) -> list[dict]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    except Exception as exc:  # a broken or foreign workbook
        raise InputFileError(path, "不是有效的 Excel 工作簿", "zhibiao rewrite 输出的 *.facts.xlsx") from exc
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    head = [str(c or "").strip() for c in (rows[0] if rows else [])]
    if "编号" not in head or "填写值" not in head:
        raise InputFileError(path, "缺少“编号”或“填写值”列", "zhibiao rewrite 输出的 *.facts.xlsx")
    col = {name: head.index(name) for name in head if name}
    out = []
    for row in rows[1:]:
        key = str(row[col["编号"]] or "").strip()
        value = row[col["填写值"]]
        if key and value not in (None, ""):
            project = row[col["项目编码"]] if "项目编码" in col else ""
            name = row[col["项目名称"]] if "项目名称" in col else ""
            out.append({"key": key, "value": str(value).strip(), "project": str(project or ""),
                        "project_name": str(name or "")})
    return out


def read_answers(path: str | Path) -> list[dict]:
    """Answers from a facts file: a JSON list of open facts with `value`, a draft or rewrite report carrying
    `open_facts`, or a filled *.facts.xlsx. Facts without a value stay open."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "文件不存在")
    if path.suffix.lower() == ".xlsx":
        return _xlsx_answers(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(path, "JSON 格式错误", "open_facts 列表（每项含 key 和 value）") from exc
    if isinstance(data, dict):
        items = data.get("open_facts") or [f for p in data.get("projects", []) for f in p.get("open_facts", [])]
    else:
        items = data
    if not isinstance(items, list) or not all(isinstance(i, dict) and "key" in i for i in items):
        raise InputFileError(path, "内容不是待补充信息列表", "open_facts 列表（每项含 key 和 value）")
    return [{"key": str(i["key"]), "value": str(i["value"]).strip(), "project": str(i.get("project") or ""),
             "project_name": str(i.get("project_name") or "")} for i in items if i.get("value") not in (None, "")]


def _project_of(doc: Document, item: dict) -> int:
    """The project an answer is for: by code, else by name, else the only project."""
    code, name = item.get("project", ""), item.get("project_name", "")
    matches = [i for i, s in enumerate(doc.projects) if code and s.code == code]
    matches = matches or [i for i, s in enumerate(doc.projects) if name and s.name == name]
    if not matches and not code and not name and len(doc.projects) == 1:
        matches = [0]
    if not matches and not code and not name:  # a bare key: the one project that has it
        matches = [i for i, s in enumerate(doc.projects) if item["key"] in {f.key for f in open_facts(s)}]
    if len(matches) != 1:
        where = code or name or item["key"]
        raise InputError(f"找不到待补充信息“{item['key']}”所属的项目（{where}）" if not matches else
                         f"待补充信息“{item['key']}”在多个项目中都有，请写明项目编码（项目编码/{item['key']}=值）")
    return matches[0]


def fill_document(doc: Document, answers: list[dict]) -> tuple[Document, list[Refusal]]:
    """The document with every fitting answer filled; an unknown project or key is an error, a bad value a refusal."""
    per_project: dict[int, dict[str, str]] = {}
    for item in answers:
        per_project.setdefault(_project_of(doc, item), {})[item["key"]] = item["value"]
    projects: list[ProjectSheet] = list(doc.projects)
    refused: list[Refusal] = []
    for i, given in per_project.items():
        projects[i], why = fill(projects[i], given)
        refused += why
    unknown = [r for r in refused if r.unknown]
    if unknown:
        raise InputError("；".join(r.message for r in unknown))
    return doc.model_copy(update={"projects": projects}), refused
