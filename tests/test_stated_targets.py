"""Target rates and deadlines the user stated are the table's, not the library's defaults."""

from __future__ import annotations

import re

import pytest

from assistant.brief import Brief
from assistant.draft import draft
from assistant.drafters.stated import extract_deadlines, extract_targets


@pytest.mark.parametrize("text, what, value", [
    ("签约居民满意度不低于85%", "签约居民满意度", "≥85%"),
    ("秸秆综合利用率达到93%以上", "秸秆综合利用率", "≥93%"),
    ("货车违法超限率控制在0.5%以下", "货车违法超限率", "≤0.5%"),
    ("森林火灾受害率控制在0.9‰以内", "森林火灾受害率", "≤0.9‰"),
    ("确保全县生活垃圾无害化处理率达到100%", "全县生活垃圾无害化处理率", "=100%"),  # never the vague ≥100%
    ("重大事故隐患整改率100%", "重大事故隐患整改率", "=100%"),  # 事故 inside: a 整改率 should still be high
    ("免疫密度保持在90%以上", "免疫密度", "≥90%"),
])
def test_a_stated_target_is_read_with_its_bound(text, what, value):
    targets = extract_targets(text)
    assert [(t.what, t.value) for t in targets] == [(what, value)]


@pytest.mark.parametrize("text", ["贴息比例为贷款市场报价利率的50%", "较上年增长10%", "每年增长5%"])
def test_a_share_that_names_nothing_measurable_is_not_a_target(text):
    assert extract_targets(text) == []


def test_deadlines_are_dated_in_the_budget_year():
    got = [(d.value(2025), d.context) for d in extract_deadlines("暑假期间完成施工，11月底前完工；年底前全部发放到位", 2025)]
    assert got == [("2025年8月31日前", "暑假期间完成施工"), ("2025年11月30日前", "11月底前完工"),
                   ("2025年12月31日前", "年底前全部发放到位")]
    periods = [(d.value(2026), d.raw) for d in extract_deadlines("上半年完成招标，每季度巡查一次，第三季度完成验收", 2026)]
    assert periods == [("2026年6月30日前", "上半年"), ("2026年9月30日前", "第三季度")]
    assert extract_deadlines("2月底前完成", 2028)[0].value(2028) == "2028年2月29日前"


def test_the_users_target_and_deadline_replace_the_types_defaults():
    brief = Brief(name="馆藏文书档案数字化加工项目", budget="60万元", year=2025,
                  purpose="对馆藏文书档案12万卷开展数字化扫描，9月底前完成数字化加工，数字化成果质检合格率不低于99%")
    d = draft(brief, drafter="exemplar")
    values = {i.name: i.value for i in d.sheet.indicators}
    assert "2025年9月30日前" in values.values(), values
    assert "2025年11月30日前" not in values.values()  # the type's own date gave way to the user's
    assert "≥99%" in values.values(), values
    row = next(i for i in d.sheet.indicators if i.value == "2025年9月30日前")
    assert "9月底前完成数字化加工" in row.basis
    assert any("按您给出的时限" in n for n in d.notes), d.notes


def test_a_target_no_row_measures_gets_its_own_row_and_a_process_target_is_refused_with_a_reason():
    brief = Brief(name="秸秆综合利用补助", budget="120万元", year=2026,
                  purpose="对秸秆还田和离田利用主体给予补助，秸秆综合利用率达到93%以上，资金拨付及时率100%")
    d = draft(brief, drafter="exemplar")
    row = next(i for i in d.sheet.indicators if i.name == "秸秆综合利用率")
    assert row.value == "≥93%" and row.level1 == "效益指标" and "÷" in row.description
    assert not any("资金拨付及时率" in i.name for i in d.sheet.indicators)
    assert any("资金拨付及时率" in n and "未写入" in n for n in d.notes), d.notes
    assert not [f for f in d.findings if f.severity == "error"], d.findings


def test_a_deadline_for_other_work_gets_its_own_row_and_moves_no_other_date():
    """3月底前完成招标 is not about 竣工结算审核: both say 完成, which tells no work from another. Before, the 结算 date
    became 3月31日, before the works were even built."""
    brief = Brief(name="2026年中小学校舍维修改造项目", budget="370万元", year=2026,
                  purpose="对9所学校开展校舍维修，3月底前完成招标，暑假期间施工，8月25日前完工")
    d = draft(brief, drafter="exemplar")
    dates = {i.name: i.value for i in d.sheet.indicators if i.level2 == "时效指标"}
    assert dates.get("招标完成时间") == "2026年3月31日前", dates
    assert any("完工" in n and v == "2026年8月25日前" for n, v in dates.items()), dates
    assert list(dates.values()).count("2026年3月31日前") == 1, dates  # no other date moved to the 招标 one


@pytest.mark.parametrize("text, expected", [
    ("组织基干民兵160人集中训练15天", [("集中训练天数", "=15天", False)]),
    ("每人每月服务不少于8小时", [("每人每月服务时长", "≥8小时", False)]),
    ("接到报修后2小时内到达现场", [("到达现场时限", "≤2小时", True)]),
    ("施工工期90天", [("施工工期", "≤90天", True)]),
    ("审核在30个工作日内完成", [("审核时限", "≤30个工作日", True)]),
])
def test_a_stated_duration_is_read_as_work_done_or_a_time_limit(text, expected):
    from assistant.drafters.stated import extract_durations

    assert [(d.name, d.value, d.limit) for d in extract_durations(text)] == expected


@pytest.mark.parametrize("text", ["提供7×24小时热线服务", "24小时值守", "全年365天开放", "9月1日前交付使用", "第3天复查",
                                  "15天集中训练", "服务期12个月"])
def test_round_the_clock_the_whole_year_a_date_or_an_unclear_order_is_no_duration(text):
    from assistant.drafters.stated import extract_durations

    assert extract_durations(text) == []


def test_stated_hours_days_and_an_hourly_price_are_the_tables_and_a_time_limit_divides_no_budget():
    """The draft kept 上门服务单价 ≤42000元/小时: the budget ÷ the 时效 row 服务需求响应时间 ≤24小时. Now the hourly price is
    the user's, the hours a month are a row of their own, and a time limit is never a quantity."""
    brief = Brief(name="2026年社区居家养老上门服务补贴", year=2026, budget="100.8万元",
                  purpose="为全区420名失能老人提供居家上门服务，每人每月服务不少于8小时，补贴标准每小时25元")
    d = draft(brief, drafter="exemplar")
    rows = d.sheet.indicators
    price = [r.value for r in rows if r.parsed_value.unit and "小时" in (r.parsed_value.unit_raw or "") and "元" in r.value]
    assert price and all("25元/小时" in v for v in price), price
    hours = next(r for r in rows if r.value == "≥8小时")
    assert hours.level2 == "数量指标" and "每人每月" in hours.name and "每人每月服务不少于8小时" in hours.basis
    # the new row stands with the other 数量指标, not after the satisfaction rows
    levels = [r.level2 for r in rows]
    assert levels.index("数量指标") <= rows.index(hours) < levels.index("质量指标")
    assert not [n for n in d.notes if "÷“服务需求响应时间" in n or "101万元" in n], d.notes
    # the hours the table still asks for: the budget ÷ the user's hourly price (420人 × 8小时 × 12月 is the same)
    from assistant.fact_hints import suggest
    from assistant.open_facts import open_facts

    asked = [suggest(d.sheet, f) for f in open_facts(d.sheet) if f.unit == "小时"]
    assert [f.suggestion for f in asked] == ["40320"] and "100.8万元" in asked[0].reasoning, asked


def test_a_stated_training_length_replaces_the_types_blank():
    brief = Brief(name="2026年民兵军事训练经费", year=2026, budget="48万元",
                  purpose="组织基干民兵160人集中训练15天，完成轻武器射击和应急救援课目")
    d = draft(brief, drafter="exemplar")
    days = [r for r in d.sheet.indicators if r.parsed_value.unit == "天" or "天数" in r.name]
    assert [r.value for r in days if "训练" in r.name] == ["=15天"], [(r.name, r.value) for r in days]
    assert any("15天" in n for n in d.notes)


def test_works_finish_by_the_stated_handover_and_summer_works_by_the_end_of_august():
    """利用暑假期间完成施工 is 8月31日前; a drafted 完工 date after the user's 9月1日前交付使用 is not left standing."""
    from assistant.drafters.stated import finish_before_use
    from assistant.models import Indicator

    brief = Brief(name="城关小学教学楼抗震加固", year=2026, budget="260万元",
                  purpose="对城关小学教学楼3200平方米进行抗震加固，利用暑假期间完成施工，9月1日前交付使用")
    d = draft(brief, drafter="exemplar")
    dates = {r.name: r.value for r in d.sheet.indicators if r.parsed_value.kind == "date"}
    finish = [v for n, v in dates.items() if re.search("完工|竣工|施工", n)]
    assert finish and all(v == "2026年8月31日前" for v in finish), dates
    assert "2026年9月1日前" in dates.values()
    assert not [r.name for r in d.sheet.indicators if "抗震投入" in r.name or "抗震使用" in r.name]

    def row(name, value):
        return Indicator(level1="产出指标", level2="时效指标", name=name, description="", value=value,
                         basis="计划标准：实施方案")
    rows = [row("交付使用时间", "2026年9月1日前"), row("工程完工时间", "2026年11月30日前"),
            row("竣工结算审核完成时间", "2026年12月31日前")]
    moved, notes = finish_before_use(rows, {0})
    assert [r.value for r in moved] == ["2026年9月1日前", "2026年9月1日前", "2026年12月31日前"] and len(notes) == 1


def test_a_stated_target_the_type_already_has_is_sourced_to_the_user():
    """The type's own ≥90% stood with the type's basis (近三年回访满意度), though the user set it: a reviewer asks where
    the figure comes from, and the answer is the user's plan."""
    brief = Brief(name="2026年社区居家养老上门服务补贴", year=2026, budget="100.8万元",
                  purpose="为全区420名失能老人提供居家上门服务，服务对象满意度不低于90%")
    d = draft(brief, drafter="exemplar")
    row = next(i for i in d.sheet.indicators if "满意度" in i.name)
    assert row.value == "≥90%" and "服务对象满意度不低于90%" in row.basis, (row.value, row.basis)


def test_a_date_the_user_did_not_give_is_named_as_a_proposal_and_one_they_gave_is_not():
    base = dict(name="馆藏文书档案数字化加工项目", budget="60万元", year=2025)
    silent = draft(Brief(purpose="对馆藏文书档案12万卷开展数字化扫描", **base), drafter="exemplar")
    dates = [i for i in silent.sheet.indicators if i.parsed_value.kind == "date"]
    note = next((n for n in silent.notes if "建议时间" in n), "")
    assert dates and all(d.name in note and d.value in note for d in dates[:4]), (note, [d.value for d in dates])
    told = draft(Brief(purpose="对馆藏文书档案12万卷开展数字化扫描，9月底前完成数字化加工", **base), drafter="exemplar")
    note = next((n for n in told.notes if "建议时间" in n), "")
    assert "2025年9月30日前" not in note, note


def test_a_graded_standard_is_a_cap_at_its_top_grade_not_one_grade_for_all():
    """国家级每家50万元、省级每家20万元 for 14 firms: the row said =50万元/家, which 14 × 50万 against 380万元 contradicts.
    The type's standard row is the cap at the top grade; the lower grade is a stated standard with a row of its own."""
    brief = Brief(name="专精特新中小企业奖补资金", budget="380万元", year=2026,
                  purpose="对新认定的国家级专精特新小巨人企业每家奖励50万元、省级专精特新中小企业每家奖励20万元，预计奖补企业14家")
    d = draft(brief, drafter="exemplar")
    standard = {i.name: i.value for i in d.sheet.indicators if i.value.endswith("万元/家")}
    assert sorted(standard.values()) == ["=20万元/家", "≤50万元/家"], [(i.name, i.value) for i in d.sheet.indicators]
    # the type's one standard row is the cap; the lower grade has a row named for it, never =50万元/家 for all
    assert standard.get("省级专精特新中小企业标准") == "=20万元/家", standard
    assert not [f for f in d.findings if f.rule == "V18"], d.findings
