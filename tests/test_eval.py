"""The evaluation harness: every scorer can fail, runs write their reports, compare shows deltas and intervals."""

import json
import subprocess
import sys

import pytest

from assistant.documents import read_document
from assistant.models import Indicator
from assistant.report import check_project
from eval.cases import load_cases
from eval.compare import bootstrap, compare
from eval.harness import run_eval
from eval.scorers import QUALITY, SCORERS, Outcome, score_all
from good_sheets import good_sheet


@pytest.fixture(scope="module")
def case():
    return next(c for c in load_cases(kind="draft") if c.quantities)


def outcome(sheet, sources=()):
    report = check_project(sheet)
    return Outcome(sheet=report.sheet, findings=report.findings, score=report.score, sources=list(sources))


def test_case_sets_are_large_and_varied():
    drafting, rewriting = load_cases(kind="draft"), load_cases(kind="rewrite")
    assert len(drafting) >= 60
    assert len({c.sector for c in drafting}) >= 12
    if rewriting:  # the rewriting set
        assert len(rewriting) >= 30
        assert all(c.legacy is not None and c.reference for c in rewriting)


def test_every_quality_scorer_can_fail(case, seed_path):
    """A deliberately bad draft (a legacy table full of defects, about another project) scores low."""
    doc, _ = read_document(seed_path)
    bad_sheet = doc.projects[2]  # the car purchase legacy table: ≥100% everywhere, duplicates
    dup = bad_sheet.indicators + [bad_sheet.indicators[0]]
    bad = outcome(bad_sheet.model_copy(update={"indicators": dup}), sources=["canteen-renovation"])
    bad_scores = score_all(case, bad)
    nothing = score_all(case, Outcome(sheet=None, error="endpoint failed"))
    for name in QUALITY:
        if name in ("kept_good", "facts_kept"):
            continue  # only meaningful for rewriting cases; tested below
        assert min(bad_scores[name], nothing[name]) < 0.75, f"{name} never fails"
        assert nothing[name] <= bad_scores[name] or nothing[name] < 0.5


def test_contamination_scorer_catches_foreign_words():
    from assistant.brief import Brief
    from eval.cases import Case

    case = Case(id="t1", brief=Brief(name="机关办公楼冬季供暖费", purpose="支付机关办公楼采暖季集中供热费用"))
    sheet = good_sheet("heating")
    rows = list(sheet.indicators) + [Indicator(level1="产出指标", level2="质量指标", name="七氟丙烷灭火装置完好率",
                                               description="完好÷总数×100%", value="≥95%", basis="历史标准：2024年")]
    out = outcome(sheet.model_copy(update={"indicators": rows}), sources=["heating-fee"])
    assert score_all(case, out)["no_contamination"] == 0.0
    assert score_all(case, outcome(sheet, sources=["heating-fee"]))["no_contamination"] == 1.0


def test_kept_good_scorer_fails_when_good_rows_are_dropped():
    from assistant.rules import check_sheet

    for rewrite_case in load_cases(kind="rewrite"):
        legacy = rewrite_case.legacy.normalized()
        bad_rows = {f.index for f in check_sheet(legacy) if f.severity == "error" and f.index is not None}
        good = [i for n, i in enumerate(legacy.indicators) if n not in bad_rows]
        if good:
            break
    else:
        pytest.fail("no rewriting case has a legacy row worth keeping")
    kept = outcome(legacy)
    kept.before = legacy
    dropped = outcome(legacy.model_copy(update={"indicators": [i for i in legacy.indicators if i not in good]}))
    dropped.before = legacy
    assert SCORERS["kept_good"](rewrite_case, kept) == 1.0
    assert SCORERS["kept_good"](rewrite_case, dropped) == 0.0


def test_facts_kept_scorer_counts_every_stated_value_of_a_real_table():
    from eval.cases import load_cases
    from eval.scorers import stated_facts

    case = next(c for c in load_cases("real_tables") if len(stated_facts(c.legacy)) >= 4)
    legacy = case.legacy
    whole = outcome(legacy)
    whole.before = legacy
    assert SCORERS["facts_kept"](case, whole) == 1.0
    # the same rows with every number replaced by a placeholder keep none of the facts
    blank = [i.model_copy(update={"value": "≥{N:数量}个"}) for i in legacy.indicators]
    lost = outcome(legacy.model_copy(update={"indicators": blank}))
    lost.before = legacy
    assert SCORERS["facts_kept"](case, lost) == 0.0
    half = outcome(legacy.model_copy(update={"indicators": legacy.indicators[: len(legacy.indicators) // 2]}))
    half.before = legacy
    assert 0.0 < SCORERS["facts_kept"](case, half) < 1.0


def test_real_tables_are_rewriting_cases_with_their_own_rows_as_reference():
    from eval.cases import load_cases

    real = load_cases("real_tables")
    assert len(real) >= 40 and all(c.kind == "rewrite" and c.id.startswith("rt-") for c in real)
    assert all(len(c.reference) == len([i for i in c.legacy.indicators if i.name.strip()]) for c in real)
    assert {c.id for c in real} <= {c.id for c in load_cases(kind="rewrite")}


def test_small_gate_run_writes_reports(tmp_path):
    run = run_eval(out_dir=tmp_path / "run", limit=10)
    means = run.means()
    assert means["validator_score"] >= 0.75 and means["schema_valid"] == 1.0 and means["error_free"] >= 0.9
    for name in ("cases.jsonl", "summary.md", "summary.html", "summary.json", "metrics.png", "sectors.png"):
        assert (tmp_path / "run" / name).exists(), name
    rows = [json.loads(line) for line in (tmp_path / "run" / "cases.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 10 and set(rows[0]["scores"]) == set(SCORERS)
    assert run.baseline and all(after > before and before < 60 for _, before, after in run.baseline)


def test_compare_shows_deltas_and_interval(tmp_path):
    a = tmp_path / "a"
    b = tmp_path / "b"
    run_eval(out_dir=a, limit=6)
    run_eval(out_dir=b, limit=6)
    same = compare(a, b)
    assert same["cases"] == 6 and same["metrics"]["validator_score"]["delta"] == 0
    # make run B worse on two cases and compare again
    rows = [json.loads(line) for line in (b / "cases.jsonl").read_text(encoding="utf-8").splitlines()]
    for r in rows[:2]:
        r["scores"]["validator_score"] -= 0.5
    (b / "cases.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    worse = compare(a, b)
    m = worse["metrics"]["validator_score"]
    assert m["delta"] < 0 and m["ci95"][0] < 0
    assert sum(1 for c in worse["per_case"] if c["validator_score"] < 0) == 2


def test_bootstrap_interval_brackets_the_mean():
    low, high = bootstrap([0.1, 0.2, 0.3, 0.2, 0.1, 0.25])
    assert low <= 0.19 <= high and low > 0


def test_cli_eval_gate_and_compare(tmp_path, built_home):
    base = [sys.executable, "-m", "assistant.cli", "eval"]
    ok = subprocess.run(base + ["run", "--limit", "4", "-o", str(tmp_path / "r1"), "-q", "--fail-under", "0.8"],
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    gate = subprocess.run(base + ["run", "--limit", "4", "-o", str(tmp_path / "r2"), "-q", "--fail-under", "1.01"],
                          capture_output=True, text=True, timeout=300)
    assert gate.returncode == 3
    cmp = subprocess.run(base + ["compare", str(tmp_path / "r1"), str(tmp_path / "r2")], capture_output=True, text=True,
                         timeout=120)
    assert cmp.returncode == 0 and "95% 区间" in cmp.stdout


def test_judge_reports_mean_and_variance_against_a_real_server(tmp_path):
    from assistant.settings import load_settings
    from eval.judge import judge_run
    from openai_server import ScriptedServer

    cases = load_cases(kind="draft")[:2]
    rows = [{"id": c.id, "error": "", "indicators": [r.name for r in c.reference]} for c in cases]
    with ScriptedServer(["judge"]) as srv:
        result = judge_run(cases, rows, rounds=2, settings=load_settings(base_url=srv.base_url, api_key="k"))
    assert len(srv.requests) == 4
    assert result["measurability"] == {"mean": 5.0, "std": 0.0} and result["reasonableness"]["mean"] == 3.0
    assert "评分细则" in srv.requests[0]["messages"][0]["content"]


def test_bench_rewrites_its_table_and_keeps_the_hand_measured_sections(tmp_path):
    from eval.bench import _kept_sections

    out = tmp_path / "benchmarks.md"
    assert _kept_sections(out) == ""
    out.write_text("# Benchmarks\n\n| 项目 | 结果 |\n|---|---|\n| 旧 | 1 s |\n\n## 网页服务内存\n\n+14%\n\n## 其他\n\nx\n",
                   encoding="utf-8")
    kept = _kept_sections(out)
    assert kept.lstrip().startswith("## 网页服务内存") and "## 其他" in kept and "+14%" in kept
    assert "旧" not in kept
