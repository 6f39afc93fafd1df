"""Target rates and deadlines the user stated are the table's, not the library's defaults."""

from __future__ import annotations

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
    assert got == [("2025年11月30日前", "11月底前完工"), ("2025年12月31日前", "年底前全部发放到位")]
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
