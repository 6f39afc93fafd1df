"""Each validator rule fires on a sheet with its defect and stays silent on the well-written sheets."""

import pytest

from assistant.models import Indicator, ProjectSheet
from assistant.report import check_project
from assistant.rules import RULES, check_sheet
from good_sheets import GOOD_SHEETS, good_sheet


def codes(sheet: ProjectSheet) -> set[str]:
    return {f.rule for f in check_sheet(sheet)}


def edit(key: str, index: int | None = None, **fields) -> ProjectSheet:
    """A good sheet with one indicator (or the sheet itself) changed."""
    sheet = good_sheet(key)
    if index is None:
        return sheet.model_copy(update=fields)
    rows = list(sheet.indicators)
    rows[index] = rows[index].model_copy(update=fields)
    return sheet.model_copy(update={"indicators": rows})


def drop(key: str, *level2: str) -> ProjectSheet:
    sheet = good_sheet(key)
    return sheet.model_copy(update={"indicators": [i for i in sheet.indicators if i.level2 not in level2]})


def add(key: str, **fields) -> ProjectSheet:
    sheet = good_sheet(key)
    return sheet.model_copy(update={"indicators": sheet.indicators + [Indicator(**fields)]}).normalized()


BAD = {
    "S01": lambda: drop("heating", "数量指标"),
    "S02": lambda: drop("heating", "时效指标"),
    "S03": lambda: drop("vehicle", "服务对象满意度指标"),
    "S04": lambda: edit("heating", 0, level1="效益指标", level2="数量指标"),
    "S05": lambda: good_sheet("heating").model_copy(update={"indicators": good_sheet("heating").indicators[:4]}),
    "S06": lambda: add("heating", level1="产出指标", level2="质量指标", name="室温达标率", description="达标测点÷总测点×100%", value="≥95%", basis="历史标准：2024年97%"),
    "S07": lambda: edit("heating", 4, value="2027年11月10日前"),
    "S08": lambda: edit("heating", 7, name="经费保障覆盖率"),
    "N01": lambda: edit("heating", 6, name="维护社会稳定"),
    "N02": lambda: edit("vehicle", 2, name="车辆购置费专款专用率"),
    "N03": lambda: edit("vehicle", 0, name="购置公务用车2辆"),
    "N04": lambda: edit("vehicle", 8, name="设备购置类项目持续使用时间（年"),
    "N05": lambda: edit("heating", 7, name="正常供热率"),
    "N06": lambda: edit("heating", 6, name="市民对供暖改善的满意程度", value="≥85%"),
    "N07": lambda: edit("fire", 8, name="工程验收合格率", value="=100%"),
    "N08": lambda: edit("heating", 6, name="构建和谐劳动关系覆盖率", value="≥95%"),
    "V01": lambda: edit("heating", 3, value="保障机关正常运转，提高工作效率"),
    "V02": lambda: edit("heating", 3, value="95%"),
    "V03": lambda: edit("heating", 0, value="≥100%"),
    "V04": lambda: edit("heating", 3, value="365天"),
    "V05": lambda: edit("vehicle", 8, name="新购车辆使用年限（年）", value="≥90%"),
    "V06": lambda: edit("heating", 3, value="≥120%"),
    "V07": lambda: edit("heating", 3, value="≥100%"),
    "V08": lambda: good_sheet("vehicle").model_copy(update={"indicators": [
        i.model_copy(update={"value": "100"}) if n < 6 else i for n, i in enumerate(good_sheet("vehicle").indicators)]}),
    "V09": lambda: edit("fire", 6, value="≥2小时"),
    "V10": lambda: edit("heating", 2, name="取暖温度", value="≥20℃"),
    "V11": lambda: edit("heating", 2, value="18-20度"),
    "V12": lambda: edit("heating", 4, name="供热费缴纳及时情况", value="365天"),
    "V14": lambda: edit("heating", 6, value="明显改善"),
    "V15": lambda: edit("heating", 8, value="=100%"),
    "V16": lambda: edit("heating", 8, value="≥70%"),
    "V17": lambda: edit("heating", 5, name="年度供热费", value="≤200万元"),
    "V18": lambda: edit("vehicle", 5, value="=25万元/辆"),  # 2 cars at 25万 is 50万 against 36万
    "V19": lambda: edit("heating", 5, name="项目总成本", value="≤106.7万元"),
    "V22": lambda: add("fire", level1="产出指标", level2="时效指标", name="消防控制室交付使用时间", value="2025年9月30日前",
                       description="改造后消防控制室交付使用的时间", basis="计划标准：改造实施方案"),  # 改造完工 10月31日
    "V20": lambda: edit("heating", 0, value="={N:供暖面积}平方米"),
    "V21": lambda: edit("heating", 1, name="供暖期", value="≥120"),
    "D00": lambda: good_sheet("heating").model_copy(update={"indicators": [
        i.model_copy(update={"description": ""}) for i in good_sheet("heating").indicators]}),
    "D01": lambda: edit("heating", 3, description=""),
    "D07": lambda: edit("heating", 3, description="室温达标率"),
    "D02": lambda: edit("heating", 3, description="办公区室温达到规定温度的情况，物业负责测量"),
    "D03": lambda: edit("vehicle", 0, description="年生产量"),
    "D04": lambda: edit("heating", 1, description="反映供暖工作开展情况"),
    "D05": lambda: edit("heating", 6, description="全面落实《公路水运工程质量监督管理办法》规定的次数"),
    "D06": lambda: edit("heating", 6, name="办公秩序保障程度", value="达到预期目标", description="机关办公秩序保障情况"),
    "B00": lambda: good_sheet("heating").model_copy(update={"indicators": [
        i.model_copy(update={"basis": ""}) for i in good_sheet("heating").indicators]}),
    "B01": lambda: edit("heating", 3, basis=""),
    "B02": lambda: edit("heating", 3, basis="室温达标率"),
    "B03": lambda: edit("heating", 3, basis="按上级要求执行"),
    "B04": lambda: edit("heating", 3, basis="历史标准"),
    "B05": lambda: edit("heating", 8, basis="行业标准：行业通行做法"),
    "B06": lambda: edit("heating", 6, basis="行业标准：《公路水运工程质量监督管理办法》"),
    "C01": lambda: edit("heating", 0, name="档案数字化扫描页数", description="完成扫描的档案页数", value="≥50000页"),
    # the heating table under a school-meals project: its rows name objects the project never mentions
    "C02": lambda: good_sheet("heating").model_copy(update={
        "name": "农村义务教育学生营养改善计划", "fund_use": "为32所农村学校在校学生提供营养膳食补助", "goals": []}),
    "C03": lambda: good_sheet("heating").model_copy(update={"indicators": [
        i.model_copy(update={"name": "维护社会稳定", "value": "有效"}) if i.level1 == "效益指标" else i
        for i in good_sheet("heating").indicators]}),
    "X01": lambda: good_sheet("vehicle").model_copy(update={"indicators": [
        i.model_copy(update={"value": "≥95%"}) for i in good_sheet("vehicle").indicators]}),
}


def test_every_rule_has_a_failing_case():
    assert set(BAD) == set(RULES), f"rules without a failing case: {set(RULES) - set(BAD)}"


@pytest.mark.parametrize("code", sorted(BAD))
def test_rule_fires_on_its_defect(code):
    sheet = BAD[code]()
    assert code in codes(sheet), f"{code} did not fire"


@pytest.mark.parametrize("code", sorted(BAD))
def test_rule_silent_on_good_sheets(code):
    for key in GOOD_SHEETS:
        assert code not in codes(good_sheet(key)), f"{code} fired on the good sheet {key}"


@pytest.mark.parametrize("key", sorted(GOOD_SHEETS))
def test_good_sheets_score_high_without_errors(key):
    report = check_project(good_sheet(key))
    assert not [f for f in report.findings if f.severity == "error"]
    assert report.score >= 90


def test_finding_carries_location_message_and_hint():
    findings = check_sheet(BAD["V07"]())
    f = next(f for f in findings if f.rule == "V07")
    assert f.indicator == "室温达标率" and f.index == 3
    assert "100%" in f.message and f.hint


def test_one_finding_per_missing_column_not_one_per_row():
    """A table printed without a 指标解释 column gets one sheet-level finding, not nine row-level ones."""
    found = check_sheet(BAD["D00"]())
    assert [f.index for f in found if f.rule == "D00"] == [None]
    assert not [f for f in found if f.rule == "D01"]


def test_complete_by_nature_targets_are_not_blanket_hundred():
    """=100% on 验收合格率/发放准确率-type rows is the right target, not formalism."""
    sheet = good_sheet("vehicle").model_copy(update={"indicators": [
        i.model_copy(update={"name": n, "value": "=100%"}) if k < 5 else i
        for k, (i, n) in enumerate(zip(good_sheet("vehicle").indicators,
                                       ["验收合格率", "发放准确率", "配备标准符合率", "应补尽补覆盖率", "按时足额发放率"] + [""] * 9))]})
    assert "V08" not in codes(sheet)


def test_satisfaction_under_quality_is_misplaced():
    assert "S04" in codes(edit("heating", 8, level1="产出指标", level2="质量指标"))


def test_2021_layout_rejects_cost_under_output():
    sheet = good_sheet("training-2021")
    rows = [i.model_copy(update={"level1": "产出指标", "level2": "成本指标"}) if i.level1 == "成本指标" else i
            for i in sheet.indicators]
    found = check_sheet(sheet.model_copy(update={"indicators": rows}))
    assert any(f.rule == "S04" for f in found)


def test_synonym_level_names_are_accepted():
    sheet = good_sheet("heating")
    rows = [i.model_copy(update={"level2": "进度指标"}) if i.level2 == "时效指标" else i for i in sheet.indicators]
    rows = [i.model_copy(update={"level2": "环境效益指标"}) if i.level2 == "生态效益指标" else i for i in rows]
    report = check_project(sheet.model_copy(update={"indicators": rows}))
    assert not {"S04", "S02"} & {f.rule for f in report.findings}
    assert {i.level2 for i in report.sheet.indicators} >= {"时效指标", "生态效益指标"}


def test_vehicle_price_cap_from_standards_file(tmp_path, monkeypatch):
    over = edit("vehicle", 5, value="≤25万元/辆")
    assert "V10" in codes(over)
    # a region file can raise the cap (e.g. a special-vehicle rule) without touching code
    path = tmp_path / "std.json"
    path.write_text('{"limits": [{"id": "official-vehicle-price-general", "kind": "cap", "limit": 30, "unit": "万元",'
                    ' "name_any": ["单价", "价格"], "message": "m", "hint": "h", "source": "s", "date": "2025-01-01"}]}',
                    encoding="utf-8")
    monkeypatch.setenv("ZHIBIAO_STANDARDS", str(path))
    assert "V10" not in codes(over)


@pytest.mark.parametrize("name,reverse", [("重点排放单位碳排放报告核查数量", False), ("近零碳排放社区设计使用年限", False),
                                          ("温室气体排放清单编制数量", False), ("二氧化硫排放量", True),
                                          ("单位GDP能耗", True)])
def test_a_reverse_word_naming_an_object_does_not_reverse_the_count(name, reverse):
    from assistant.rules.value_rules import _reverse

    assert _reverse(name) is reverse


def _every_rule_on_the_whole_sheet(sheet: ProjectSheet) -> list:
    """What check_sheet returns, computed without its per-row cache: every rule over the whole normalised sheet."""
    from assistant.rules import Context, _SEVERITY_ORDER

    ctx, out = Context(sheet.normalized()), []
    for info in RULES.values():
        out.extend(info.func(ctx))
    return sorted(out, key=lambda f: (f.index if f.index is not None else -1, _SEVERITY_ORDER[f.severity], f.rule))


def _varied_sheets() -> list[ProjectSheet]:
    import json
    import random
    from pathlib import Path

    from assistant.documents import read_document
    from eval.calibration import sheet_of
    from retrieval.library import load_library

    root = Path(__file__).resolve().parent.parent
    real = [sheet_of(json.loads(line)) for line in
            (root / "eval" / "cases" / "real_tables.jsonl").read_text("utf-8").splitlines()]
    doc, _ = read_document(root / "eval" / "cases" / "legacy_seed.txt")
    lib = load_library()
    sheets = real + list(doc.projects) + [good_sheet(k) for k in GOOD_SHEETS] + \
        [s.sample_sheet(layout) for s in lib[::3] for layout in ("2015", "2021")]
    rng = random.Random(7)
    # rows that meet again elsewhere: a half of one sheet, shuffled, and a sheet with another sheet's rows appended
    # (a per-row rule that read other rows or its own position would judge these rows differently)
    for sheet in list(sheets[:60]):
        rows = list(sheet.indicators)
        rng.shuffle(rows)
        other = sheets[rng.randrange(len(sheets))]
        sheets.append(sheet.model_copy(update={"indicators": rows[: max(1, len(rows) // 2)]}))
        sheets.append(sheet.model_copy(update={"indicators": rows + other.indicators[:3]}))
    return sheets


def test_a_row_checked_before_gets_the_findings_of_a_fresh_check():
    from assistant.rules import clear_row_cache

    sheets = _varied_sheets()
    clear_row_cache()
    for sheet in sheets:  # cold: every row new
        assert check_sheet(sheet) == _every_rule_on_the_whole_sheet(sheet), sheet.name
    for sheet in reversed(sheets):  # warm: rows first met in other sheets, other positions, other company
        assert check_sheet(sheet) == _every_rule_on_the_whole_sheet(sheet), sheet.name


def test_a_changed_row_is_judged_again_and_the_kept_rows_are_not(monkeypatch):
    from dataclasses import replace

    from assistant.rules import clear_row_cache

    seen: list[int] = []
    info = RULES["V07"]
    assert info.per_row and not RULES["S06"].per_row

    def counting(ctx):
        seen.append(len(ctx.indicators))
        return info.func(ctx)

    monkeypatch.setitem(RULES, "V07", replace(info, func=counting))
    clear_row_cache()
    sheet = good_sheet("fire")
    n = len(sheet.indicators)
    check_sheet(sheet)
    check_sheet(sheet)
    rows = list(sheet.indicators)
    rows[1] = rows[1].model_copy(update={"value": "≥100%"})
    findings = check_sheet(sheet.model_copy(update={"indicators": rows}))
    assert seen == [n, 1]  # the whole sheet once, then only the changed row
    assert any(f.rule == "V07" and f.index == 1 for f in findings)
    monkeypatch.setenv("ZHIBIAO_STANDARDS", "")  # what a row is judged against is part of the key
    check_sheet(sheet)
    assert seen == [n, 1, n]


def test_the_row_cache_stays_bounded(monkeypatch):
    """It holds each row's texts: unbounded, it kept the UI server 110 MB above its baseline after 3,000 drafts."""
    from assistant import rules

    monkeypatch.setattr(rules, "_ROW_CACHE_MAX", 50)
    rules.clear_row_cache()
    sheet = good_sheet("fire")
    for k in range(30):
        rows = [r.model_copy(update={"name": f"{r.name}{k}"}) for r in sheet.indicators]
        check_sheet(sheet.model_copy(update={"indicators": rows}))
        assert 0 < len(rules._ROW_CACHE) <= 50


def test_a_unit_cost_times_its_count_is_checked_against_the_budget_per_month_and_not_per_day():
    def sheet(cost: str, count: str, budget: str = "1008000") -> ProjectSheet:
        rows = [Indicator(level1="产出指标", level2="数量指标", name="享受居家养老服务老年人数", description="审核名单人数",
                          value=count, basis="计划标准：补贴对象名单"),
                Indicator(level1="产出指标", level2="成本指标", name="居家养老服务补贴标准", description="每人每月补贴",
                          value=cost, basis="预算支出标准：本地补贴办法")]
        return ProjectSheet(name="居家养老服务补贴", year=2026, budget={"total": budget}, fund_use="为420名老人发放补贴",
                            indicators=rows).normalized()

    assert "V18" in codes(sheet("=300元/人·月", "=420人"))  # 300 × 420 × 12 = 151.2万 > 100.8万
    assert "V18" not in codes(sheet("=200元/人·月", "=420人"))  # 100.8万 exactly
    assert "V18" not in codes(sheet("≤300元/人·天", "=420人"))  # the days are not in the table
    assert "V18" not in codes(sheet("≥300元/人·月", "=420人"))  # a floor says nothing about the total
    # a cap may be a graded standard's top (最高, 分档): only one the budget could not pay twice over is flagged
    assert "V18" not in codes(sheet("≤300元/人·月", "=420人"))  # 151.2万 against 100.8万: the top grade
    assert "V18" in codes(sheet("≤42000元/人·月", "=420人"))


def test_money_spent_by_a_date_is_no_handover():
    """资金使用完成时间 is when the money is spent, not when the works are handed over: a 完工 after it is no
    contradiction (V22 read 使用 alone as a handover)."""
    sheet = add("fire", level1="产出指标", level2="时效指标", name="专项资金使用完成时间", value="2025年9月30日前",
                description="专项资金全部支付完毕的时间", basis="计划标准：资金拨付计划")
    assert "V22" not in codes(sheet)
