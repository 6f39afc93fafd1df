"""Compare two evaluation runs case by case, with a paired bootstrap interval for each metric's mean delta."""

from __future__ import annotations

import json
import random
import statistics
from pathlib import Path

from eval.scorers import SCORERS


def load_run(path: Path | str) -> dict[str, dict]:
    rows = [json.loads(line) for line in (Path(path) / "cases.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return {r["id"]: r for r in rows}


def bootstrap(deltas: list[float], rounds: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% interval of the mean of paired deltas."""
    if not deltas:
        return 0.0, 0.0
    rng = random.Random(seed)
    n = len(deltas)
    means = sorted(statistics.fmean(rng.choices(deltas, k=n)) for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def compare(run_a: Path | str, run_b: Path | str) -> dict:
    a, b = load_run(run_a), load_run(run_b)
    common = sorted(set(a) & set(b))
    metrics = {}
    for m in SCORERS:
        deltas = [b[i]["scores"][m] - a[i]["scores"][m] for i in common]
        low, high = bootstrap(deltas)
        metrics[m] = {"a": statistics.fmean(a[i]["scores"][m] for i in common) if common else 0.0,
                      "b": statistics.fmean(b[i]["scores"][m] for i in common) if common else 0.0,
                      "delta": statistics.fmean(deltas) if deltas else 0.0, "ci95": [low, high]}
    cases = [{"id": i, "name": a[i]["name"], **{m: round(b[i]["scores"][m] - a[i]["scores"][m], 4)
                                                 for m in ("validator_score", "coverage_f1", "measurability")}}
             for i in common]
    return {"a": str(run_a), "b": str(run_b), "cases": len(common), "only_a": sorted(set(a) - set(b)),
            "only_b": sorted(set(b) - set(a)), "metrics": metrics, "per_case": cases}


def compare_markdown(result: dict) -> str:
    lines = [f"# 评估对比：{result['a']} → {result['b']}", "", f"共同案例 {result['cases']} 个", "",
             "| 指标 | A | B | 差值 | 95% 区间 |", "|---|---|---|---|---|"]
    for m, v in result["metrics"].items():
        flag = " ↑" if v["ci95"][0] > 0 else " ↓" if v["ci95"][1] < 0 else ""
        lines.append(f"| {m} | {v['a']:.3f} | {v['b']:.3f} | {v['delta']:+.3f}{flag} | "
                     f"[{v['ci95'][0]:+.3f}, {v['ci95'][1]:+.3f}] |")
    changed = [c for c in result["per_case"] if any(abs(c[m]) > 1e-9 for m in ("validator_score", "coverage_f1",
                                                                              "measurability"))]
    lines += ["", "## 逐案例差值（有变化的案例）", "", "| 案例 | 名称 | 规则得分 | 覆盖F1 | 可衡量 |", "|---|---|---|---|---|"]
    lines += [f"| {c['id']} | {c['name']} | {c['validator_score']:+.3f} | {c['coverage_f1']:+.3f} | "
              f"{c['measurability']:+.3f} |" for c in changed]
    return "\n".join(lines) + "\n"
