"""The 待补充信息 form of the 起草 tab and the facts sheet round trip of 批量改写 (no gradio here: app.py wires it)."""

from __future__ import annotations

from pathlib import Path

from assistant.draft import Draft
from assistant.errors import InputError
from assistant.open_facts import open_facts

FACT_COLUMNS = ["编号", "指标", "问题", "单位", "建议值", "填写值"]
_DOCUMENT_SUFFIXES = (".docx", ".xlsx", ".txt", ".json")


def facts_view(state) -> tuple[list[list[str]], str]:
    """The form rows and the readiness line for a draft state."""
    if not state:
        return [], ""
    facts = open_facts(Draft.model_validate(state).sheet)
    rows = [[f.key, f.indicator or "年度目标", f.question, f.unit, f.suggestion or "", ""] for f in facts]
    if not facts:
        return rows, "**待补充 0 项**：表中没有待填写的数值。"
    return rows, f"**待补充 {len(facts)} 项**：在“填写值”一列填写后点“填入并重新检查”（有建议值的可照填）。"


def _rows(rows) -> list[list]:
    if rows is None:
        return []
    if hasattr(rows, "values"):  # a pandas DataFrame
        return rows.values.tolist()
    if isinstance(rows, dict) and "data" in rows:
        return rows["data"]
    return list(rows)


def fill_facts(rows, state) -> tuple[Draft, str]:
    """The draft with the form's answers filled and checked again, and a reply naming what was refused."""
    if not state:
        raise InputError("还没有表格，请先起草。")
    from assistant.open_facts import fill

    draft = Draft.model_validate(state)
    answers = {str(r[0]): str(r[5]).strip() for r in _rows(rows)
               if len(r) > 5 and r[0] and r[5] is not None and str(r[5]).strip()}
    if not answers:
        raise InputError("请先在“填写值”一列填写。")
    sheet, refused = fill(draft.sheet, answers)
    new = draft.rechecked(sheet)
    left = len(open_facts(new.sheet))
    reply = f"已填入 {len(answers) - len(refused)} 项，待补充 {left} 项。"
    return new, reply + "".join(f"\n- 未采用：{r.message}" for r in refused)


def facts_sheet_for(run, out: Path) -> Path:
    """Write the rewrite's OUT.facts.xlsx next to its other outputs."""
    from assistant.facts_file import document_facts, write_facts_xlsx

    return write_facts_xlsx(document_facts(run.document), out.with_name(out.name + ".facts.xlsx"))


def _document_in(files) -> Path:
    paths = [Path(f if isinstance(f, str) else getattr(f, "name", f)) for f in (files or [])]
    docs = [p for p in paths if p.suffix.lower() in _DOCUMENT_SUFFIXES and ".report." not in p.name
            and ".facts." not in p.name]
    if not docs:
        raise InputError("请先完成批量改写，再上传填好的待补充信息表。")
    return next((p for p in docs if p.suffix.lower() == ".docx"), docs[0])


def fill_rewritten(files, facts_file) -> tuple[str, str]:
    """The rewritten document filled from the uploaded facts sheet: (a note, the final document's path)."""
    from assistant.documents import read_document, write_document
    from assistant.facts_file import document_facts, fill_document, read_answers
    from assistant.report import check_document

    if facts_file is None:
        raise InputError("请上传填好的待补充信息表（.facts.xlsx）。")
    source = _document_in(files)
    doc, _ = read_document(source)
    answers = read_answers(Path(facts_file if isinstance(facts_file, str) else getattr(facts_file, "name", facts_file)))
    doc, refused = fill_document(doc, answers)
    checked = check_document(doc)
    doc = doc.model_copy(update={"projects": [p.sheet for p in checked.projects]})
    from ui.tempfiles import new_dir

    out = new_dir() / (source.stem.removesuffix("_改写") + "_定稿" + source.suffix)
    write_document(doc, out, like=source)
    left = len(document_facts(doc))
    note = f"### 已填入 {len(answers) - len(refused)} 项，待补充 {left} 项，文档得分 {checked.score:.1f}"
    return note + "".join(f"\n- 未采用：{r.message}" for r in refused), str(out)
