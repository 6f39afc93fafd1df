"""The review score as properties: it ranks, it falls with each defect, and blanks or another project's rows
keep a table from being ready."""

import json
import random
from pathlib import Path

import pytest

from assistant.models import Indicator, ProjectSheet
from assistant.report import check_project
from assistant.rules import check_sheet, score
from assistant.rules.score import grade_for
from good_sheets import GOOD_SHEETS, good_sheet
from retrieval.library import load_library

ROOT = Path(__file__).resolve().parent.parent
REAL = [json.loads(line) for line in (ROOT / "eval" / "cases" / "real_tables.jsonl").read_text("utf-8").splitlines()]


def real_sheet(record: dict) -> ProjectSheet:
    from eval.calibration import sheet_of

    return sheet_of(record)


def sample_sheets() -> list[ProjectSheet]:
    lib = load_library()
    return ([real_sheet(r) for r in REAL] + [good_sheet(k) for k in GOOD_SHEETS]
            + [s.sample_sheet("2015") for s in lib[::9]])


@pytest.mark.parametrize("sheet", sample_sheets(), ids=lambda s: s.name[:12])
def test_removing_any_one_finding_never_lowers_the_score(sheet):
    sheet = sheet.normalized()
    findings = check_sheet(sheet)
    base = score(findings, sheet).total
    for k in range(len(findings)):
        assert score(findings[:k] + findings[k + 1:], sheet).total >= base, findings[k].rule


def test_fixing_a_defective_value_never_lowers_the_score():
    """Real edits a user makes: add the operator, replace ≥100% with a level, 365天 with a deadline."""
    fixes = {"10辆": "=10辆", "≥100%": "≥95%", "365天": "2025年12月31日前", "有效": "达到预期目标"}
    for key in GOOD_SHEETS:
        sheet = good_sheet(key)
        for i, ind in enumerate(sheet.indicators):
            for bad, good in fixes.items():
                rows = list(sheet.indicators)
                rows[i] = ind.model_copy(update={"value": bad})
                before = check_project(sheet.model_copy(update={"indicators": rows})).score
                rows[i] = ind.model_copy(update={"value": good})
                after = check_project(sheet.model_copy(update={"indicators": rows})).score
                assert after >= before, (key, ind.name, bad, good)


def _placeholder(value: str, unit: str | None) -> str:
    return "={X:待填写}" + (unit or "")


@pytest.mark.parametrize("sheet", sample_sheets()[:48], ids=lambda s: s.name[:12])
def test_replacing_a_concrete_value_with_a_placeholder_always_lowers_the_score(sheet):
    base = check_project(sheet).score
    for i, ind in enumerate(sheet.indicators):
        v = ind.parsed_value
        if v.kind not in ("number", "range", "date", "period", "grade"):
            continue
        rows = list(sheet.indicators)
        rows[i] = ind.model_copy(update={"value": _placeholder(ind.value, v.unit)})
        blank = check_project(sheet.model_copy(update={"indicators": rows}))
        assert blank.score < base, (ind.name, ind.value)
        assert blank.sub_scores.readiness != "可提交"


def _vague_with_boilerplate(sheet: ProjectSheet) -> ProjectSheet:
    vague = ["≥100%", "有效提升", "365天", "明显改善"]
    rows = [ind.model_copy(update={"value": vague[k % len(vague)], "description": f"反映{ind.name}情况",
                                   "basis": f"计划标准：{ind.name}"})
            for k, ind in enumerate(sheet.indicators)]
    return sheet.model_copy(update={"indicators": rows})


def test_concrete_values_without_columns_outrank_vague_values_with_boilerplate():
    concrete = [real_sheet(r) for r in REAL if r["label"] == "good" and not r["has_description"]]
    assert concrete
    for sheet in concrete:
        assert check_project(sheet).score > check_project(_vague_with_boilerplate(sheet)).score, sheet.name


# briefs from the issue whose drafts came from another project type, and that type's table
WRONG_TYPE = [
    ("2025年城区公共厕所提升改造", "对城区24座公共厕所进行提升改造，增设无障碍设施和第三卫生间", "rural-environment-improvement"),
    ("2025年城市流浪动物救助站运行经费", "保障流浪犬猫收容、救治、绝育和领养工作", "animal-epidemic-prevention"),
    ("北斗卫星导航地基增强站建设", "新建北斗地基增强基准站6座，接入省级卫星导航定位服务平台", "court-case-handling"),
    ("机关办公楼电梯更新改造", "更换机关办公楼运行超过15年的6部电梯", "canteen-operation"),
]


@pytest.mark.parametrize("name,purpose,type_id", WRONG_TYPE)
def test_another_project_types_table_cannot_reach_excellent(name, purpose, type_id):
    lib = {s.id: s for s in load_library()}
    exemplar = lib[type_id]
    sheet = exemplar.sample_sheet("2015").model_copy(update={"name": name, "fund_use": purpose, "goals": []})
    report = check_project(sheet)
    assert report.sub_scores.grade != "优"
    assert report.sub_scores.readiness == "需修改"


def test_random_cross_sector_tables_rarely_reach_excellent():
    lib = load_library()
    rng = random.Random(7)
    graded = []
    for _ in range(150):
        a, b = rng.sample(lib, 2)
        if a.category == b.category:
            continue
        sheet = a.sample_sheet("2015").model_copy(update={"name": b.name, "fund_use": b.purposes[0], "goals": []})
        graded.append(check_project(sheet).sub_scores.grade)
    assert graded.count("优") / len(graded) <= 0.1


def test_grades_and_readiness():
    assert [grade_for(x) for x in (95, 90, 89.9, 80, 79.9, 60, 59.9, 0)] == ["优", "优", "良", "良", "中", "中", "差", "差"]
    ready = check_project(good_sheet("heating"))
    assert ready.sub_scores.readiness == "可提交" and ready.sub_scores.verdict == "可提交"
    rows = list(good_sheet("heating").indicators)
    rows[0] = rows[0].model_copy(update={"value": "={N:供暖面积}平方米"})
    rows[5] = rows[5].model_copy(update={"value": "≤{UNIT_COST}元/平方米"})
    pending = check_project(good_sheet("heating").model_copy(update={"indicators": rows}))
    assert pending.sub_scores.readiness == "待补充" and pending.sub_scores.open == 2
    assert pending.sub_scores.verdict == "待补充 2 项"
    rows[3] = rows[3].model_copy(update={"value": "≥100%"})
    failing = check_project(good_sheet("heating").model_copy(update={"indicators": rows}))
    assert failing.sub_scores.readiness == "需修改"


def test_a_score_never_sits_at_zero_while_sound_rows_exist():
    sheet = good_sheet("heating")
    bad = [Indicator(level1="产出指标", level2="数量指标", name=f"工作开展{k}", value="有效") for k in range(20)]
    mixed = sheet.model_copy(update={"indicators": sheet.indicators + bad})
    assert check_project(mixed).score > 0
