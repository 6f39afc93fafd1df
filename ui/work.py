"""What the page's handlers do, without gradio: drafting, the chat, checking, rewriting, the library, the evaluation.

app.py calls these through ui.worker, so that the store, the embedding and every draft's garbage live in a worker
process that the idle trim replaces with a fresh one (issue #17). Arguments and results are plain data (str, int,
lists, dicts), since they cross a pipe. Errors are raised as the package raises them; the worker turns them into the
user's message with `user_message`, as the page does when it runs them itself (ZHIBIAO_UI_WORKER=0, tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from assistant.draft import Draft
from assistant.report import SEVERITY_ZH
from ui.present import public_message, rule_label, type_name

Progress = Callable[[int, int, str], None]

# what the worker may be asked to run: these functions and nothing else
EXPOSED = ("draft", "chat", "table_edit", "fill_facts", "fill_rewritten", "check", "rewrite", "library", "evaluate",
           "export", "warm", "pid")


def user_message(exc: BaseException) -> str | None:
    """The Chinese message for an error the user can act on; None for a bug (its traceback belongs in the log)."""
    from pydantic import ValidationError

    from assistant.errors import ZhibiaoError

    if isinstance(exc, ZhibiaoError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return "输入有误：" + "；".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
    if isinstance(exc, ValueError):
        return f"输入有误：{exc}"
    return None


def _tmpdir() -> Path:
    from ui.tempfiles import new_dir

    return new_dir()  # under one root, deleted after ZHIBIAO_UI_TEMP_TTL


def _store():
    from assistant.drafters.exemplar import default_store

    return default_store()


def warm() -> None:
    """What the first request would otherwise wait for: the store (built if it is not), the tokenizer's dictionary."""
    _store()
    from retrieval.bm25 import tokenize

    tokenize("预热")


def pid() -> int:
    import os

    return os.getpid()


# -- what the 起草 tab shows --------------------------------------------------------------------------------
def findings_rows(findings) -> list[list[str]]:
    return [[rule_label(f.rule), SEVERITY_ZH[f.severity], f.indicator or "（整表）", f.message, f.hint] for f in findings]


def score_md(draft: Draft) -> str:
    s = draft.sub_scores
    notes = "".join(f"\n\n> 注意：{n}" for n in draft.notes)
    verdict = "需修改（模型多次修正后仍有问题）" if draft.partial else s.verdict
    return (f"### 得分 {draft.score:.0f}（{s.grade}）｜ {verdict}\n完整性 {s.completeness:.0f} ｜ 相关性 {s.relevance:.0f} ｜ "
            f"适当性 {s.appropriateness:.0f} ｜ 可行性 {s.feasibility:.0f} ｜ 错误 {s.errors} ｜ 警告 {s.warnings} ｜ "
            f"待补充 {s.open}{notes}")


def sources_md(draft: Draft) -> str:
    if not draft.sources:
        return ""
    lines = ["**参考的示范指标**"]
    for src in draft.sources:
        refs = "；".join(src.references[:6])
        lines.append(f"- {type_name(src.id, src.name, src.category)}" + (f"：{refs}" if refs else ""))
    return "\n".join(lines)


def outputs(draft: Draft | None) -> tuple:
    """Everything the 起草 tab shows for a draft: state, table, findings, score, sources, goal."""
    from assistant.table import sheet_rows

    if draft is None:
        return None, [], [], "", "", ""
    return (draft.model_dump(mode="json"), sheet_rows(draft.sheet), findings_rows(draft.findings), score_md(draft),
            sources_md(draft), "\n".join(draft.sheet.goals))


# -- 起草 -------------------------------------------------------------------------------------------------
def draft(name, purpose, budget, year, layout, drafter_name) -> tuple[tuple, str, str]:
    """A draft from the brief's fields: (the tab's outputs, the chat's reply, a year conflict to warn of or "")."""
    from assistant.brief import Brief
    from assistant.draft import get_drafter
    from ui.present import year_conflict

    brief = Brief(name=name or "", purpose=purpose or "", budget=budget or None, year=int(year or 2026),
                  layout=layout or "2015")
    made = get_drafter(drafter_name or None).draft(brief)
    conflict = year_conflict(brief.name, brief.year) or ""
    if conflict:
        made = made.model_copy(update={"notes": [conflict, *made.notes]})
    reply = (f"已起草 {len(made.sheet.indicators)} 个指标，得分 {made.score:.0f}。"
             + "".join(f"注意：{n}" for n in made.notes)
             + "{…} 是需要按本项目填写的数值。可以直接改表格，或告诉我怎么改（输入“帮助”查看说法）。")
    return outputs(made), reply, conflict


def chat(text: str, state, layout, year, llm: bool) -> tuple[tuple, str, tuple | None]:
    """One chat turn: (the tab's outputs, the reply, the brief's fields when the turn drafted a new table, else None).

    Without a table the message describes the project ("帮我起草2025年XX项目，预算50万元"); with one it is an edit,
    sent to the model (`llm`) when the offline parser does not understand it."""
    from assistant.brief import Brief
    from assistant.draft import get_drafter
    from assistant.edits import apply_edit
    from ui.present import parse_chat_brief

    if not state:
        asked = parse_chat_brief(text)
        brief = Brief(name=asked.name, purpose=asked.purpose or asked.name, budget=asked.budget,
                      year=asked.year or int(year or 2026), layout=layout or "2015")
        made = get_drafter().draft(brief)
        said = "".join(f"，{k}{v}" for k, v in (("预算", asked.budget), ("预算年度", f"{brief.year}年")) if v)
        reply = (f"已按项目“{brief.name}”{said}起草 {len(made.sheet.indicators)} 个指标，得分 {made.score:.0f}。"
                 "项目名称等已填入左侧，可修改后重新起草。")
        return outputs(made), reply, (brief.name, asked.purpose or None, asked.budget or None, brief.year)
    current = Draft.model_validate(state)
    result = apply_edit(current.sheet, text, store=_store())
    sheet, reply = result.sheet, result.reply
    if not result.changed and llm and text not in ("帮助", "help"):
        from assistant.drafters.llm import LLMDrafter
        from assistant.settings import load_settings

        sheet = LLMDrafter(load_settings()).revise(current.sheet, text).sheet
        reply = "已按要求修改（大模型）。"
    new = current.rechecked(sheet)
    return outputs(new), f"{reply}\n\n当前得分 {new.score:.0f}。", None


def table_edit(rows: list[list], goal, state) -> tuple:
    from assistant.table import rows_to_sheet

    current = Draft.model_validate(state)
    sheet = rows_to_sheet(current.sheet, rows)
    if goal is not None:
        sheet = sheet.model_copy(update={"goals": [g for g in str(goal).split("\n") if g.strip()]})
    return outputs(current.rechecked(sheet))


def fill_facts(rows, state) -> tuple:
    """The 待补充信息 form: the answered facts filled and the table checked again; (*outputs, reply)."""
    from ui.facts import fill_facts as fill

    filled, reply = fill(rows, state)
    return (*outputs(filled), reply)


def fill_rewritten(files: list[str], facts_file: str | None) -> tuple[str, str]:
    from ui.facts import fill_rewritten as fill

    return fill(files, facts_file)


def export(fmt: str, state) -> str:
    from assistant.documents import write_document
    from assistant.models import Document

    current = Draft.model_validate(state)
    safe = "".join(ch for ch in current.sheet.name if ch not in '\\/:*?"<>|')[:40] or "绩效目标表"
    path = _tmpdir() / f"{safe}绩效目标表.{fmt}"
    write_document(Document(title=current.sheet.name, year=current.sheet.year, projects=[current.sheet]), path, fmt)
    return str(path)


# -- 检查 / 批量改写 ----------------------------------------------------------------------------------------
def check(path: str) -> tuple[str, list, list]:
    from assistant.documents import read_document
    from assistant.report import check_document

    doc, problems = read_document(Path(path))
    report = check_document(doc, problems)
    summary = [[p.code, p.name, round(p.score), p.sub_scores.grade, p.sub_scores.verdict, p.sub_scores.errors,
                p.sub_scores.warnings] for p in report.projects]
    found = [[p.name] + row for p in report.projects for row in findings_rows(p.findings)]
    problems = [public_message(x) for x in problems]
    note = f"### 文档得分 {report.score:.1f}（{len(report.projects)} 个项目）" + "".join(f"\n- 读取问题：{x}" for x in problems)
    return note, summary, found


def rewrite(path: str, keep_good: bool, year, progress: Progress | None = None) -> tuple[str, list, list, str]:
    """The uploaded document rewritten: (a note, one row per project, the output files, the before/after preview)."""
    from assistant.batch import rewrite_document
    from assistant.cli_rewrite import outputs_for
    from assistant.documents import read_document, write_document
    from assistant.draft import get_drafter
    from assistant.rewrite_report import write_reports
    from ui.facts import facts_sheet_for
    from ui.present import rewrite_preview

    source = Path(path)
    doc, problems = read_document(source)
    problems = [public_message(x) for x in problems]
    year = int(year) if year not in (None, "") and 2000 <= float(year) <= 2100 else None
    run = rewrite_document(doc, get_drafter(), keep_good=bool(keep_good), progress=progress, problems=problems,
                           year=year)
    out = _tmpdir() / (source.stem + "_改写")
    files = [str(write_document(run.document, target, fmt)) for fmt, target in outputs_for(source, out)]
    files += [str(p) for p in write_reports(run, out)] + [str(facts_sheet_for(run, out))]
    rows = [[p.code, p.name, round(p.before.score), round(p.after.score) if p.after else "失败",
             (p.after or p.before).sub_scores.grade, (p.after or p.before).sub_scores.verdict, public_message(p.error)]
            for p in run.projects]
    after = sum((p.after or p.before).score for p in run.projects) / max(1, len(run.projects))
    note = f"### 改写完成：{len(run.projects)} 个项目，平均得分 {after:.1f}" + "".join(
        f"\n- 读取问题：{x}" for x in problems) + "".join(f"\n- 改写失败：{p.name}：{public_message(p.error)}"
                                                      for p in run.failed)
    assumed = sorted({p.year for p in run.projects if p.year_source == "assumed" and p.year})
    if assumed:
        note += (f"\n- 注意：文档未写明预算年度，已按 {'、'.join(map(str, assumed))} 年改写，请核对；"
                 "可在“预算年度”中填写后重新改写")
    return note, rows, files, rewrite_preview(run.projects)


# -- 指标库 / 评估 ------------------------------------------------------------------------------------------
def library(text: str, mode, category, level2, layout) -> list[list]:
    store = _store()
    category = None if category in (None, "", "全部") else category
    if mode == "单个指标":
        hits = store.search_indicators(text, k=15, level2=None if level2 in (None, "", "全部") else level2,
                                       category=category, layout=None if layout in (None, "", "全部") else layout)
        return [[h.metadata.get("level2", ""), h.metadata.get("name", ""), h.metadata.get("value", ""),
                 h.metadata.get("description", ""), h.metadata.get("basis", ""),
                 h.metadata.get("set_name") or h.metadata.get("source", "")] for h in hits]
    from retrieval.library import load_library

    sets = {s.id: s for s in load_library()}
    rows = []
    for h in store.search_sets(text, k=8, category=category):
        s = sets.get(h.id)
        rows.append(["项目类型", type_name(h.id, s.name if s else "", ""), s.category if s else "",
                     "；".join(s.keywords[:8]) if s else "", "；".join(s.sources[:4]) if s else "", "内置示范库"])
    return rows


def evaluate(limit, progress: Progress | None = None) -> tuple:
    """The evaluation on the built-in cases: (summary, two charts, the seed chart, the result files)."""
    from assistant.errors import ConfigError
    from ui.present import eval_charts, eval_summary_zh

    try:
        from eval.harness import run_eval
    except ImportError:
        raise ConfigError("评估功能尚未安装。") from None
    out = _tmpdir() / "eval-run"
    result = run_eval(drafter="exemplar", out_dir=out, limit=int(limit or 0) or None, progress=progress)
    charts = out / "图表"
    charts.mkdir(exist_ok=True)
    images = [str(p) for p in eval_charts(result, charts)]
    images += [None] * (2 - len(images))
    # the harness's seed chart has Chinese labels only (project names, 原表/改写后)
    baseline = str(out / "baseline.png") if (out / "baseline.png").exists() else None
    return (eval_summary_zh(result.summary_markdown()), *images[:2], baseline,
            [str(out / "summary.html"), str(out / "cases.jsonl")])
