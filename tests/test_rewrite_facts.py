"""Rewriting real published tables keeps every fact the department stated, in the right year."""

import pytest

from assistant.ledger import facts_ledger
from assistant.repair import implied_unit, is_fact
from assistant.rewrite import rewrite_sheet, sheet_year
from eval.calibration import load_tables, sheet_of
from eval.scorers import same_fact as _same

# every good and mixed real table of both sets: the 40 the rewrite was built against and the 20 web tables
TABLES = [t for t in load_tables() if t["label"] in ("good", "mixed")]


@pytest.fixture(scope="module")
def rewrites(exemplar_drafter):
    return {t["id"]: (sheet_of(t), rewrite_sheet(sheet_of(t), exemplar_drafter)) for t in TABLES}


@pytest.mark.parametrize("table_id", [t["id"] for t in TABLES])
def test_every_stated_value_survives_or_is_dropped_with_a_reason(rewrites, table_id):
    legacy, result = rewrites[table_id]
    after = result.after.sheet.indicators
    dropped = {(e.indicator, e.value) for e in facts_ledger(result) if e.fate == "dropped" and e.reason}
    for ind in legacy.indicators:
        v = ind.parsed_value
        if not (is_fact(v) or implied_unit(ind)) or (ind.name, ind.value) in dropped:
            continue
        assert any(_same(v, r.parsed_value) for r in after), (ind.name, ind.value)


@pytest.mark.parametrize("table_id", [t["id"] for t in TABLES])
def test_no_date_moves_to_another_year_and_no_error_remains(rewrites, table_id):
    legacy, result = rewrites[table_id]
    year = sheet_year(legacy)
    legacy_dates = {i.parsed_value.deadline for i in legacy.indicators if i.parsed_value.deadline}
    for row in result.after.sheet.indicators:
        d = row.parsed_value.deadline
        if d and d.year > 1900 and d not in legacy_dates and year:
            assert d.year in (year, year + 1), (row.name, row.value, year)
    assert result.after.sub_scores.errors == 0, [
        (f.rule, f.indicator, f.message) for f in result.after.findings if f.severity == "error"]


def test_the_ledger_counts_what_was_kept(rewrites):
    kept = sum(e.fate in ("kept", "completed") for _, r in rewrites.values() for e in facts_ledger(r))
    total = sum(1 for legacy, _ in rewrites.values() for i in legacy.indicators if is_fact(i.parsed_value))
    assert kept / total >= 0.9


def test_a_type_that_shares_only_a_modifier_of_the_name_supplies_no_rows(rewrites):
    """人才驿站补助资金: the sports-training type knows 人才 (athletes) but not 驿站; its rows (兴奋剂, 运动员) must
    not stand in a talent-station table, and the report says the new rows were composed."""
    from assistant.rewrite_report import grounding_text

    table = next(t for t in TABLES if "人才驿站" in t["project"])
    _, result = rewrites[table["id"]]
    text = " ".join(r.name for r in result.after.sheet.indicators)
    assert not any(w in text for w in ("兴奋剂", "运动员", "比赛", "奖牌")), text
    assert result.sources[0].startswith("archetype:")
    assert "没有与本项目相符" in grounding_text(result)
    fitted = next(r for _, r in rewrites.values() if r.sources and not r.sources[0].startswith("archetype:"))
    assert "取自示范库项目类型" in grounding_text(fitted)
