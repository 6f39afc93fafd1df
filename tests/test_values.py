"""The 指标值 parser on values taken from real published tables."""

from datetime import date

import pytest

from assistant.values import parse_value

CASES = [
    # raw, kind, op, number, upper, unit
    ("≥95%", "number", "≥", 95, None, "%"),
    ("＞90%", "number", ">", 90, None, "%"),
    (">=90%", "number", "≥", 90, None, "%"),
    ("不低于95%", "number", "≥", 95, None, "%"),
    ("95%以上", "number", "≥", 95, None, "%"),
    ("不少于12次", "number", "≥", 12, None, "次"),
    ("=3辆", "number", "=", 3, None, "辆"),
    ("＝6万元", "number", "=", 6, None, "万元"),
    ("≤18万元", "number", "≤", 18, None, "万元"),
    ("≤18万元/辆", "number", "≤", 18, None, "万元/辆"),
    ("≤30分钟", "number", "≤", 30, None, "分钟"),
    ("30分钟内", "number", "≤", 30, None, "分钟"),
    ("不超过2小时", "number", "≤", 2, None, "小时"),
    ("≥1,236次", "number", "≥", 1236, None, "次"),
    ("=0起", "number", "=", 0, None, "起"),
    ("≥20度", "number", "≥", 20, None, "℃"),
    ("≥80M", "number", "≥", 80, None, "米"),
    ("≥500㎡", "number", "≥", 500, None, "平方米"),
    ("≥99.9%", "number", "≥", 99.9, None, "%"),
    ("365天", "number", None, 365, None, "天"),
    ("100", "number", None, 100, None, None),
    ("18-20℃", "range", None, 18, 20, "℃"),
    ("18℃-20℃", "range", None, 18, 20, "℃"),
    ("18～20℃", "range", None, 18, 20, "℃"),
    ("90%-95%", "range", None, 90, 95, "%"),
    ("", "empty", None, None, None, None),
    ("   ", "empty", None, None, None, None),
    ("达到预期目标", "grade", None, None, None, None),
    ("部分达到预期目标", "grade", None, None, None, None),
    ("优良中低差", "grade", None, None, None, None),
    ("有效", "vague", None, None, None, None),
    ("明显改善", "vague", None, None, None, None),
    ("做好保障", "vague", None, None, None, None),
    ("={N:车辆数}辆", "placeholder", "=", None, None, "辆"),
    ("≤{UNIT_COST}元/平方米", "placeholder", "≤", None, None, "元/平方米"),
    ("X%", "placeholder", None, None, None, "%"),
    ("暂不确定", "placeholder", None, None, None, None),
    ("控制在预算成本内 250万", "unparsed", None, None, None, None),
    ("保障机关正常运转，提高工作效率", "unparsed", None, None, None, None),
    ("@@##", "unparsed", None, None, None, None),
]


@pytest.mark.parametrize("raw,kind,op,number,upper,unit", CASES)
def test_parse_value_table(raw, kind, op, number, upper, unit):
    v = parse_value(raw)
    assert v.raw == raw, "the text as written is always kept"
    assert (v.kind, v.op, v.number, v.upper, v.unit) == (kind, op, number, upper, unit)


@pytest.mark.parametrize("raw,expected,bound", [
    ("2024年9月30日前", date(2024, 9, 30), "前"),
    ("2023年12月底前", date(2023, 12, 31), "前"),
    ("2023年12月31日", date(2023, 12, 31), None),
    ("2020年12月前", date(2020, 12, 31), "前"),
    ("2025年6月底", date(2025, 6, 30), "前"),
    ("2023年底前", date(2023, 12, 31), "前"),
    ("2024年2月底前", date(2024, 2, 29), "前"),
    ("2021.12.31", date(2021, 12, 31), None),
])
def test_parse_deadlines(raw, expected, bound):
    v = parse_value(raw)
    assert v.kind == "date"
    assert v.deadline == expected
    assert v.date_bound == bound


def test_period_spanning_years():
    v = parse_value("2023.07-2024.01")
    assert v.kind == "period"
    assert (v.deadline.year, v.period_end.year, v.period_end.month) == (2023, 2024, 1)


def test_year_slot_deadline():
    v = parse_value("{YEAR}年12月31日前")
    assert v.kind == "date" and v.year_slot == "{YEAR}" and v.deadline.month == 12


def test_money_conversion():
    assert parse_value("≤18万元").in_yuan() == 180000
    assert parse_value("≤180000元/辆").in_yuan() == 180000
    assert parse_value("≥95%").in_yuan() is None


def test_invalid_month_is_not_a_date():
    assert parse_value("2024年13月1日前").kind != "date"


def test_long_or_impossible_values_are_unparsed_not_errors():
    """Fuzzed input: 40,000 characters of 年月 or digits, and a year 0, come back as unparsed (no hang, no crash)."""
    from assistant.values import MAX_VALUE_CHARS

    for raw in ("年月" * 20000, "1" * 40000, "0000年1月", "≥" + "9" * (MAX_VALUE_CHARS + 1) + "%"):
        assert parse_value(raw).kind == "unparsed"
    assert parse_value("2023年1月").kind == "date"


def test_recurring_deadline_is_a_date():
    from assistant.values import parse_value

    assert parse_value("每年12月底前").kind == "date"
    assert parse_value("当年10月31日前").kind == "date"
    assert parse_value("每年").kind != "date"


def test_worked_out_figures_keep_the_users_digits_and_caps_hold():
    """100.8万元 was shown as 101万元 (figures over 100 were rounded to whole numbers), a stated 1.285万亩 as 1.28万亩,
    and a cap of 86万元 ÷ 2300盏 could come out under the project's own average."""
    from assistant.brief import Brief
    from assistant.drafters.slots import SlotFiller
    from assistant.values import cap_text

    filler = SlotFiller(Brief(name="高标准农田建设", purpose="建设高标准农田1.285万亩，每亩补助12.345元", budget="1587.3456万元"))
    assert filler.fill("={N:建设面积}亩") == "=1.285万亩" and filler.fill("={X:补助标准}元/亩") == "=12.345元/亩"
    assert filler.fill("{BUDGET}万元") == "1587.3456万元"
    assert cap_text(860000 / 2300) == "374" and cap_text(1500000 / 2300) == "653" and cap_text(2.341) == "2.35"
    assert cap_text(3000.0) == "3000" and float(cap_text(640000 / 2300)) >= 640000 / 2300
