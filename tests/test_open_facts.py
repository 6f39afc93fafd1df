"""Open facts: every placeholder is a question with a stable key; answers are checked and fill only their blanks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.lexicon import expand_synonyms

from assistant.brief import Brief, extract_quantities
from assistant.draft import draft
from assistant.edits import apply_edit
from assistant.fact_hints import derive_unit_cost
from assistant.models import Indicator, ProjectSheet
from assistant.open_facts import TOKEN_RE, fill, open_facts
from assistant.report import check_project

CASES = Path(__file__).resolve().parent.parent / "eval" / "cases" / "stated_quantities.jsonl"


def _row(level2: str, name: str, value: str, description: str = "", basis: str = "计划标准：实施方案") -> Indicator:
    level1 = "满意度指标" if "满意度" in level2 else "效益指标" if "效益" in level2 else "产出指标"
    return Indicator(level1=level1, level2=level2, name=name, description=description, value=value, basis=basis)


@pytest.fixture()
def sheet() -> ProjectSheet:
    return ProjectSheet(code="P001", name="城区公厕提质改造", year=2026, budget={"total": "2400000"},
                        goals=["{YEAR}年完成{N:改造公厕数}座公厕提质改造"],
                        indicators=[
                            _row("数量指标", "改造公厕数量", "={N:改造公厕数}座", "完成提质改造的公厕座数（计划{N:改造公厕数}座）"),
                            _row("数量指标", "受益学生人数", "={N:受益学生人数}人"),
                            _row("质量指标", "设施完好率", "≥{X:上年完好率}%"),
                            _row("时效指标", "改造完成时间", "{X:完工日期}"),
                            _row("成本指标", "单座公厕改造成本", "≤{UNIT_COST}元/座"),
                            _row("时效指标", "验收完成时间", "{YEAR}年11月30日前", basis="计划标准：{YEAR-1}年改造方案"),
                            _row("服务对象满意度指标", "如厕群众满意度", "≥XX%"),
                        ])


def test_every_placeholder_is_one_fact_with_a_stable_key(sheet):
    facts = open_facts(sheet)
    by_key = {f.key: f for f in facts}
    # the label used in the goal, the value and the description is asked once
    assert sum(f.label == "改造公厕数" for f in facts) == 1
    assert by_key["改造公厕数"].kind == "count" and by_key["改造公厕数"].unit == "座"
    assert by_key["改造公厕数"].indicator == "改造公厕数量" and by_key["改造公厕数"].index == 0
    assert by_key["上年完好率"].kind == "rate"
    assert by_key["完工日期"].kind == "date"
    assert by_key["单座公厕改造成本"].unit == "元/座"
    assert by_key["预算年度"].kind == "year" and by_key["预算年度"].suggestion == "2026"
    assert by_key["如厕群众满意度"].kind == "rate"  # a legacy ≥XX% is an open fact too
    assert all(f.project == "P001" and re.search(r"[\u4e00-\u9fff]", f.question) for f in facts)
    # same sheet, same keys, also after a JSON round trip
    again = ProjectSheet.model_validate_json(sheet.model_dump_json())
    assert [f.key for f in open_facts(again)] == [f.key for f in facts]
    assert len({f.key for f in facts}) == len(facts)


def test_filling_every_fact_leaves_no_placeholder_and_changes_nothing_else(sheet):
    answers = {"改造公厕数": "24", "受益学生人数": "1.1万", "上年完好率": "96", "完工日期": "2026年10月31日",
               "单座公厕改造成本": "100000", "预算年度": "2026", "如厕群众满意度": "92"}
    new, refused = fill(sheet, answers)
    assert refused == []
    assert open_facts(new) == []
    texts = [new.goals[0]] + [getattr(i, f) for i in new.indicators for f in ("value", "description", "basis")]
    assert not any(TOKEN_RE.search(t) for t in texts)
    assert new.indicators[0].value == "=24座" and "计划24座" in new.indicators[0].description
    assert new.indicators[1].value == "=11000人"
    assert new.indicators[5].basis == "计划标准：2025年改造方案"
    assert new.indicators[6].value == "≥92%"
    for old, ind in zip(sheet.indicators, new.indicators):
        assert (old.name, old.level1, old.level2) == (ind.name, ind.level1, ind.level2)
    assert (new.code, new.name, new.budget, new.year) == (sheet.code, sheet.name, sheet.budget, sheet.year)
    assert not [f for f in check_project(new).findings if f.rule == "V20"]


@pytest.mark.parametrize("key,answer,words", [
    ("改造公厕数", "二十多", "数字"),
    ("改造公厕数", "12.5", "整数"),
    ("上年完好率", "120", "0～100"),
    ("完工日期", "2027年3月31日", "预算年度"),
    ("完工日期", "明年春天", "日期"),
    ("单座公厕改造成本", "-5", "负数"),
    ("受益学生人数", "{N:x}", "占位符"),
])
def test_a_bad_answer_is_refused_naming_the_fact_and_changes_nothing(sheet, key, answer, words):
    new, refused = fill(sheet, {key: answer})
    assert new == sheet
    assert len(refused) == 1 and not refused[0].unknown
    fact = next(f for f in open_facts(sheet) if f.key == key)
    assert fact.label in refused[0].message and words in refused[0].message


def test_an_unknown_key_is_reported_and_the_good_answers_still_apply(sheet):
    new, refused = fill(sheet, {"公厕座数": "24", "受益学生人数": "300"})
    assert [r.key for r in refused] == ["公厕座数"] and refused[0].unknown
    assert new.indicators[1].value == "=300人" and new.indicators[0].value == sheet.indicators[0].value


def test_a_unit_cost_is_suggested_from_the_budget_and_a_stated_quantity(sheet):
    stated = sheet.model_copy(update={"indicators": [sheet.indicators[0].model_copy(update={"value": "=24座"}),
                                                     *sheet.indicators[1:]]})
    cost = next(f for f in open_facts(stated) if f.key == "单座公厕改造成本")
    assert cost.suggestion == "100000" and "24" in cost.reasoning and "240" in cost.reasoning


@pytest.mark.parametrize("row", [
    _row("成本指标", "公益性岗位补贴标准", "={X:月补贴}元/人·月"),  # a month's standard: budget ÷ people is a year's
    _row("经济效益指标", "亩均增收", "≥{X:亩均增收目标}元/亩"),  # a benefit, not what the money costs
])
def test_budget_is_not_divided_into_a_monthly_figure_or_a_benefit(row):
    sheet = ProjectSheet(name="示例项目", year=2026, budget={"total": "960000"}, indicators=[
        _row("数量指标", "安置人数", "=80人"), _row("数量指标", "治理面积", "=300亩"), row])
    (fact,) = open_facts(sheet)
    assert fact.suggestion is None or "预算" not in (fact.reasoning or ""), fact


def _cost_sheet(cost_value: str, unit: str = "万元/座", *extra: Indicator) -> ProjectSheet:
    return ProjectSheet(name="城区公厕提质改造", year=2026, budget={"total": "2400000"}, indicators=[
        _row("数量指标", "提升改造公共厕所座数", "=24座"),
        _row("成本指标", "改造公厕单座建安造价", f"{cost_value}{unit}", basis="预算支出标准：财政评审的工程预算"),
        *extra])


def test_a_unit_cost_cap_is_derived_from_the_budget_and_the_one_stated_quantity():
    sheet, notes = derive_unit_cost(_cost_sheet("≤{X:单座造价}"))
    cost = sheet.indicators[1]
    assert cost.value == "≤10万元/座" and not open_facts(sheet)
    assert cost.basis.startswith("预算支出标准：财政评审的工程预算；") and "240万元" in cost.basis and "24座" in cost.basis
    assert len(notes) == 1 and "≤10万元/座" in notes[0] and "核对" in notes[0]
    assert sheet.indicators[0] == _cost_sheet("≤{X:单座造价}").indicators[0]


@pytest.mark.parametrize("value, unit, extra", [
    ("={X:单座造价}", "万元/座", ()),  # a standard to meet, not a cap: budget ÷ count need not be it
    ("≤{X:月均补贴}", "元/座·月", ()),  # the budget is a year's, not a month's
    ("≤{X:单座造价}", "万元/座", (_row("数量指标", "新建公厕座数", "=6座"),)),  # two counts in 座: which one?
    ("≤{X:单座造价}", "万元/座", (_row("成本指标", "单座保洁费用", "≤{X:保洁单价}万元/座"),)),  # one budget, two costs
])
def test_a_unit_cost_stays_open_when_the_figures_do_not_answer_it(value, unit, extra):
    before = _cost_sheet(value, unit, *extra)
    after, notes = derive_unit_cost(before)
    assert after == before and notes == []


def test_a_draft_that_states_budget_and_count_carries_the_derived_cap_and_says_so():
    d = draft(Brief(name="城区公厕提质改造", purpose="对城区24座公厕进行提质改造，更新洁具和除臭设备", budget="240万元", year=2026),
              drafter="exemplar")
    costs = [i for i in d.sheet.indicators if i.level2 == "成本指标" and "/座" in i.value]
    assert costs and all("{" not in i.value for i in costs), [i.value for i in costs]
    assert any("测算的上限" in n for n in d.notes), d.notes


def test_chat_fills_a_fact_from_a_plain_sentence_and_asks_back_when_ambiguous(sheet):
    done = apply_edit(sheet, "改造公厕数量是24座，请填上")
    assert done.changed and done.sheet.indicators[0].value == "=24座" and "24座" in done.sheet.goals[0]
    students = apply_edit(sheet, "受益学生11000人")
    assert students.changed and students.sheet.indicators[1].value == "=11000人"
    two = sheet.model_copy(update={"indicators": [*sheet.indicators, _row("数量指标", "新建道路长度", "≥{N:道路长度}公里"),
                                                  _row("数量指标", "新建渠道长度", "≥{N:渠道长度}公里")]})
    assert apply_edit(two, "渠道长度18公里").sheet.indicators[-1].value == "≥18公里"
    ask = apply_edit(two, "18公里")
    assert not ask.changed and "渠道长度" in ask.reply and "道路长度" in ask.reply
    bad = apply_edit(sheet, "改造公厕数是12.5座")
    assert not bad.changed and "整数" in bad.reply


def _cases() -> list[dict]:
    return [json.loads(line) for line in CASES.read_text("utf-8").splitlines() if line.strip()]


def test_the_stated_quantity_cases_are_varied_and_state_their_numbers():
    cases = _cases()
    assert len(cases) >= 20 and len({c["sector"] for c in cases}) >= 8
    for case in cases:
        found = {q.raw for q in extract_quantities(case["brief"]["purpose"])}
        assert set(case["stated"]) <= found, case["id"]


@pytest.fixture(scope="module")
def drafts(exemplar_drafter):
    return [(c, exemplar_drafter.draft(Brief.model_validate(c["brief"]))) for c in _cases()]


def _counts(text: str) -> set[float]:
    return {q.base[0] for q in extract_quantities(text)}


@pytest.mark.timeout(1800)  # the first test to use the session's library index builds it
def test_each_stated_quantity_lands_in_a_count_row_that_measures_it(drafts):
    unused, misnamed, stated = [], [], 0
    for case, d in drafts:
        brief = Brief.model_validate(case["brief"])
        for q in [q for q in brief.quantities() if q.raw in case["stated"]]:
            stated += 1
            rows = [i for i in d.sheet.indicators if q.base[0] in _counts(i.value.lstrip("=≥≤"))]
            if not rows:  # measured: 1 of 60 (q06 3.2万亩) still unused
                unused.append(f"{case['id']}: {q.raw}")
                continue
            # the row is named after what the quantity counts, never a garbled cut of the sentence
            named = expand_synonyms(q.object, work=False)  # 公厕 names 公共厕所 too
            if q.object and not any(set(named[i:i + 2] for i in range(len(named) - 1)) & set(
                    r.name[i:i + 2] for i in range(len(r.name) - 1)) for r in rows):
                misnamed.append((case["id"], q.raw, [r.name for r in rows]))
    assert len(unused) <= max(1, stated // 20), unused
    assert len(misnamed) <= max(1, stated // 10), misnamed


@pytest.mark.timeout(1800)
def test_drafts_that_state_their_quantities_leave_few_open_facts_and_no_raw_unit_cost(drafts):
    counts = [len(open_facts(d.sheet)) for _, d in drafts]
    # the goal is 3; measured 2.95 (3.59 before deriving, 3.32 before quantities were bound over all rows at once,
    # 3.05 before a unit-cost cap was derived from budget ÷ the stated quantity)
    assert sum(counts) / len(counts) <= 3.0, counts
    for _, d in drafts:
        assert "{UNIT_COST}" not in " ".join(i.value + i.description for i in d.sheet.indicators)


def test_a_standard_that_bounds_the_row_is_suggested_with_its_source():
    from assistant.fact_hints import suggest
    from assistant.models import Indicator, ProjectSheet
    from assistant.open_facts import open_facts

    row = Indicator(level1="产出指标", level2="成本指标", name="单车购置价格", value="≤{X:单车购置价格}万元/辆",
                    description="单车购置价格（不含购置税）", basis="")
    sheet = ProjectSheet(name="2025年一般公务用车购置", fund_use="购置一般公务用车2辆", indicators=[row])
    fact = next(f for f in open_facts(sheet) if f.index == 0)
    hinted = suggest(sheet, fact)
    assert hinted.suggestion == "18" and "不高于18万元" in hinted.reasoning
    # in 元 the same cap reads 180000; a project the standard is not about gets no suggestion from it
    in_yuan = suggest(sheet, fact.model_copy(update={"unit": "元/辆"}))
    assert in_yuan.suggestion == "180000"
    other = ProjectSheet(name="农机购置补贴", fund_use="补贴农户购置拖拉机", indicators=[row])
    assert suggest(other, next(f for f in open_facts(other) if f.index == 0)).suggestion is None
