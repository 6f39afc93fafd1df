"""Repairing a legacy row in place: its facts stay exactly as the department wrote them."""

from assistant.ledger import facts_ledger
from assistant.models import Indicator, ProjectSheet
from assistant.repair import canonical_level2, complete, split_compound
from assistant.rewrite import rewrite_sheet
from assistant.values import parse_value


def _row(value: str, name: str = "受益对象", level1: str = "产出指标", level2: str = "数量指标") -> Indicator:
    return Indicator(level1=level1, level2=level2, name=name, value=value, description="", basis="")


def test_a_value_listing_several_facts_becomes_one_row_per_fact():
    parts = split_compound(_row("困难台胞432人、高龄台胞1792人；困难学生助学95人，技能培训2期"))
    assert [(p.name, p.value) for p in parts] == [
        ("困难台胞人数", "=432人"), ("高龄台胞人数", "=1792人"), ("困难学生助学人数", "=95人"), ("技能培训期数", "=2期")]
    assert all(p.level2 == "数量指标" for p in parts)


def test_a_list_with_one_part_that_is_no_fact_is_not_split():
    # splitting would lose 按需 — the row is left to the ordinary replace-or-keep decision
    assert split_compound(_row("困难台胞432人、高龄台胞按需发放")) == []
    assert split_compound(_row("按实际情况发放")) == []
    assert split_compound(_row("≥90%")) == []  # already a single fact


def test_completing_keeps_every_digit():
    row, done = complete(_row("1346.0088万平方米", name="清扫保洁道路面积"), [], [], 2020, "环卫清洁", "2015")
    assert parse_value(row.value).number == 1346.0088
    assert "1346.0088" in row.value


def test_a_recurring_deadline_keeps_its_wording():
    row, _ = complete(_row("每年12月底前", name="返本分红时间", level2="时效指标"), [], [], 2018, "资产收益扶贫", "2015")
    assert row.value == "每年12月底前"
    row, _ = complete(_row("12月底前", name="验收时间", level2="时效指标"), [], [], 2018, "资产收益扶贫", "2015")
    assert row.value.startswith("2018年")


def test_periods_written_with_a_double_dash_or_without_the_second_year():
    v = parse_value("2020年1月--2020年11月")
    assert v.kind == "period" and v.period_end.year == 2020 and v.period_end.month == 11
    v = parse_value("2023年1月至12月")
    assert v.kind == "period" and v.period_end.year == 2023


def test_a_row_without_any_heading_gets_the_second_level_its_name_and_value_say():
    assert canonical_level2(_row("≥95%", name="养殖动物成活率", level1="", level2=""), "2015") == "质量指标"
    assert canonical_level2(_row("≥1个", name="新建养殖场数量", level1="", level2=""), "2015") == "数量指标"
    assert canonical_level2(_row("≥90%", name="农户满意度", level1="", level2=""), "2015") == "服务对象满意度指标"
    assert canonical_level2(_row("2021年9月", name="竣工时限", level1="", level2=""), "2015") == "时效指标"


def test_rewrite_splits_a_listed_value_and_the_ledger_says_where_each_fact_went(exemplar_drafter):
    rows = [
        _row("困难台胞432人、高龄台胞1792人", name="困难补助受益", level1="产出", level2="数量目标"),
        _row("开展丰收节活动1次、夏令营活动1次", name="增进乡情", level1="效益", level2="社会效益目标"),
        _row("≥95%", name="补助对象满意度", level1="满意度", level2="服务对象满意度目标"),
        _row("2023年12月31日前", name="补助发放完成时间", level2="时效指标"),
    ]
    sheet = ProjectSheet(name="2023年台胞困难补助及联谊活动经费", year=2023, indicators=rows,
                         goals=["向432名困难台胞和1792名高龄台胞发放补助，开展联谊活动2次"])
    result = rewrite_sheet(sheet, exemplar_drafter)
    after = {(r.name, r.value) for r in result.after.sheet.indicators}
    for fact in ("=432人", "=1792人"):
        assert any(v == fact for _, v in after), after
    assert sum(v == "=1次" for _, v in after) >= 2, after
    ledger = facts_ledger(result)
    split = [e for e in ledger if e.indicator == "困难补助受益"]
    assert {e.where.split("｜")[1] for e in split} == {"=432人", "=1792人"}
    assert result.after.sub_scores.errors == 0, [(f.rule, f.message) for f in result.after.findings
                                                  if f.severity == "error"]


def _finding(rule: str, index: int = 0):
    from assistant.rules.base import Finding

    return Finding(rule=rule, severity="error", dimension="feasibility", index=index, indicator="", message="", hint="")


def test_prepare_puts_a_stated_fact_in_a_form_the_checker_reads():
    from assistant.repair import prepare

    row, done = prepare(_row("≥0.97比例", name="视频监控在线率", level2="质量指标"), [_finding("V04")], "雪亮工程", "2015")
    assert row.value == "≥97%" and done
    row, _ = prepare(_row("24694人", name="指标25:家庭医生签约率"), [_finding("V04")], "基本公共卫生服务", "2015")
    assert (row.name, row.value) == ("家庭医生签约人数", "24694人")
    row, _ = prepare(_row("250万", name="控制在预算成本内", level2="成本指标"), [_finding("N02")], "雾炮车降尘抑尘服务", "2015")
    assert (row.name, row.value) == ("雾炮车降尘抑尘服务总成本", "≤250万元")
    row, _ = prepare(_row("≥500亩", name="新增和改善灌溉达标面积", level1="效益指标", level2="生态效益指标"),
                     [_finding("N05")], "高标准农田建设", "2015")
    assert row.level2 == "社会效益指标" and row.value == "≥500亩"
    untouched = _row("=12场", name="培训场次")
    assert prepare(untouched, [], "培训", "2015") == (untouched, [])


def test_rewrite_keeps_the_facts_prepare_can_read(exemplar_drafter):
    rows = [
        _row("≥0.97比例", name="视频监控在线率", level2="质量指标"),
        _row("250万", name="控制在预算成本内", level2="成本指标"),
        _row("=120个", name="视频监控点位数量"),
        _row("≥90%", name="群众满意度", level1="满意度指标", level2="服务对象满意度指标"),
        _row("2024年12月31日前", name="运维服务完成时间", level2="时效指标"),
        _row("=0起", name="重大安全事件", level1="效益指标", level2="社会效益指标"),
    ]
    sheet = ProjectSheet(name="2024年视频监控运维服务", year=2024, indicators=rows)
    result = rewrite_sheet(sheet, exemplar_drafter)
    values = [r.value for r in result.after.sheet.indicators]
    assert "≥97%" in values and "≤250万元" in values and "=120个" in values, values
    assert [c.before.value for c in result.changes if c.before is not None and c.after is not None
            and c.after.value == "≥97%"] == ["≥0.97比例"]  # the report shows the row as the department printed it



def test_a_replaced_rows_own_count_fills_its_replacement_but_a_rate_never_does():
    from assistant.repair import carry_facts

    filled, notes = carry_facts(_row("70村", name="开展送戏进万村"), _row("={N:送戏村数}村", name="送戏下乡村数"))
    assert filled.value == "=70村" and notes
    two = _row("3期 120人 80人", name="培训")
    assert carry_facts(two, _row("≥{N:人数}人", name="培训人数"))[0].value == "≥{N:人数}人"  # which one? ask
    rate = _row("100%", name="政策知晓率")
    assert carry_facts(rate, _row("≤{X:检出率}%", name="营养不良检出率"))[0].value == "≤{X:检出率}%"
