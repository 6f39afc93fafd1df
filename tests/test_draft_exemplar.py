"""The offline exemplar drafter on the seed's projects and on briefs it has never seen."""

import re
from collections import Counter

import pytest

from assistant.brief import Brief, extract_quantities
from assistant.documents import read_document
from retrieval.library import load_library

LIBRARY = {s.id: s for s in load_library()}


@pytest.fixture(scope="module")
def drafter(exemplar_drafter):
    return exemplar_drafter


@pytest.fixture(scope="module")
def seed_drafts(drafter, seed_path):
    doc, _ = read_document(seed_path)
    return [(p, drafter.draft(Brief(name=p.name, purpose=p.fund_use, budget=str(p.budget.total), year=2023)))
            for p in doc.projects]


# each seed project's own object, as a reviewer would look for it in the indicator names
OWN_OBJECTS = [r"车|油", r"供暖|取暖|热|室温", r"车", r"活动", r"办公楼|物业|设施设备|电梯",
               r"工程|建筑|用房|竣工", r"后勤|保洁|安保|维修", r"消防|火灾", r"食堂|就餐|厨"]


def test_seed_drafts_are_valid_and_score_high(seed_drafts):
    for project, d in seed_drafts:
        errors = [f"{f.rule} {f.indicator}" for f in d.findings if f.severity == "error"]
        assert errors == [], project.name
        assert d.sub_scores.readiness != "需修改", project.name
        assert d.sheet.year == 2023 and d.sheet.name == project.name
        assert d.sources and d.sources[0].references


@pytest.mark.parametrize("i", range(9))
def test_seed_drafts_name_the_projects_own_objects(seed_drafts, i):
    project, d = seed_drafts[i]
    names = " ".join(ind.name for ind in d.sheet.indicators)
    hits = len(re.findall(OWN_OBJECTS[i], names))
    assert hits >= 3, (project.name, names)


def _distinctive_keywords() -> dict[str, set[str]]:
    """Keywords that only one project type uses."""
    owners = Counter(k for s in LIBRARY.values() for k in set(s.keywords))
    return {s.id: {k for k in s.keywords if owners[k] == 1 and len(k) >= 2} for s in LIBRARY.values()}


def test_no_draft_carries_another_types_words(seed_drafts, drafter):
    distinctive = _distinctive_keywords()
    briefs = [Brief(name=p.name, purpose=p.fund_use, year=2023) for p, _ in seed_drafts] + [
        Brief(name="2025年开平区农村公路养护专项资金", purpose="养护县乡村道186公里，处治坑槽、裂缝等病害"),
        Brief(name="送戏下乡惠民演出", purpose="全年组织文艺院团送戏下乡演出120场"),
        Brief(name="高龄津贴", purpose="为全区80周岁以上老年人按月发放高龄津贴"),
    ]
    drafts = [d for _, d in seed_drafts] + [drafter.draft(b) for b in briefs[9:]]
    for brief, d in zip(briefs, drafts):
        primary = d.sources[0].id
        own = LIBRARY[primary]
        own_text = " ".join([own.text, own.goal, brief.text] + [f"{i.name}{i.description}{i.basis}" for i in own.indicators])
        text = " ".join(f"{i.name}{i.description}{i.basis}" for i in d.sheet.indicators)
        for other, words in distinctive.items():
            if other == primary:
                continue
            leaked = [w for w in words if w in text and w not in own_text]
            assert not leaked, (brief.name, other, leaked)


@pytest.mark.parametrize("purpose,expected", [
    ("新建高标准农田2万亩，配套建设灌溉渠道和田间道路", "2万亩"),
    ("对县乡村道186公里开展日常养护和病害处治", "186公里"),
    ("全年组织送戏下乡演出120场，覆盖全部行政村", "120场"),
    ("对辖区食品生产经营单位抽检食品3000批次", "3000批次"),
    ("更换机关办公楼6部老旧电梯", "6部"),
    ("为乡镇配备风力灭火机40台", "40台"),
    # units counted as the user wrote them: pairs, kinds, 亿, 辆次 (not 辆), 名 (not 人)
    ("全年为登记结婚新人办理集体颁证约1200对", "1200对"),
    ("资助本地作者原创文学作品出版15种", "15种"),
    ("整合归集政务数据约1.5亿条", "1.5亿条"),
    ("对进城货车开展尾气抽测约30万辆次", "30万辆次"),
    ("为在岗的乡村医生120名购买执业责任保险", "120名"),
    ("修复馆藏破损古籍约2,400叶", "2,400叶"),
    ("在公共机构屋顶建设分布式光伏约3.5兆瓦", "3.5兆瓦"),
    ("保障省级野生动物疫源疫病监测站14个日常监测", "14个"),  # 个日常 is not a date like 6个月 or 15日
])
def test_stated_quantities_appear_in_quantity_indicators(drafter, purpose, expected):
    d = drafter.draft(Brief(name=purpose[:12], purpose=purpose, budget="500万元", year=2025))
    quantity_values = [i.value for i in d.sheet.indicators if i.level2 == "数量指标"]
    assert any(expected in v for v in quantity_values), quantity_values
    number, unit = extract_quantities(expected)[0].number, extract_quantities(expected)[0].unit
    parsed = [i.parsed_value for i in d.sheet.indicators if i.level2 == "数量指标" and expected in i.value][0]
    assert parsed.number == number and parsed.unit == unit


def test_unknown_numbers_stay_visible_placeholders(drafter):
    d = drafter.draft(Brief(name="本级公建热力费", purpose="用于公建热力费用支出", year=2024))
    values = [i.value for i in d.sheet.indicators]
    assert any("{" in v for v in values), "an area nobody stated must not be guessed"
    assert any(f.rule == "V20" for f in d.findings)
    assert not any(re.search(r"\{YEAR", v) for v in values), "the year is known and filled"
    assert any("2024年" in v for v in values)


def test_unit_cost_from_budget(drafter):
    d = drafter.draft(Brief(name="高标准农田建设项目", purpose="新建高标准农田2万亩", budget="3000万元", year=2025))
    costs = [i.value for i in d.sheet.indicators if i.level2 == "成本指标"]
    assert any("1500元/亩" in v for v in costs), costs


def test_2021_layout_draft(drafter):
    d = drafter.draft(Brief(name="干部教育培训", purpose="举办乡镇干部培训班4期，培训600人次", year=2025, layout="2021"))
    assert d.sheet.layout == "2021"
    assert {i.level1 for i in d.sheet.indicators} >= {"成本指标", "产出指标", "效益指标", "满意度指标"}
    assert not [f for f in d.findings if f.severity == "error"]


def test_goal_text_is_written(drafter):
    d = drafter.draft(Brief(name="本级职工食堂改造", purpose="改造机关职工食堂后厨和就餐区", year=2023))
    goal = d.sheet.goals[0]
    assert goal.startswith("2023年") and "食堂" in goal and len(goal) > 30


@pytest.mark.parametrize("bad", [{"name": ""}, {"name": "   "}, {"name": "x", "budget": "很多钱"},
                                 {"name": "x", "purpose": "字" * 5000}, {"name": "x", "year": 1800}])
def test_bad_briefs_are_refused_with_a_reason(bad):
    with pytest.raises(ValueError) as exc:
        Brief(**bad)
    assert re.search(r"[\u4e00-\u9fff]", str(exc.value))


def test_stated_standards_fill_cost_slots(drafter):
    d = drafter.draft(Brief(name="农村义务教育学生营养改善计划", purpose="按每生每天5元标准为全县1.28万名农村义务教育学生提供营养膳食补助",
                            year=2025))
    values = " ".join(i.value for i in d.sheet.indicators)
    assert "5元/生" in values, values
    assert "1.28万" in " ".join(i.value for i in d.sheet.indicators if i.level2 == "数量指标")


def test_a_standard_stated_per_unit_with_words_between_fills_the_cost_row(drafter):
    """每盏年维护费120元 is the user's standard: the row says 120元/盏, not the budget divided by the lamps."""
    d = drafter.draft(Brief(name="城区路灯维护", purpose="对城区8600盏路灯开展巡检维修，每盏年维护费120元", budget="104万元",
                            year=2025))
    costs = [i.value for i in d.sheet.indicators if "成本" in i.level2]
    assert any("120元/盏" in v for v in costs), costs
    assert not any("121元/盏" in v for v in costs), "the stated standard, not a derived one"


def test_a_stated_standard_that_exceeds_the_budget_stays_with_its_finding(drafter):
    """The user's 每公里8000元 against a budget of 5000元: only the user can say which figure is wrong, so the row
    stays and the conflict is reported instead of the row vanishing."""
    d = drafter.draft(Brief(name="农村公路养护", purpose="对全县186公里县乡道开展日常养护，养护单价每公里8000元", budget="5000",
                            year=2025))
    rows = [i for i in d.sheet.indicators if "8000" in i.value]
    assert rows and "成本" in rows[0].level2, [(i.name, i.value) for i in d.sheet.indicators]
    assert any(f.rule == "V17" and f.severity == "error" for f in d.findings)
    assert d.sub_scores.readiness == "需修改"


def test_a_project_the_library_does_not_know_is_flagged(drafter, seed_drafts):
    # (储备粮 has its own type since the library grew; 北斗 base stations have none)
    d = drafter.draft(Brief(name="北斗卫星导航地基增强站建设", purpose="新建北斗地基增强基准站6座，接入省级卫星导航定位服务平台",
                            year=2026))
    assert d.notes and "没有与" in d.notes[0] and "核对" in d.notes[0]
    assert all(not any("没有与" in n or "通用框架" in n for n in draft.notes) for _, draft in seed_drafts), \
        "known project types draft without a composition warning"


def test_a_stated_count_goes_to_the_row_the_brief_describes_and_a_contradicted_blank_goes():
    from assistant.brief import Brief
    from assistant.draft import draft

    renovate = draft(Brief(name="城区公厕提质改造", purpose="对城区24座公厕进行提质改造，更新洁具和除臭设备"),
                     drafter="exemplar").sheet.indicators
    by_value = {r.value: r.name for r in renovate}
    assert "改造" in by_value.get("=24座", ""), by_value
    assert not any("新建" in r.name and "{" in r.value for r in renovate)
    # the quantity a unit cost divides by still answers its own row (3.2万亩 改善灌溉面积)
    canal = draft(Brief(name="灌区渠道防渗改造工程", purpose="对灌区干支渠进行防渗衬砌改造18公里，改善灌溉面积3.2万亩",
                        budget=14400000), drafter="exemplar").sheet.indicators
    values = " ".join(r.value for r in canal)
    assert "3.2万亩" in values and "18公里" in values, values


def test_a_stated_quantity_the_type_already_states_is_not_added_twice(drafter):
    """每个书屋更新出版物不少于60种 is the type's own ≥60种 row: no second row repeating it."""
    from retrieval.library import load_library

    shelf = next(s for s in load_library() if any(r.value.endswith("60种") for r in s.indicators))
    d = drafter.draft(Brief(name=f"2026年{shelf.name}", purpose=f"{shelf.purposes[0]}，每个书屋年更新出版物不少于60种",
                            year=2026))
    holding = [(r.name, r.value) for r in d.sheet.indicators if r.value.endswith("60种")]
    assert d.sources[0].id == shelf.id and len(holding) == 1, holding


def test_a_type_row_with_the_same_number_about_something_else_does_not_take_the_users_count(drafter):
    """The type's 品种数 ≥60种 is about each 书屋's titles; the user's 推荐书目60种 counts something else and keeps a row."""
    from retrieval.library import load_library

    shelf = next(s for s in load_library() if any(r.value.endswith("60种") for r in s.indicators))
    d = drafter.draft(Brief(name=f"2026年{shelf.name}", purpose=f"{shelf.purposes[0]}，并编印少儿阅读推荐书目60种",
                            year=2026))
    holding = [r.name for r in d.sheet.indicators if r.value.endswith("60种")]
    assert d.sources[0].id == shelf.id and any("推荐书目" in n for n in holding), holding


@pytest.mark.parametrize("text, amount, per, period", [
    ("每盏年维护费120元", 120, "盏", "年"), ("每批次检验费800元", 800, "批次", ""), ("每个行政村补助5万元", 50000, "个", ""),
    ("每人次培训补贴1500元", 1500, "人次", ""), ("每床每天30元", 30, "床", "天"), ("每生每天5元", 5, "生", "天"),
    ("按每餐3元给予运营补助", 3, "餐", ""), ("每人每餐补贴4元", 4, "餐", ""), ("每人每次补助50元", 50, "人", "次"),
])
def test_a_standard_is_read_per_any_counted_unit(text, amount, per, period):
    from assistant.brief import extract_rates

    assert [(r.amount, r.per, r.period) for r in extract_rates(text)] == [(amount, per, period)]


def test_a_meal_subsidy_fills_the_per_meal_standard_and_an_operating_subsidy_builds_nothing(drafter):
    """每餐3元 is the user's standard for the 人次 of dining (it was left {X:…}). A project that only subsidises running
    canteens got the type's 新建助餐点投入运营完成时间 and a 建设补贴 cap of 90万元 ÷ 12 = 7.5万元/个: rows of a project
    that builds. When the brief does build (新建助餐点3个), they stay."""
    def draft(purpose):
        return drafter.draft(Brief(name="社区老年食堂运营补助", purpose=purpose, budget="90万元", year=2026))

    running = draft("为12个社区老年食堂按每餐3元给予运营补助，全年服务老年人不少于9万人次")
    rows = {r.name: r.value for r in running.sheet.indicators}
    assert any(v == "≤3元/人次" or v == "=3元/人次" for v in rows.values()), rows
    building = [n for n in rows if "新建" in n or "建设补" in n]
    assert not building and not any("建设补贴" in n for n in running.notes), building
    assert any(r.level2 == "时效指标" for r in running.sheet.indicators)  # the 二级 keeps its other rows

    builds = draft("为12个社区老年食堂给予运营补助，其中新建助餐点3个")
    assert any("新建" in r.name and r.level2 == "时效指标" for r in builds.sheet.indicators), builds.sheet.indicators
    assert any("新建" in r.name and r.value == "=3个" for r in builds.sheet.indicators)


def test_an_amount_after_a_count_is_not_a_standard():
    from assistant.brief import extract_rates

    assert extract_rates("每村建成1个站点、投资50万元") == []
    assert extract_rates("每年开展2次，共计30万元") == []


def test_one_stated_standard_answers_one_standard_row(drafter):
    """每人每月500元 for everyone over 80 fills the type's first standard; its 百岁老人 standard is another question."""
    d = drafter.draft(Brief(name="2025年高龄津贴发放", purpose="按每人每月500元标准向全县80周岁以上老人1200人发放高龄津贴",
                            budget="720万元", year=2025))
    standards = [(i.name, i.value) for i in d.sheet.indicators if "标准" in i.name]
    filled = [n for n, v in standards if "500元" in v]
    assert len(filled) == 1, standards
    assert any("{X:" in v for n, v in standards if n not in filled), standards


def test_a_count_of_what_the_money_goes_to_fills_an_output_row_and_a_stated_result_an_effect_row(drafter):
    """新认定的高新技术企业35家 are the 35 firms the award goes to (首次认定奖励企业数), not the net growth of all such firms;
    净增35家 is that growth. Neither lands in 重新认定 because 新认定 and 重新认定 share the letters 新认."""
    def rows(purpose):
        d = drafter.draft(Brief(name="高新技术企业认定奖励资金", purpose=purpose, budget="350万元", year=2025))
        return {r.name: r.value for r in d.sheet.indicators if r.level2 == "数量指标" or "净增" in r.name}

    award = rows("对年度新认定的国家高新技术企业35家给予每家10万元一次性奖励")
    assert [n for n, v in award.items() if "35家" in v] == ["首次认定奖励企业数"], award
    growth = rows("全年高新技术企业净增35家，对新认定企业每家奖励10万元")
    assert [n for n, v in growth.items() if "35家" in v] == ["高新技术企业有效数量净增数"], growth


@pytest.mark.parametrize("text, obj", [
    ("为8所乡镇卫生院购置DR数字X光机4台", "DR数字X光机"), ("新建5G基站30个", "5G基站"), ("更换LED路灯120盏", "LED路灯"),
    ("将城区主次干道高压钠灯1850盏更换为LED路灯", "主次干道高压钠灯"), ("年接听来电5000次", "接听来电"),
])
def test_a_count_names_its_object_with_its_latin_letters_and_without_a_leading_preposition(text, obj):
    """DR数字X光机 was 光机 and 5G基站 was G基站 (the run stopped at Latin letters); 将…钠灯 kept its 将."""
    assert extract_quantities(text)[-1].object == obj


def test_counts_listed_together_each_keep_their_own_row_and_divide_no_budget(drafter):
    """购置DR数字X光机4台、全自动生化分析仪8台: 8台 filled the type's 更新报废老旧设备台数, and 620万元 ÷ 4台 gave a unit
    price of ≤155万元/台 for twelve machines. Each listed kind now has its own count, and the unit price is asked. Counts
    in separate clauses are not a list: the first (42个气象站) still divides the budget."""
    d = drafter.draft(Brief(name="乡镇卫生院医疗设备购置", purpose="为8所乡镇卫生院购置DR数字X光机4台、全自动生化分析仪8台",
                            budget="620万元", year=2026))
    rows = {r.name: r.value for r in d.sheet.indicators}
    assert rows.get("DR数字X光机数量") == "=4台" and rows.get("全自动生化分析仪数量") == "=8台", rows
    assert not any("报废" in n and "8台" in v for n, v in rows.items()), rows
    costs = [v for r in d.sheet.indicators if r.level2 == "成本指标" and (v := r.value).endswith("/台")]
    assert costs and all("{X:" in v for v in costs), costs
    assert not any("155" in n for n in d.notes)

    station = drafter.draft(Brief(name="区域自动气象站运行维护", purpose="维护全县区域自动气象站42个，更换老化传感器60个",
                                  budget="34万元", year=2025))
    derived = [r.value for r in station.sheet.indicators if r.level2 == "成本指标" and "/个" in r.value]
    assert any("{" not in v for v in derived), derived  # 34万元 ÷ 42个 stays a cap the user's figures answer


def test_every_stated_standard_is_in_a_cost_row_once_under_a_name_that_says_of_what(drafter):
    """每人慰问金500元, 人均年工资5.4万元 and the second of two standards (民事案件每件1200元) reached no row: a type has
    one standard slot or none. 人均年工资5.4万元 was read as a part of the money (≤5.4万元 in total). Each now has a
    cost row of its own with the user's figure, unless a row already holds it (每餐3元 in ≤3元/人次)."""
    hall = drafter.draft(Brief(name="政务服务大厅运行经费", purpose="保障政务服务大厅全年运行，进驻窗口56个，聘用综合窗口人员20名，"
                                                              "人均年工资5.4万元", budget="260万元", year=2026))
    rows = {r.name: (r.level2, r.value, r.basis) for r in hall.sheet.indicators}
    assert rows.get("人均年工资标准", ("", "", ""))[:2] == ("成本指标", "=5.4万元/人·年"), rows
    assert "人均年工资5.4万元" in rows["人均年工资标准"][2]
    assert not any(v == "≤5.4万元" for _, v, _ in rows.values())  # no longer a total

    aid = drafter.draft(Brief(name="法律援助案件办案补贴", purpose="预计办理法律援助案件620件，按刑事案件每件1500元、民事案件每件1200元"
                                                            "标准向承办律师支付办案补贴", budget="80万元", year=2025))
    values = [r.value for r in aid.sheet.indicators if r.level2 == "成本指标"]
    assert sum("1500元/件" in v for v in values) == 1 and sum("1200元/件" in v for v in values) == 1, values
    assert any(r.name == "民事案件标准" for r in aid.sheet.indicators)

    meals = drafter.draft(Brief(name="社区老年食堂运营补助", purpose="为12个社区老年食堂按每餐3元给予运营补助", budget="90万元",
                                year=2026))
    assert sum("3元/" in r.value for r in meals.sheet.indicators) == 1, [r.value for r in meals.sheet.indicators]


@pytest.mark.parametrize("text, name, value", [
    ("每名督导员每月补助800元", "督导员补助标准", "=800元/名·月"), ("每户每月发放记账补贴100元", "记账补贴标准", "=100元/户·月"),
    ("按集中养育每人每月1800元", "集中养育标准", "=1800元/人·月"), ("每亩补助标准为30元", "秸秆综合利用补助标准", "=30元/亩"),
])
def test_a_stated_standard_row_is_named_by_what_it_pays_for(text, name, value):
    from assistant.brief import extract_rates
    from assistant.drafters.compose import rate_row

    row = rate_row(extract_rates(text)[0], Brief(name="2025年秸秆综合利用补助资金", purpose="x", year=2025), "2015")
    assert (row.name, row.value) == (name, value)
