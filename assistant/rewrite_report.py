"""Before/after reports of a batch rewrite: JSON (check-report form), Markdown, HTML and Excel."""

from __future__ import annotations

import html
import json
from pathlib import Path

from assistant.batch import DocumentRewrite
from assistant.open_facts import open_facts
from assistant.documents.xlsx_io import cells_as_text
from assistant.ledger import FATE_ZH, action_counts, facts_ledger
from assistant.report import SEVERITY_ZH
from assistant.rewrite import YEAR_SOURCE_ZH
from assistant.rules import document_score

ACTION_ZH = {"kept": "保留", "completed": "补全", "rewritten": "改写", "added": "新增", "removed": "删除"}


def report_dict(run: DocumentRewrite) -> dict:
    """The check-report form, with each project's before and after sheets, scores and row changes."""
    projects = []
    for p in run.projects:
        after = p.after or p.before
        projects.append({
            "code": p.code, "name": p.name, "status": p.status, "error": p.error,
            "score": after.score, "score_before": p.before.score,
            "findings": [f.model_dump(mode="json") for f in after.findings],
            "findings_before": [f.model_dump(mode="json") for f in p.before.findings],
            "sheet": after.sheet.model_dump(mode="json"),
            "before": p.before.sheet.model_dump(mode="json"),
            "after": after.sheet.model_dump(mode="json"),
            "changes": [c.model_dump(mode="json") for c in p.changes],
            "goal_rewritten": p.goal_rewritten, "drafter": p.drafter, "sources": p.sources,
            "year": p.year, "year_source": p.year_source, "grounding": grounding_text(p),
            "open_facts": [f.model_dump(mode="json") for f in open_facts(after.sheet)],
            "grade": after.sub_scores.grade, "readiness": after.sub_scores.readiness,
            "verdict": after.sub_scores.verdict, "counts": action_counts(p),
            "facts": [e.model_dump(mode="json") for e in facts_ledger(p)],
        })
    return {
        "score": document_score([(p.after or p.before).sub_scores for p in run.projects]),
        "score_before": document_score([p.before.sub_scores for p in run.projects]),
        "source": run.source, "problems": run.problems, "resumed": run.resumed,
        "failed": [{"code": p.code, "name": p.name, "error": p.error} for p in run.failed],
        "projects": projects,
    }


def grounding_text(p) -> str:
    """Where the new rows came from, as a reviewer reads it: the library type, or a composition when none fits."""
    if not p.sources:
        return ""
    first = p.sources[0]
    if first.startswith("archetype:"):
        from assistant.drafters.compose import archetypes

        names = {a["id"]: a["name"] for a in archetypes()}
        kind = names.get(first.partition(":")[2], first.partition(":")[2])
        return (f"示范库中没有与本项目相符的项目类型：保留并补全原表指标，新增指标按“{kind}”类项目的通用结构"
                "以本项目对象组合起草，请重点核对")
    from retrieval.library import load_library

    library = {s.id: s.name for s in load_library()}
    return f"新增和替换的指标取自示范库项目类型“{library.get(first, first)}”"


def _row(ind) -> str:
    return f"{ind.name}｜{ind.value}" if ind is not None else "—"


def report_markdown(run: DocumentRewrite) -> str:
    data = report_dict(run)
    lines = ["# 绩效目标表改写报告", "", f"- 原文件：{run.source}",
             f"- 文档得分：{data['score_before']:.1f} → **{data['score']:.1f}**", f"- 项目数：{len(run.projects)}"]
    if run.resumed:
        lines.append(f"- 断点续跑：{run.resumed} 个项目取自上次已完成的结果")
    lines += [f"> 读取问题：{p}" for p in run.problems]
    lines += [f"> 改写失败：{p.name}：{p.error}（已保留原表）" for p in run.failed]
    lines += ["", "| 项目编码 | 项目名称 | 改写前 | 改写后 | 等级 | 审核状态 | 保留 | 补全 | 改写 | 新增 | 删除 |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for p in run.projects:
        count = action_counts(p)
        s = (p.after or p.before).sub_scores
        after = f"{p.after.score:.0f}" if p.after else "失败"
        lines.append(f"| {p.code} | {p.name} | {p.before.score:.0f} | {after} | {s.grade} | {s.verdict} | {count['kept']} | "
                     f"{count['completed']} | {count['rewritten']} | {count['added']} | {count['removed']} |")
    for p in run.projects:
        lines += ["", f"## {p.name}", ""]
        if p.status == "failed":
            lines.append(f"改写失败：{p.error}。原表保留不变。")
            continue
        if p.year:
            lines.append(f"- 预算年度：{p.year}（{YEAR_SOURCE_ZH[p.year_source]}）")
        if grounding_text(p):
            lines.append(f"- 指标来源：{grounding_text(p)}")
        if p.goal_rewritten and p.after:
            lines.append(f"- 年度目标：{'；'.join(p.before.sheet.goals) or '（空）'} → {'；'.join(p.after.sheet.goals)}")
        lines += ["", "| 处理 | 二级指标 | 原指标（名称｜指标值） | 新指标（名称｜指标值） | 触发规则 |", "|---|---|---|---|---|"]
        for c in p.changes:
            lines.append(f"| {ACTION_ZH[c.action]} | {c.level2} | {_row(c.before)} | {_row(c.after)} | {' '.join(c.rules)} |")
        ledger = facts_ledger(p)
        if ledger:
            lines += ["", "原表数据去向：", "", "| 原指标 | 原指标值 | 去向 | 新表中的位置 | 理由 |", "|---|---|---|---|---|"]
            lines += [f"| {e.indicator} | {e.value} | {FATE_ZH[e.fate]} | {e.where} | {e.reason} |" for e in ledger]
        remaining = [f for f in (p.after.findings if p.after else []) if f.severity != "info"]
        if remaining:
            lines += ["", "改写后仍有的问题："] + [f"- {f.rule}（{SEVERITY_ZH[f.severity]}）{f.indicator or '整表'}：{f.message}"
                                                for f in remaining]
    return "\n".join(lines) + "\n"


def report_html(run: DocumentRewrite) -> str:
    """A self-contained page (no external scripts, fonts or styles)."""
    data = report_dict(run)
    esc = html.escape
    parts = ["<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>绩效目标表改写报告</title>",
             "<style>body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;}"
             "table{border-collapse:collapse;margin:1em 0;}td,th{border:1px solid #bbb;padding:4px 8px;vertical-align:top;}"
             "th{background:#eef}.kept{color:#555}.rewritten{background:#fff6e0}.added{background:#e8f7e8}"
             ".removed{background:#fde8e8}</style></head><body>",
             f"<h1>绩效目标表改写报告</h1><p>原文件：{esc(run.source)}；文档得分 {data['score_before']:.1f} → "
             f"<b>{data['score']:.1f}</b></p>"]
    for problem in run.problems:
        parts.append(f"<p>读取问题：{esc(problem)}</p>")
    for p in run.projects:
        after = f"{p.after.score:.0f}" if p.after else "失败"
        parts.append(f"<h2>{esc(p.name)}（{esc(p.code)}）：{p.before.score:.0f} → {after}</h2>")
        if p.status == "failed":
            parts.append(f"<p>改写失败：{esc(p.error)}。原表保留不变。</p>")
            continue
        if p.year:
            parts.append(f"<p>预算年度：{p.year}（{esc(YEAR_SOURCE_ZH[p.year_source])}）</p>")
        if grounding_text(p):
            parts.append(f"<p>指标来源：{esc(grounding_text(p))}</p>")
        parts.append("<table><tr><th>处理</th><th>二级指标</th><th>原指标</th><th>新指标</th><th>触发规则</th></tr>")
        for c in p.changes:
            parts.append(f"<tr class='{c.action}'><td>{ACTION_ZH[c.action]}</td><td>{esc(c.level2)}</td>"
                         f"<td>{esc(_row(c.before))}</td><td>{esc(_row(c.after))}</td><td>{esc(' '.join(c.rules))}</td></tr>")
        parts.append("</table>")
        ledger = facts_ledger(p)
        if ledger:
            parts.append("<h3>原表数据去向</h3><table><tr><th>原指标</th><th>原指标值</th><th>去向</th><th>新表中的位置</th>"
                         "<th>理由</th></tr>")
            parts += [f"<tr><td>{esc(e.indicator)}</td><td>{esc(e.value)}</td><td>{FATE_ZH[e.fate]}</td>"
                      f"<td>{esc(e.where)}</td><td>{esc(e.reason)}</td></tr>" for e in ledger]
            parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def report_xlsx(run: DocumentRewrite, path: Path) -> Path:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "汇总"
    ws.append(["项目编码", "项目名称", "状态", "改写前得分", "改写后得分", "等级", "审核状态", "保留", "补全", "改写", "新增",
               "删除", "预算年度", "指标来源", "说明"])
    for p in run.projects:
        s, count = (p.after or p.before).sub_scores, action_counts(p)
        year = f"{p.year}（{YEAR_SOURCE_ZH[p.year_source]}）" if p.year else ""
        ws.append([p.code, p.name, "成功" if p.status == "ok" else "失败", p.before.score,
                   p.after.score if p.after else None, s.grade, s.verdict, *count.values(), year, grounding_text(p), p.error])
    detail = book.create_sheet("逐项对照")
    detail.append(["项目名称", "处理", "二级指标", "原三级指标", "原指标值", "新三级指标", "新指标值", "新指标解释", "新依据", "触发规则"])
    for p in run.projects:
        for c in p.changes:
            b, a = c.before, c.after
            detail.append([p.name, ACTION_ZH[c.action], c.level2, b.name if b else "", b.value if b else "",
                           a.name if a else "", a.value if a else "", a.description if a else "", a.basis if a else "",
                           " ".join(c.rules)])
    facts = book.create_sheet("原表数据去向")
    facts.append(["项目编码", "项目名称", "原指标", "原指标值", "去向", "新表中的位置", "理由"])
    for p in run.projects:
        for e in facts_ledger(p):
            facts.append([p.code, p.name, e.indicator, e.value, FATE_ZH[e.fate], e.where, e.reason])
    for sheet in (ws, detail, facts):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    cells_as_text(book)
    book.save(str(path))
    return path


def write_reports(run: DocumentRewrite, stem: Path) -> list[Path]:
    """Write <stem>.report.json/.md/.html/.xlsx next to the output."""
    def named(suffix: str) -> Path:
        return stem.with_name(f"{stem.name}.report{suffix}")

    named(".json").write_text(json.dumps(report_dict(run), ensure_ascii=False, indent=2), encoding="utf-8")
    named(".md").write_text(report_markdown(run), encoding="utf-8")
    named(".html").write_text(report_html(run), encoding="utf-8")
    report_xlsx(run, named(".xlsx"))
    return [named(s) for s in (".json", ".md", ".html", ".xlsx")]
