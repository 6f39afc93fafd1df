"""Read and write budget documents: plain-text Word exports, .docx, .xlsx, .json and Markdown."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from assistant.documents.blocks import Table, extract_document
from assistant.documents.limits import (MAX_FILE_BYTES, MAX_JSON_DEPTH, MAX_PROJECTS, MAX_TEXT_BYTES, TextCleaner,
                                        display_path)
from assistant.documents.outputs import atomic_path
from assistant.documents.markdown import sheet_markdown, document_markdown
from assistant.documents.text_export import parse_text_export, write_text_export
from assistant.errors import InputFileError, validation_message
from assistant.models import Document, ProjectSheet

MAX_BYTES = MAX_FILE_BYTES
READABLE = (".txt", ".docx", ".xlsx", ".json")
WRITABLE = (".txt", ".docx", ".xlsx", ".json", ".md")
_EXPECTED = "Word 导出的纯文本（.txt）、Word 文档（.docx）、Excel 工作簿（.xlsx）或 zhibiao JSON（.json）"
_ZIPPED = (".docx", ".xlsx", ".xlsm")


def read_text_file(path: Path) -> str:
    """Read a text file in UTF-8 (with or without BOM) or GB18030, as Chinese Windows tools write it."""
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise InputFileError(path, "文件含有二进制内容，不是文本文件", _EXPECTED)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputFileError(path, "文本编码无法识别", "UTF-8 或 GBK 编码的文本")


def _check_file(path: Path) -> str:
    """The file's suffix, once it exists, is a file and is within the size limit of its kind."""
    if not path.exists():
        raise InputFileError(path, "文件不存在")
    if path.is_dir():
        raise InputFileError(path, "这是一个文件夹", _EXPECTED)
    size = path.stat().st_size
    if size == 0:
        raise InputFileError(path, "文件是空的", _EXPECTED)
    suffix = path.suffix.lower()
    limit = MAX_FILE_BYTES if suffix in _ZIPPED else MAX_TEXT_BYTES
    if size > limit:
        raise InputFileError(path, f"文件过大（{size / 1048576:.1f} MB，上限 {limit // 1048576} MB）", "单个部门预算文档")
    return suffix


def read_document(path: str | Path) -> tuple[Document, list[str]]:
    """Read a document and return it with the problems met while reading (skipped projects, bad amounts)."""
    path = Path(path)
    suffix = _check_file(path)
    meta: dict[str, str] = {}
    notes: list[str] = []
    cleaner = TextCleaner()
    if suffix == ".docx":
        from assistant.documents.docx_io import read_docx_blocks

        blocks = read_docx_blocks(path)
    elif suffix in (".xlsx", ".xlsm"):
        from assistant.documents.xlsx_io import read_xlsx_blocks

        blocks, meta, notes = read_xlsx_blocks(path)
    elif suffix == ".json":
        doc = _read_json(path, cleaner)
        return doc, [p for p in [cleaner.problem()] + _budget_notes(doc) if p]
    elif suffix in (".txt", ".text", ""):
        blocks = parse_text_export(read_text_file(path))
    else:
        raise InputFileError(path, f"不支持的文件类型“{suffix}”", _EXPECTED)
    _clean_blocks(blocks, cleaner)
    doc, problems = extract_document(blocks, source=display_path(path))
    if meta:
        doc.title = meta.get("文档标题", doc.title) or doc.title
        doc.department = meta.get("部门", doc.department) or doc.department
        if str(meta.get("预算年度", "")).isdigit():
            doc.year = int(meta["预算年度"])
    if not doc.projects:
        raise InputFileError(path, "没有找到任何项目绩效目标表（需要“项目名称”和含“三级指标”“指标值”的指标表）",
                             "预算项目支出绩效目标表")
    if len(doc.projects) > MAX_PROJECTS:
        raise InputFileError(path, f"项目过多（{len(doc.projects)} 个，上限 {MAX_PROJECTS} 个），请把文档拆分后再处理",
                             "单个部门预算文档")
    return doc, [p for p in [cleaner.problem()] if p] + notes + problems


def _clean_blocks(blocks: list, cleaner: TextCleaner) -> None:
    for block in blocks:
        if isinstance(block, Table):
            block.rows = [[cleaner(c or "") for c in row] for row in block.rows]
        else:
            block.text = cleaner(block.text)


def _budget_notes(doc: Document) -> list[str]:
    """Negative amounts are kept as written but pointed out."""
    return [f"项目“{s.name[:40]}”的预算数为负数（{s.budget.total}），请核对" for s in doc.projects
            if s.budget.total is not None and s.budget.total < 0]


def _read_json(path: Path, cleaner: TextCleaner) -> Document:
    try:
        data = cleaner.clean_data(json.loads(read_text_file(path)))
    except json.JSONDecodeError as exc:
        raise InputFileError(path, f"JSON 格式错误（第{exc.lineno}行第{exc.colno}列）", "zhibiao JSON") from exc
    except RecursionError as exc:
        raise InputFileError(path, f"JSON 嵌套过深（上限 {MAX_JSON_DEPTH} 层）", "zhibiao JSON") from exc
    try:
        doc = _json_document(data, path)
    except ValidationError as exc:
        whole = isinstance(data, list) or isinstance(data, dict) and isinstance(data.get("projects"), list)
        model = Document if whole else ProjectSheet
        raise InputFileError(path, "JSON 内容不符合绩效目标表格式：" + validation_message(exc, model), "zhibiao JSON") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise InputFileError(path, "JSON 内容不符合绩效目标表格式", "zhibiao JSON") from exc
    if doc is None:
        raise InputFileError(path, "JSON 顶层应为对象或数组", "zhibiao JSON")
    if not doc.projects:
        raise InputFileError(path, "JSON 中没有任何项目", "zhibiao JSON")
    if len(doc.projects) > MAX_PROJECTS:
        raise InputFileError(path, f"项目过多（{len(doc.projects)} 个，上限 {MAX_PROJECTS} 个）", "单个部门预算文档")
    return doc


def _json_document(data, path: Path) -> Document | None:
    # the whole document is validated at once, so an error names the project it is in (第2个项目的预算数…)
    if isinstance(data, dict) and "projects" in data and isinstance(data["projects"], list):
        projects = [p.get("sheet", p) if isinstance(p, dict) else p for p in data["projects"]]
        meta = {k: data[k] for k in ("title", "department", "year", "preface") if k in data}
        return Document.model_validate({**meta, "projects": projects, "source": display_path(path)})
    if isinstance(data, dict) and "sheet" in data:
        return Document(projects=[ProjectSheet.model_validate(data["sheet"])], source=display_path(path))
    if isinstance(data, dict):
        return Document(projects=[ProjectSheet.model_validate(data)], source=display_path(path))
    if isinstance(data, list):
        return Document.model_validate({"projects": data, "source": display_path(path)})
    return None


def document_json(doc: Document) -> str:
    return doc.model_dump_json(indent=2, exclude={"source"})


def write_document(doc: Document, path: str | Path, fmt: str | None = None, like: Path | None = None) -> Path:
    """Write a document under a temporary name and rename it into place; the format comes from `fmt` or the suffix.
    A .docx written from a .docx input (`like`) keeps that input's page size."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in {w.lstrip(".") for w in WRITABLE}:
        raise InputFileError(path, f"不支持输出格式“{fmt}”", "、".join(WRITABLE))
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        _write(doc, tmp, fmt, like)
    return path


def _write(doc: Document, path: Path, fmt: str, like: Path | None) -> None:
    if fmt == "docx":
        from assistant.documents.docx_io import page_size, write_docx

        page = page_size(like) if like is not None and like.suffix.lower() == ".docx" else None
        write_docx(doc, path, page=page)
    elif fmt == "xlsx":
        from assistant.documents.xlsx_io import write_xlsx

        write_xlsx(doc, path)
    elif fmt == "json":
        path.write_text(document_json(doc), encoding="utf-8")
    elif fmt == "md":
        path.write_text(document_markdown(doc), encoding="utf-8")
    else:
        path.write_text(write_text_export(doc), encoding="utf-8")


__all__ = ["READABLE", "WRITABLE", "document_json", "read_document", "sheet_markdown", "write_document"]
