"""Amounts a user states for parts of the money (电费86万元, 其中设备购置费40万元): read from the brief, kept in a cost
row of their own, and never silently folded into a unit cost that may not include them."""

from __future__ import annotations

import pytest

from assistant.brief import Brief, extract_cost_parts
from assistant.draft import draft
from assistant.fact_hints import derive_unit_cost
from assistant.models import Indicator, ProjectSheet
from assistant.open_facts import open_facts


@pytest.mark.parametrize("text, expected", [
    ("维护路灯2300盏，全年支付路灯电费86万元", [("路灯电费", 860000)]),
    ("其中设备购置费40万元、安装调试费10万元，人员经费30万元",
     [("设备购置费", 400000), ("安装调试费", 100000), ("人员经费", 300000)]),
    ("租赁办公用房1200平方米，年租金为36万元", [("年租金", 360000)]),
    ("支付保安服务费36万元，保洁服务费24万元", [("保安服务费", 360000), ("保洁服务费", 240000)]),
    ("电费：86万元", [("电费", 860000)]),
    ("护理人员劳务报酬96万元", [("护理人员劳务报酬", 960000)]),
])
def test_a_stated_part_of_the_money_is_read_with_its_item_and_amount(text, expected):
    parts = extract_cost_parts(text, budget=1_500_000)
    assert [(p.item, p.amount) for p in parts] == expected
    assert all(p.raw in text for p in parts)


@pytest.mark.parametrize("text", [
    "中央财政补助资金80万元，县级配套20万元",  # where the money comes from, not what it pays for
    "每盏年维护费120元",  # a per-unit standard (a Rate)
    "劳务费按每人每月3000元",
    "检测费1,200元/批次",
    "补助资金200万元",  # the whole of the money under another name
    "项目预算150万元",
    "路灯电费150万元",  # as much as the whole budget: not a part of it
])
def test_sources_standards_and_the_whole_budget_are_not_parts(text):
    assert extract_cost_parts(text, budget=1_500_000) == []


def test_budget_lines_are_parts_and_the_purpose_adds_the_ones_they_lack():
    brief = Brief(name="城区路灯维护", purpose="维护路灯2300盏，全年支付路灯电费86万元", budget="150万元",
                  budget_lines=[{"item": "维护服务费", "amount": "64万元"}])
    assert [(p.item, p.amount, p.raw) for p in brief.cost_parts()] == [
        ("维护服务费", 640000, "64万元"), ("路灯电费", 860000, "86万元")]


STREET_LIGHTS = Brief(name="城区路灯维护及电费", purpose="维护路灯2300盏，亮灯率不低于98%，全年支付路灯电费86万元",
                      budget="150万元", year=2026)


def test_a_draft_keeps_a_stated_part_in_a_cost_row_with_its_source():
    d = draft(STREET_LIGHTS, drafter="exemplar")
    rows = [i for i in d.sheet.indicators if "86万元" in i.value]
    assert len(rows) == 1, [i.value for i in d.sheet.indicators]
    assert rows[0].level2 == "成本指标" and rows[0].value == "≤86万元" and "电费" in rows[0].name
    assert "86万元" in rows[0].basis and rows[0].basis.startswith("预算支出标准")
    d21 = draft(STREET_LIGHTS.model_copy(update={"layout": "2021"}), drafter="exemplar")
    row21 = next(i for i in d21.sheet.indicators if "86万元" in i.value)
    assert (row21.level1, row21.level2) == ("成本指标", "经济成本指标")


def test_a_unit_cost_the_stated_part_may_be_inside_is_asked_with_both_answers():
    """单灯年维护费用 with 电费 stated apart: 150万÷2300 (652) holds only if maintenance includes electricity; without it
    it is (150-86)万÷2300 (278.26…, a cap rounded up to 279 so that it holds). Only the user knows which, so the cap stays open and the note gives both."""
    d = draft(STREET_LIGHTS, drafter="exemplar")
    cost = next(i for i in d.sheet.indicators if i.name == "单灯年维护费用")
    assert "{" in cost.value and "652" not in cost.value, cost.value
    note = next(n for n in d.notes if "单灯年维护费用" in n)
    assert "279" in note and "653" in note and "路灯电费86万元" in note
    fact = next(f for f in open_facts(d.sheet) if f.indicator == "单灯年维护费用")
    assert fact.suggestion == "279" and "653" in fact.reasoning


def _sheet(cost_name: str, fund_use: str) -> ProjectSheet:
    def row(level2, name, value):
        return Indicator(level1="产出指标", level2=level2, name=name, description="", value=value,
                         basis="计划标准：实施方案")
    return ProjectSheet(name="城区路灯维护及电费", year=2026, budget={"total": "1500000"}, fund_use=fund_use,
                        indicators=[row("数量指标", "维护路灯盏数", "=2300盏"),
                                    row("成本指标", cost_name, "≤{X:单价}元/盏")])


def test_a_unit_cost_that_names_the_stated_part_divides_that_part():
    sheet, notes = derive_unit_cost(_sheet("单灯年电费", "全年支付路灯电费86万元"))
    assert sheet.indicators[1].value == "≤374元/盏", sheet.indicators[1].value  # 86万 ÷ 2300
    assert "路灯电费86万元" in sheet.indicators[1].basis and len(notes) == 1
    # without a stated part the whole budget is the money, as before
    whole, _ = derive_unit_cost(_sheet("单灯年维护费用", "维护路灯2300盏"))
    assert whole.indicators[1].value == "≤653元/盏"  # 652.17…: rounded up, since ≤652 is broken by the average itself
    # the rewrite path reads the parts from the sheet's 资金用途 as well
    held, notes = derive_unit_cost(_sheet("单灯年维护费用", "全年支付路灯电费86万元"))
    assert "{" in held.indicators[1].value and any("279" in n for n in notes)
    assert open_facts(held)[0].indicator == "单灯年维护费用"


def test_a_part_a_library_row_already_states_is_not_added_twice():
    brief = Brief(name="机关办公用房租赁", purpose="租赁办公用房1200平方米，年租金为36万元，物业服务费9万元", budget="45万元")
    d = draft(brief, drafter="exemplar")
    values = [i.value for i in d.sheet.indicators]
    assert values.count("≤36万元") == 1 and values.count("≤9万元") == 1, values
    # the rent is the part a per-area rent divides: 36万 ÷ 1200平方米
    per_area = next(i for i in d.sheet.indicators if "/平方米" in i.value)
    assert per_area.value == "≤300元/平方米", per_area.value


_CARS = ("应急保障公务用车购置", "购置应急保障公务用车5辆，其中车辆购置费86万元", "1000000", "购置应急保障公务用车数量", "=5辆")
_MEETINGS = ("业务会议经费", "召开业务会议6次", "50000", "召开业务培训会议次数", "=6次")


@pytest.mark.parametrize("project, name, value, flagged", [
    (_CARS, "车辆购置费支出", "≤86万元", False),  # the sum over the cars: no per-car cap applies to it
    (_CARS, "单车购置价格", "≤25万元", True),  # a per-car price over the 18万元 cap
    (_CARS, "购置车辆单价", "≤25万元/辆", True),
    (_CARS, "购置车辆单价", "≤16万元/辆", False),
    (_MEETINGS, "单位会议费支出", "≤5万元", False),  # 单位 is the organisation: a year's total, not a per-person-day fee
    (_MEETINGS, "人均会议费", "≤900元", True),  # per person and day, over the 760元 quota
    (_MEETINGS, "单位会议费综合定额", "≤900元/人·天", True),
])
def test_a_per_unit_standard_binds_per_unit_rows_not_totals(project, name, value, flagged):
    from assistant.report import check_project

    title, fund_use, budget, count_name, count = project
    rows = [Indicator(level1="产出指标", level2="数量指标", name=count_name, description="按验收和台账计",
                      value=count, basis="计划标准：年度计划"),
            Indicator(level1="产出指标", level2="成本指标", name=name, description="按合同、发票和报销凭证计",
                      value=value, basis="预算支出标准：预算批复")]
    sheet = ProjectSheet(name=title, year=2026, budget={"total": budget}, fund_use=fund_use, indicators=rows)
    v10 = [f for f in check_project(sheet).findings if f.rule == "V10"]
    assert bool(v10) is flagged, v10
