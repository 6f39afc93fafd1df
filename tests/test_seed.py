"""The seed document: read exactly, and every defect the reviewers named is flagged."""

from decimal import Decimal

import pytest

from assistant.documents import read_document
from assistant.report import check_document

BUDGETS = ["295900.00", "10670786.83", "1000000.00", "5649300.00", "8827000.00", "900000.00", "6470000.00",
           "1158000.00", "2900000.00"]
CODES = ["13020523P00F6N210003H", "13020523P006B4F10004C", "13020523P006X4210003A", "13020523P0066F210003P",
         "13020523P0088BP100075", "13020523P00898310002K", "13020523P00898510002Y", "13020523P00910110001F",
         "13020523P00898210002X"]


@pytest.fixture(scope="module")
def report(seed_path):
    doc, problems = read_document(seed_path)
    assert problems == []
    return check_document(doc)


def findings(report, project: int, rule: str) -> list[str]:
    return [f.indicator or "" for f in report.projects[project].findings if f.rule == rule]


def test_reads_all_projects_exactly(report, seed_path):
    projects = report.projects
    assert [p.code for p in projects] == CODES
    assert [str(p.sheet.budget.total) for p in projects] == BUDGETS
    assert all(p.sheet.budget.total == p.sheet.budget.fiscal == Decimal(b) for p, b in zip(projects, BUDGETS))
    assert projects[0].name == "本级安达加油站相关支出"
    assert projects[7].name == "本级政府综合办公楼和市民中心消防维修工程项目"
    assert all(p.sheet.year == 2023 and p.sheet.layout == "2015" for p in projects)
    assert all(len(p.sheet.indicators) == 9 for p in projects)
    assert projects[1].sheet.spending_plan == {"3月底": "25%", "6月底": "50%", "10月底": "75%", "12月底": "100%"}
    assert projects[0].sheet.fund_use == "用于安达加油站相关费用支出"
    assert projects[0].sheet.department == "430001唐山市开平区机关事务中心本级"


def test_cell_with_line_break_does_not_shift_columns(report):
    # project 3 has cells ending in an empty paragraph: the row must still line up
    row = report.projects[2].sheet.indicators[1]
    assert (row.level2, row.name, row.value) == ("质量指标", "车辆购置费专款专用率", "≥100%")
    last = report.projects[2].sheet.indicators[-1]
    assert (last.level1, last.value) == ("满意度指标", "≥95%")


def test_count_names_with_percent_targets(report):
    assert "相关支出次数" in findings(report, 0, "V03")
    assert "公务用车" in findings(report, 2, "V03")
    assert "取暖覆盖面积" in findings(report, 1, "V03")
    assert "食堂数量" in findings(report, 8, "V03")


def test_whole_year_time_target(report):
    assert "资金支出情况" in findings(report, 0, "V12")
    assert "采购时效完成率" in findings(report, 2, "V12")


def test_description_and_basis_repeat_the_name(report):
    for p in range(9):
        assert len(findings(report, p, "B02")) >= 7
        assert len(findings(report, p, "D07")) >= 3


def test_off_domain_citation_and_description(report):
    assert "执行相关规定" in findings(report, 0, "D05")
    assert "公务用车" in findings(report, 2, "D03")  # 年生产量 for a car purchase


def test_truncated_name_with_percent(report):
    name = "设备购置类项目持续使用时间（年"
    assert name in findings(report, 2, "N04")
    assert name in findings(report, 2, "V05")


def test_heating_temperature_against_public_building_cap(report):
    assert "取暖温度" in findings(report, 1, "V10")
    assert "取暖温度" in findings(report, 1, "V11")


def test_duplicate_indicator(report):
    assert "采购计划落实" in findings(report, 2, "S06")


def test_non_ecological_names_under_ecology(report):
    assert "经费保障覆盖率" in findings(report, 0, "N05")
    assert "人员经费保障覆盖率" in findings(report, 6, "N05")
    assert "建设项目执行率（%）" in findings(report, 5, "N05")


def test_process_indicators(report):
    assert {"资金支出情况", "项目支出", "办公经费"} <= set(findings(report, 0, "N02"))


def test_every_seed_project_grades_poor_and_needs_changes(report):
    assert all(p.score < 60 and p.sub_scores.grade == "差" for p in report.projects)
    assert all(p.sub_scores.readiness == "需修改" for p in report.projects)
    assert report.score < 50
