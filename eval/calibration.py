"""Calibration on real published tables: does the score rank good tables above vague ones, as a reviewer would?"""

from __future__ import annotations

import json
import statistics
from importlib import resources
from pathlib import Path
from typing import Any

from assistant.models import Indicator, ProjectSheet
from assistant.report import check_project

LABELS = ("good", "mixed", "vague")

# the built-in sets: the 40 first collected (S01–S40) and the 20 found later with search (W01–W20)
BUILTIN = ("real_tables.jsonl", "real_tables_web.jsonl")


def _read(text: str, name: str) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    for rec in records:
        rec.setdefault("set", name)
    return records


def load_tables(path: Path | None = None) -> list[dict[str, Any]]:
    """The labelled real tables: both built-in files (eval/cases/real_tables.jsonl and real_tables_web.jsonl), or
    one file of the same form. Each record carries `set` (the file's stem) so figures can be given per set."""
    if path:
        return _read(path.read_text("utf-8"), path.stem)
    cases = resources.files("eval").joinpath("cases")
    return [rec for name in BUILTIN for rec in _read(cases.joinpath(name).read_text("utf-8"), name.removesuffix(".jsonl"))]


def sheet_of(record: dict[str, Any]) -> ProjectSheet:
    """A published table as a sheet, every cell as printed."""
    rows = [Indicator(level1=i.get("level1", ""), level2=i.get("level2", ""), name=i.get("name", ""),
                      description=i.get("description", ""), value=i.get("value", ""), basis=i.get("basis", ""))
            for i in record["indicators"]]
    layout = record.get("layout") if record.get("layout") in ("2015", "2021") else "2015"
    return ProjectSheet(name=record["project"], year=record.get("year"), layout=layout,
                        department=record.get("department", ""), budget={"total": record.get("budget_total")},
                        goals=[record["goal"]] if record.get("goal") else [], indicators=rows)


def auc(high: list[float], low: list[float]) -> float:
    """P(a random `high` score > a random `low` one), ties counting half."""
    if not high or not low:
        return float("nan")
    wins = sum((h > lo) + 0.5 * (h == lo) for h in high for lo in low)
    return wins / (len(high) * len(low))


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-label score summary and the three AUCs over some scored rows."""
    by = {label: [r["score"] for r in rows if r["label"] == label] for label in LABELS}
    summary = {label: {"n": len(v), "mean": round(statistics.mean(v), 1) if v else None,
                       "min": min(v, default=None), "max": max(v, default=None)} for label, v in by.items()}
    return {"labels": summary, "auc_good_vague": round(auc(by["good"], by["vague"]), 3),
            "auc_good_mixed": round(auc(by["good"], by["mixed"]), 3),
            "auc_mixed_vague": round(auc(by["mixed"], by["vague"]), 3)}


def calibrate(records: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Score every table; report per-label scores, grades, AUC of good vs vague and of good+mixed vs vague,
    over all tables and (under `sets`) per source file."""
    records = records if records is not None else load_tables()
    rows = []
    for rec in records:
        report = check_project(sheet_of(rec))
        rows.append({"id": rec["id"], "set": rec.get("set", ""), "label": rec.get("label", ""), "project": rec["project"],
                     "score": report.score, "grade": report.sub_scores.grade,
                     "readiness": report.sub_scores.readiness, "rows": len(report.sheet.indicators),
                     "errors": report.sub_scores.errors, "source_url": rec.get("source_url", "")})
    sets = sorted({r["set"] for r in rows})
    return {"tables": rows, **summarize(rows),
            "sets": {name: {"n": sum(r["set"] == name for r in rows), **summarize([r for r in rows if r["set"] == name])}
                     for name in sets} if len(sets) > 1 else {}}


def calibration_markdown(result: dict[str, Any]) -> str:
    lines = ["# 评分校准：真实公开的绩效目标表", "",
             f"- AUC（good 对 vague）：**{result['auc_good_vague']}**；good 对 mixed：{result['auc_good_mixed']}；"
             f"mixed 对 vague：{result['auc_mixed_vague']}", "", "| 标签 | 表数 | 平均分 | 最低 | 最高 |", "|---|---|---|---|---|"]
    for label, s in result["labels"].items():
        lines.append(f"| {label} | {s['n']} | {s['mean']} | {s['min']} | {s['max']} |")
    if result.get("sets"):
        lines += ["", "| 表集 | 表数 | AUC（good 对 vague） | good 平均 | mixed 平均 | vague 平均 |", "|---|---|---|---|---|---|"]
        for name, s in result["sets"].items():
            m = {k: v["mean"] for k, v in s["labels"].items()}
            lines.append(f"| {name} | {s['n']} | {s['auc_good_vague']} | {m['good']} | {m['mixed']} | {m['vague']} |")
    lines += ["", "| 编号 | 标签 | 项目 | 得分 | 等级 | 审核状态 | 来源 |", "|---|---|---|---|---|---|---|"]
    for r in sorted(result["tables"], key=lambda r: -r["score"]):
        lines.append(f"| {r['id']} | {r['label']} | {r['project'][:30]} | {r['score']:.0f} | {r['grade']} | "
                     f"{r['readiness']} | {r['source_url']} |")
    return "\n".join(lines) + "\n"
