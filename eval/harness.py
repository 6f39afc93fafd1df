"""Run a drafter over a case set, score every case, and write per-case JSONL, a summary (Markdown, HTML) and charts."""

from __future__ import annotations

import html
import json
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from eval.cases import CASES_DIR, Case, load_cases
from eval.scorers import QUALITY, SCORERS, Outcome, score_all

SEED = CASES_DIR / "legacy_seed.txt"
Progress = Callable[[int, int, str], None]


def run_case(case: Case, drafter) -> Outcome:
    """Draft (or rewrite) one case; a failure is an outcome with an error, not an exception."""
    from assistant.errors import ZhibiaoError
    from assistant.rewrite import rewrite_sheet

    start = time.perf_counter()
    try:
        if case.kind == "rewrite":
            result = rewrite_sheet(case.legacy, drafter)
            after = result.after
            return Outcome(sheet=after.sheet, findings=after.findings, score=after.score, sources=result.sources,
                           latency_ms=(time.perf_counter() - start) * 1000, before=case.legacy)
        draft = drafter.draft(case.brief)
        return Outcome(sheet=draft.sheet, findings=draft.findings, score=draft.score,
                       sources=[s.id for s in draft.sources], latency_ms=(time.perf_counter() - start) * 1000,
                       model_calls=draft.trace.model_calls,
                       tokens=draft.trace.prompt_tokens + draft.trace.completion_tokens)
    except (ZhibiaoError, ValueError) as exc:
        return Outcome(sheet=None, error=str(exc), latency_ms=(time.perf_counter() - start) * 1000)


@dataclass
class EvalRun:
    out_dir: Path
    drafter: str
    rows: list[dict]
    baseline: list[tuple[str, float, float]] = field(default_factory=list)
    judge: dict | None = None

    def means(self, rows: list[dict] | None = None) -> dict[str, float]:
        rows = self.rows if rows is None else rows
        return {m: round(statistics.fmean(r["scores"][m] for r in rows), 4) for m in SCORERS} if rows else {}

    def per(self, key: str) -> dict[str, dict[str, float]]:
        groups: dict[str, list[dict]] = defaultdict(list)
        for r in self.rows:
            groups[r[key]].append(r)
        return {g: self.means(rows) for g, rows in sorted(groups.items())}

    def summary_markdown(self) -> str:
        means = self.means()
        lines = [f"# 评估报告（{self.drafter}）", "", f"- 案例数：{len(self.rows)}（起草 {sum(r['kind'] == 'draft' for r in self.rows)}，"
                 f"改写 {sum(r['kind'] == 'rewrite' for r in self.rows)}）",
                 f"- 失败：{sum(bool(r['error']) for r in self.rows)}", "", "| 指标 | 全部 | 起草 | 改写 |", "|---|---|---|---|"]
        by_kind = self.per("kind")
        for m in SCORERS:
            lines.append(f"| {m} | {means.get(m, 0):.3f} | {by_kind.get('draft', {}).get(m, 0):.3f} | "
                         f"{by_kind.get('rewrite', {}).get(m, 0):.3f} |")
        lines += ["", "## 分领域", "", "| 领域 | 案例 | 规则得分 | 可衡量 | 覆盖F1 | 相关性 | 无串用 |", "|---|---|---|---|---|---|---|"]
        counts = defaultdict(int)
        for r in self.rows:
            counts[r["sector"]] += 1
        for sector, m in self.per("sector").items():
            lines.append(f"| {sector} | {counts[sector]} | {m['validator_score']:.3f} | {m['measurability']:.3f} | "
                         f"{m['coverage_f1']:.3f} | {m['relevance']:.3f} | {m['no_contamination']:.3f} |")
        if self.baseline:
            lines += ["", "## 样例文档基线（原表 → 改写后）", "", "| 项目 | 原表得分 | 改写后得分 |", "|---|---|---|"]
            lines += [f"| {name} | {a:.0f} | {b:.0f} |" for name, a, b in self.baseline]
        if self.judge:
            lines += ["", "## 大模型评审（多次评审的均值 ± 标准差）", ""]
            lines += [f"- {k}：{v['mean']:.2f} ± {v['std']:.2f}" for k, v in self.judge.items()]
        worst = sorted(self.rows, key=lambda r: r["scores"]["validator_score"])[:5]
        lines += ["", "## 得分最低的案例", ""] + [f"- {r['id']} {r['name']}：{r['scores']['validator_score']:.2f} {r['error']}"
                                               for r in worst]
        return "\n".join(lines) + "\n"


def _write(run: EvalRun) -> None:
    from eval.charts import bar_chart, baseline_chart, sector_chart

    out = run.out_dir
    out.mkdir(parents=True, exist_ok=True)
    with (out / "cases.jsonl").open("w", encoding="utf-8") as fh:
        for r in run.rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    summary = run.summary_markdown()
    (out / "summary.md").write_text(summary, encoding="utf-8")
    (out / "summary.json").write_text(json.dumps({"drafter": run.drafter, "means": run.means(),
                                                   "per_kind": run.per("kind"), "per_sector": run.per("sector"),
                                                   "baseline": run.baseline, "judge": run.judge},
                                                  ensure_ascii=False, indent=2), encoding="utf-8")
    quality = {m: v for m, v in run.means().items() if m in QUALITY}
    bar_chart(quality, out / "metrics.png", "各指标均值")
    sector_chart(run.per("sector"), ["validator_score", "coverage_f1", "measurability"], out / "sectors.png", "分领域")
    if run.baseline:
        baseline_chart(run.baseline, out / "baseline.png")
    images = "".join(f"<img src='{p.name}' style='max-width:100%'>" for p in sorted(out.glob("*.png")))
    body = html.escape(summary).replace("\n", "<br>")
    (out / "summary.html").write_text(
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>评估报告</title></head>"
        f"<body style=\"font-family:'Noto Sans CJK SC',sans-serif\">{body}{images}</body></html>", encoding="utf-8")


def seed_baseline(drafter) -> list[tuple[str, float, float]]:
    """The seed document's original tables scored next to their rewrites."""
    if not SEED.exists():
        return []
    from assistant.batch import rewrite_document
    from assistant.documents import read_document

    doc, _ = read_document(SEED)
    run = rewrite_document(doc, drafter)
    return [(p.name, p.before.score, (p.after or p.before).score) for p in run.projects]


def run_eval(drafter: str = "exemplar", cases_path: Path | str | None = None, out_dir: Path | str = "runs/latest",
             limit: int | None = None, progress: Progress | None = None, judge_rounds: int = 0,
             settings=None) -> EvalRun:
    from assistant.draft import get_drafter

    cases = load_cases(cases_path)
    if limit:
        # keep both kinds and spread over sectors: every k-th case
        step = max(1, len(cases) // limit)
        cases = cases[::step][:limit]
    impl = get_drafter(drafter, settings)
    rows = []
    for n, case in enumerate(cases, 1):
        out = run_case(case, impl)
        rows.append({"id": case.id, "kind": case.kind, "sector": case.sector,
                     "name": case.as_brief().name, "error": out.error, "score": out.score,
                     "scores": score_all(case, out), "sources": out.sources,
                     "indicators": [i.name for i in out.sheet.indicators] if out.sheet else []})
        if progress:
            progress(n, len(cases), case.id)
    run = EvalRun(Path(out_dir), drafter, rows, baseline=seed_baseline(impl) if not cases_path else [])
    if judge_rounds:
        from eval.judge import judge_run

        run.judge = judge_run(cases, rows, judge_rounds, settings)
    _write(run)
    return run
