"""Calibration on 40 real published tables (eval/cases/real_tables.jsonl, labelled good/mixed/vague by a reader)."""

import pytest

from assistant.report import check_project
from eval.calibration import calibrate, load_tables, sheet_of

TABLES = load_tables()


@pytest.fixture(scope="module")
def result():
    return calibrate(TABLES)


def test_every_table_reads_with_every_row():
    assert len(TABLES) >= 40
    for rec in TABLES:
        assert len(sheet_of(rec).indicators) == len(rec["indicators"]), rec["id"]


def test_mean_score_ranks_good_above_mixed_above_vague(result):
    means = {k: v["mean"] for k, v in result["labels"].items()}
    assert means["good"] > means["mixed"] > means["vague"]


def test_good_tables_separate_from_vague_ones(result):
    assert result["auc_good_vague"] >= 0.9


def test_good_tables_grade_at_least_fair(result):
    assert all(r["grade"] in ("优", "良", "中") for r in result["tables"] if r["label"] == "good")


# errors still raised on the good tables' rows, each a defect a finance reviewer would raise
REVIEWER_DEFECTS = {
    "N02": "资金支付及时率 is budget execution, not an output target",
    "V01": "a sentence as 指标值 (显著提升了…) cannot be checked at year end",
    "N01": "a name without any measure and a prose value (消除安全隐患｜持续影响)",
    "V04": "a rate name with an absolute value (家庭医生签约率 24694人)",
    "S01": "the table has no 效益 or 质量 row (a published page cut off is still judged as printed)",
    "S04": "二级 under the wrong 一级 or not a 二级 name",
}


def test_errors_on_good_tables_are_defects_a_reviewer_raises():
    for rec in (r for r in TABLES if r["label"] == "good"):
        report = check_project(sheet_of(rec))
        for f in report.findings:
            if f.severity == "error":
                assert f.rule in REVIEWER_DEFECTS, (rec["id"], f.rule, f.indicator, f.message)


def test_eval_calibrate_writes_report_and_chart(tmp_path):
    import json

    from assistant.cli import main

    assert main(["eval", "calibrate", "-o", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "calibration.json").read_text("utf-8"))
    assert result["auc_good_vague"] >= 0.9 and len(result["tables"]) == len(TABLES)
    assert all(r["source_url"] for r in result["tables"])
    assert (tmp_path / "calibration.png").read_bytes()[:4] == b"\x89PNG"
    assert "AUC" in (tmp_path / "calibration.md").read_text("utf-8")
