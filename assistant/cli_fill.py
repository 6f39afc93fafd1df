"""`zhibiao fill`: answer a draft's or a rewritten document's open facts once, check again, write the result."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assistant.errors import InputError

EXIT_REFUSED = 1


def _set_answers(pairs: list[str]) -> list[dict]:
    """--set KEY=VALUE or --set 项目编码/KEY=VALUE."""
    out = []
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--set 的写法应为 KEY=VALUE，“{pair}”不是")
        project, slash, bare = key.strip().rpartition("/")
        out.append({"key": bare if slash else key.strip(), "value": value.strip(), "project": project if slash else "",
                    "project_name": ""})
    return out


def _is_draft(path: Path) -> dict | None:
    """The parsed draft JSON (`zhibiao draft --format json`), or None for a document."""
    if path.suffix.lower() != ".json":
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("sheet"), dict) else None


def draft_json(draft) -> str:
    """A draft as `zhibiao draft --format json` writes it: the draft with its top-level `open_facts`."""
    from assistant.open_facts import open_facts

    data = draft.model_dump(mode="json")
    data["open_facts"] = [f.model_dump(mode="json") for f in open_facts(draft.sheet)]
    return json.dumps(data, ensure_ascii=False, indent=2)


def _fill_draft(data: dict, answers: list[dict], output: Path):
    from assistant.documents import write_document
    from assistant.draft import Draft
    from assistant.facts_file import fill_document
    from assistant.models import Document

    from pydantic import ValidationError

    from assistant.errors import validation_message

    try:
        draft = Draft.model_validate({k: v for k, v in data.items() if k != "open_facts"})
    except ValidationError as exc:
        raise InputError("草稿 JSON 不符合格式：" + validation_message(exc, Draft)) from exc
    doc, refused = fill_document(Document(title=draft.sheet.name, year=draft.sheet.year, projects=[draft.sheet]), answers)
    new = draft.rechecked(doc.projects[0])
    if output.suffix.lower() in (".json", ""):
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(draft_json(new), encoding="utf-8")
    else:
        write_document(doc.model_copy(update={"projects": [new.sheet]}), output)
    return [new.sheet], refused


def _fill_document(path: Path, answers: list[dict], output: Path):
    from assistant.documents import read_document, write_document
    from assistant.facts_file import fill_document
    from assistant.report import check_document

    doc, _ = read_document(path)
    doc, refused = fill_document(doc, answers)
    checked = check_document(doc)
    doc = doc.model_copy(update={"projects": [p.sheet for p in checked.projects]})
    write_document(doc, output, like=path)
    return doc.projects, refused


def cmd_fill(args: argparse.Namespace) -> int:
    from assistant.facts_file import read_answers
    from assistant.open_facts import open_facts

    source, output = Path(args.input), Path(args.output)
    if not source.exists():
        raise InputError(f"输入不存在：{source}")
    answers = (read_answers(args.facts) if args.facts else []) + _set_answers(args.set)
    if not answers:
        raise InputError("没有任何填写值：请用 --facts 指定已填写的待补充信息文件，或用 --set KEY=VALUE")
    data = _is_draft(source)
    sheets, refused = _fill_draft(data, answers, output) if data else _fill_document(source, answers, output)
    still = [f for s in sheets for f in open_facts(s)]
    filled = len(answers) - len(refused)
    print(f"已填写 {filled} 项，待补充 {len(still)} 项；已写入 {output}")
    for r in refused:
        print(f"未采用：{r.message}")
    for f in still[:20]:
        print(f"待补充：{f.project_name}｜{f.indicator or '年度目标'}：{f.question}")
    return EXIT_REFUSED if refused else 0


def add_parser(sub) -> None:
    p = sub.add_parser("fill", help="填写草稿或改写后文档中的待补充信息，并重新检查",
                       description="把待补充信息（{…} 占位符）的填写值一次填入草稿 JSON 或改写后的 .docx/.xlsx/.txt，"
                                   "逐项校验（计数须为数字、比率在0～100之间、日期在预算年度内），重新检查后写出。"
                                   "不合格的填写值不采用并说明原因；不存在的编号报错；其他内容不变。")
    p.add_argument("input", help="zhibiao draft --format json 输出的草稿，或 zhibiao rewrite 输出的 .docx/.xlsx/.txt")
    p.add_argument("--facts", help="已填写的待补充信息：open_facts 列表（JSON，每项含 key、value）或 *.facts.xlsx")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="直接填写一项（可重复；多项目文档写 项目编码/KEY=VALUE）")
    p.add_argument("-o", "--output", required=True, help="输出文件，格式按扩展名（.json/.docx/.xlsx/.txt）")
    p.set_defaults(func=cmd_fill)
