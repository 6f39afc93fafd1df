"""Composing a table when no library type fits: archetype from what the money does, the brief's own objects in
every row, nothing from another type's objects."""

import re

import pytest

from assistant.brief import Brief
from assistant.drafters.compose import archetypes, choose_archetype, compose, object_phrase
from assistant.drafters.slots import SlotFiller
from eval.cases import NOVEL, load_cases
from eval.harness import run_case
from eval.scorers import foreign_rows_of, score_all

STATION = Brief(name="北斗卫星导航地基增强站建设", purpose="新建北斗卫星导航地基增强站5座，提供厘米级定位服务",
                budget="120万元", year=2025)


@pytest.mark.parametrize("name,archetype", [("人才公寓运营补贴", "subsidy"), ("乡镇敬老院消防安全改造", "works"),
                                            ("2026年测绘成果质量监督抽检", "inspection"), ("社区矫正社工培训", "training"),
                                            ("机场净空保护宣传", "publicity"), ("渡口渡船安全管理购买服务", "service"),
                                            ("出版物市场“扫黄打非”专项整治经费", "enforcement"),
                                            ("城区窨井盖隐患排查及更换整治", "works"),
                                            ("民族语言文字翻译及双语服务经费", "work"),
                                            ("2026年海外华裔青少年“寻根之旅”夏令营", "event"),
                                            ("12355青少年心理健康服务热线运行", "enquiry"),
                                            ("12348公共法律服务热线运营经费", "enquiry"), ("城区路灯运行维护", "operation")])
def test_the_archetype_follows_what_the_money_does(name, archetype):
    assert choose_archetype(Brief(name=name))["id"] == archetype


def test_patrolling_an_area_is_measured_as_patrols_and_one_phrase_counts_once():
    """机场净空保护 is kept by 巡查 (not a study with 成果报告); 科普宣教点 is one phrase, not two publicity acts."""
    airport = Brief(name="机场净空保护及鸟击防范", purpose="对机场净空保护区内超高建筑、风筝和无人机开展巡查，联合驱鸟，巡查不少于50次")
    assert choose_archetype(airport)["id"] == "patrol"
    assert choose_archetype(Brief(name="城区河道日常巡查经费"))["id"] == "patrol"
    wetland = Brief(name="国家湿地公园保护管理", purpose="对湿地开展巡护和水鸟监测，退化湿地植被恢复，设置科普宣教点10处")
    assert choose_archetype(wetland)["id"] != "publicity"


@pytest.mark.parametrize("name,obj", [("2025年城区公共厕所提升改造", "公共厕所"), ("人才公寓运营补贴", "人才公寓"),
                                      ("北斗卫星导航地基增强站建设", "北斗卫星导航地基增强站"),
                                      ("少数民族特色村寨保护与发展项目", "少数民族特色村寨"),
                                      ("国际友好城市交流合作经费", "国际友好城市"), ("近零碳排放社区试点建设", "近零碳排放社区"),
                                      ("职业技能培训中心建设", "职业技能培训中心"), ("校外培训机构监管", "校外培训机构"),
                                      ("2025年科技创新券专项资金", "科技创新券")])  # 券 ends a name, as 站 and 馆 do
def test_the_object_is_the_brief_own(name, obj):
    assert object_phrase(Brief(name=name)) == obj


@pytest.mark.parametrize("name,obj", [("2025年食品安全监督抽检经费", "食品安全"),  # not 食品: its rows would be 食品抽检
                                      ("公共机构节能改造（合同能源管理）", "公共机构节能"),  # not 节能
                                      ("领事保护与海外安全宣传经费", "海外安全"),  # not 海外群众知晓率
                                      ("本级政务服务一体化平台运维经费", "政务服务"),  # a level (本级) is not part of it
                                      ("2025年衔接推进乡村振兴补助资金", "乡村振兴")])  # nor a verb (推进)
def test_a_short_object_keeps_the_generic_words_of_its_term(name, obj):
    assert object_phrase(Brief(name=name)) == obj


def test_of_two_objects_as_long_the_name_ends_with_the_one_the_money_is_for():
    assert "公交线路" in object_phrase(Brief(name="县城公交新辟及优化公交线路补贴"))  # not 县城公交新辟
    assert object_phrase(Brief(name="省级文化产业资金扶持小微文化企业")) == "小微文化企业"


@pytest.mark.parametrize("name,obj", [("城区路灯维护及电费", "路灯"), ("农田灌溉机井维修及电费", "农田灌溉机井"),
                                      ("社区卫生服务站维修及租金", "社区卫生服务站")])
def test_a_bill_the_money_pays_is_not_the_object(name, obj):
    assert object_phrase(Brief(name=name)) == obj


def test_archetypes_are_written_each_for_its_work_not_one_template():
    rows = {a["id"]: {re.sub(r"\{OBJ\}", "", r["name"]) for r in a["rows"]} for a in archetypes()}
    assert len(rows) >= 10
    for a in rows:
        for b in rows:
            if a < b:
                shared = rows[a] & rows[b]
                assert len(shared) <= 2, (a, b, shared)
    for a in archetypes():
        for r in a["rows"]:
            assert "{OBJ}" in r["name"] + r["description"], r["name"]
            assert re.match(r"^(计划标准|历史标准|行业标准|预算支出标准)：.{6,}", r["basis"]), r["basis"]
            assert len(r["description"]) >= 20


def test_an_unknown_project_is_composed_and_told(exemplar_drafter):
    d = exemplar_drafter.draft(STATION)
    assert d.sources[0].id.startswith("archetype:")
    assert d.notes and "组合" in d.notes[0] and "核对" in d.notes[0]
    assert "composed" in d.trace.events[0]
    rows = d.sheet.indicators
    assert sum("北斗" in i.name + i.description for i in rows) >= 0.8 * len(rows)
    assert "=5座" in [i.value for i in rows if i.level2 == "数量指标"]
    assert not [f for f in d.findings if f.severity == "error"], d.findings


def test_a_known_project_keeps_its_library_type(exemplar_drafter):
    d = exemplar_drafter.draft(Brief(name="2025年公务用车运行维护费", purpose="保障机关38辆公务用车的燃油、维修、保险支出"))
    assert not d.sources[0].id.startswith("archetype:") and not any("没有与" in n for n in d.notes), d.notes


@pytest.fixture(scope="module")
def novel_runs(exemplar_drafter):
    cases = load_cases(NOVEL)
    return [(c, run_case(c, exemplar_drafter)) for c in cases]


def test_novel_briefs_draft_without_errors_and_without_other_types_objects(novel_runs):
    assert len(novel_runs) >= 80
    assert not [c.id for c, o in novel_runs if o.error]
    foreign = [(c.id, foreign_rows_of(c, o)) for c, o in novel_runs if o.sources[0].startswith("archetype:")]
    assert not [f for f in foreign if f[1]], [f for f in foreign if f[1]][:5]
    flawed = [(c.id, f.rule) for c, o in novel_runs for f in o.findings if f.severity == "error"]
    assert not flawed, flawed[:5]


def test_novel_briefs_rows_name_their_own_objects(novel_runs):
    scores = [score_all(c, o) for c, o in novel_runs]
    composed = sum(s["composed"] for s in scores) / len(scores)
    own = sum(s["own_objects"] for s in scores) / len(scores)
    assert composed >= 0.8, composed
    assert own >= 0.7, own


def _composed(name: str, purpose: str) -> list:
    brief = Brief(name=name, purpose=purpose, budget="80万元", year=2026)
    return compose(brief, None, SlotFiller(brief)).rows


def test_a_composed_subsidy_names_the_recipient_and_the_money():
    """扶持资金 paid to 文艺团队: rows are about the fund paid to them, not "享受业余文艺团队的对象" or a 团队's 发放标准."""
    rows = _composed("乡村业余文艺团队扶持资金", "扶持乡村业余文艺团队25个，开展送戏下乡演出")
    assert rows and all("文艺团队扶持资金" in r.name for r in rows), [r.name for r in rows]
    count = next(r for r in rows if r.level2 == "数量指标")
    assert count.value == "=25个" and "享受" not in count.name
    unnamed = _composed("困难群众临时救助", "对遭遇突发困难的家庭给予临时救助，预计救助200户")
    assert all("救助" in r.name for r in unnamed)


def test_a_stated_standard_fills_the_composed_cost_row_as_the_user_wrote_it():
    rows = _composed("科技成果转化奖补资金", "对本市企业转化实施的专利约300件给予奖补，每件奖补标准为1.5万元")
    assert any(r.value == "=1.5万元/件" for r in rows), [(r.name, r.value) for r in rows]
    rows = _composed("乡村非遗传承人传习补助", "对县级以上非遗代表性传承人约90名给予传习补助，每人每年补助标准为0.5万元")
    assert any(r.value == "=0.5万元/名" for r in rows) and any(r.value == "=90名" for r in rows)


def test_the_users_bound_on_a_number_is_kept():
    """不少于600份 is ≥600份, 最高每人20万元 is ≤20万元/名: the draft does not turn a floor or a cap into =."""
    from assistant.brief import extract_quantities

    assert [q.op for q in extract_quantities("样品采集不少于600份，巡查50次以上，接听来电约4,000人次")] == ["≥", "≥", "="]
    rows = _composed("高层次人才安家补贴", "对引进人才约60名发放安家补贴，最高每人20万元")
    assert any(r.value == "≤20万元/名" for r in rows) and any(r.value == "=60名" for r in rows)
    rows = _composed("社区居家养老服务补贴", "为不少于300名失能老人购买上门照护服务并给予补贴")
    assert any(r.value == "≥300名" for r in rows), [(r.name, r.value) for r in rows]


def test_a_stated_count_of_something_else_names_the_main_count_row():
    """年接听来电18,000人次 for a 热线 counts calls: not "运行维护的热线数量 =18000人次"."""
    rows = _composed("政务服务便民热线运行", "运行政务服务便民热线，全年接听群众来电约18,000人次")
    count = next(r for r in rows if "18000" in r.value)
    assert "来电" in count.name and "热线数量" not in count.name, count.name
    # a count of where the work is done, or one followed by a list of kinds, does not name the row
    rows = _composed("智能垃圾分类回收箱运行维护", "在20个社区的智能垃圾分类回收箱开展日常运维和清运")
    count = next(r for r in rows if r.value == "=20个")
    assert "回收箱" in count.name, count.name
    rows = _composed("地质灾害隐患点工程治理", "对12处一级、二级滑坡隐患点实施工程治理")
    count = next(r for r in rows if r.value == "=12处")
    assert "一级" not in count.name and "隐患点" in count.name, count.name


def test_the_model_is_grounded_the_same_way(default_store):
    from assistant.drafters.exemplar import grounding

    text, sources = grounding(STATION, default_store)
    assert sources[0].id.startswith("archetype:") and "组合框架" in text and "北斗" in text
    text, sources = grounding(Brief(name="2025年公务用车运行维护费", purpose="保障机关38辆公务用车的燃油、维修支出"),
                              default_store)
    assert not sources[0].id.startswith("archetype:") and "对象吻合度" in text


def test_a_quoted_object_in_the_name_is_the_object_and_qualifiers_of_a_number_are_not():
    from assistant.brief import Brief, extract_quantities
    from assistant.drafters.compose import object_phrase

    assert object_phrase(Brief(name="基层“侨胞之家”建设补助", purpose="新建侨胞之家12个")) == "侨胞之家"
    assert object_phrase(Brief(name="出版物市场“扫黄打非”专项整治", purpose="")) == "扫黄打非"
    objects = [q.object for q in extract_quantities("为32所学校约1.1万名在校学生提供午餐，新接入单位约210家")]
    assert "学校" in objects and "接入单位" in objects and not any(o.endswith("约") for o in objects), objects


@pytest.mark.parametrize("text, raw, counted, not_counted", [
    # the count follows what it counts, and what follows the count says how it is given or to whom
    ("对验收合格的新能源公交站台约300个按面积给予一次性补助", "300个", "新能源公交站台", "面积"),
    ("为参加城乡居民医疗保险的村级计生专干126名按规定给予个人缴费补助", "126名", "村级计生专干", "保险"),
    ("招募乡村振兴协理员60名赴村任职两年", "60名", "乡村振兴协理员", "赴村"),
    ("保障固定水质自动站5个和移动监测船2艘运行", "2艘", "移动监测船", "运行"),
    ("保障省级野生动物疫源疫病监测站14个日常监测", "14个", "疫源疫病监测站", "日常"),
    # a count of people after a place says where, and the people follow
    ("按标准为全县2.4万名城乡低保对象发放取暖补贴", "2.4万名", "城乡低保对象", "全县"),
    # an activity counted: of what the phrase before its light verb says
    ("对辖区加油站和危化品经营单位开展检查320家次", "320家次", "危化品经营单位检查", "开展"),
    ("年受理群众来电约9,000件", "9,000件", "受理群众来电", "约"),
    ("河道巡查不少于120次", "120次", "河道巡查", "不少于"),
    # a bare head keeps the work it names; a qualifier before 的 is not part of the object
    ("新签约单位约85家", "85家", "签约单位", "单位约"),
    ("采购符合国家标准的多功能护理床400张", "400张", "多功能护理床", "国家标准"),
    # the count before what it counts
    ("为1.2万名在校学生提供课后服务", "1.2万名", "在校学生", "课后"),
    ("为全区45所幼儿园约9,800名在园幼儿购买意外伤害保险", "9,800名", "在园幼儿", "幼儿园"),  # not the last count's
    ("6部电梯进行整体更换", "6部", "电梯", "更换"),
    # a work verb that begins a place's name stays in it; how the place is kept going is not what is counted
    ("保障治超检测站2个全天候运行", "2个", "治超检测站", "全天候运行"),
    ("设立便民服务点12个", "12个", "便民服务点", "设立"),
])
def test_a_stated_count_is_named_after_what_it_counts(text, raw, counted, not_counted):
    from assistant.brief import extract_quantities

    found = {q.raw: q.object for q in extract_quantities(text)}
    assert counted in found.get(raw, "") and not_counted not in found[raw], found


def test_a_work_without_a_physical_object_is_not_measured_as_upkeep(exemplar_drafter):
    """Translation, a summer camp, a hotline: no 完好率 or 巡查维护 rows, the numbers stated in Chinese numerals
    become values, and a slogan's numerals (一带一路) are no quantity."""
    briefs = [Brief(name="民族语言文字翻译及双语服务经费", purpose="全年翻译文稿约60万字，审定双语公共标识牌500块，新增双语服务窗口两个",
                    budget="80万元", year=2025),
              Brief(name="2026年海外华裔青少年“寻根之旅”夏令营", purpose="接待海外华裔青少年150名，开展为期十天的中华文化体验",
                    budget="60万元", year=2026),
              Brief(name="外贸企业参加境外展会补助资金", purpose="支持企业参加共建一带一路国家展会，补助展位费，惠及企业30家",
                    budget="200万元", year=2025)]
    for brief in briefs:
        d = exemplar_drafter.draft(brief)
        names = [r.name for r in d.sheet.indicators]
        assert d.sources[0].id.startswith("archetype:"), (brief.name, d.sources[0].id)
        assert not [n for n in names if "完好率" in n or "巡查维护" in n], names
        assert not [f for f in d.findings if f.severity == "error"], [f.message for f in d.findings]
        assert not [r.value for r in d.sheet.indicators if re.search(r"[一二两三四五六七八九十]", r.value)]
    assert "=2个" in [r.value for r in exemplar_drafter.draft(briefs[0]).sheet.indicators]
    assert [q.raw for q in briefs[2].quantities()] == ["30家"]


def test_a_retrieved_row_must_speak_of_the_brief_not_only_share_a_word():
    from assistant.drafters.compose import own_objects_only

    brief = "出版物市场“扫黄打非”专项整治经费 对书店、印刷企业和校园周边出版物经营单位开展检查850家次"
    assert not own_objects_only("获奖补企业满意度", brief), "award-winning firms are another project's subject"
    assert own_objects_only("出版物经营单位检查覆盖率", brief)


def test_a_hotline_that_is_run_is_measured_as_a_service_not_as_upkeep(exemplar_drafter):
    """运行 of a 热线 is answering calls: 受理量, 按时办结, 回访满意度, the cost per call from the user's count."""
    d = exemplar_drafter.draft(Brief(name="12355青少年心理健康服务热线运行", budget="35万元", year=2025,
                                     purpose="提供心理咨询和法律援助热线服务，年接听来电约4,000人次，开展危机个案干预"))
    names = [r.name for r in d.sheet.indicators]
    assert d.sources[0].id == "archetype:enquiry", d.sources[0].id
    assert not [n for n in names if "完好率" in n or "巡查维护" in n], names
    assert any("办结" in n for n in names) and any("满意度" in n for n in names), names
    values = [r.value for r in d.sheet.indicators]
    assert "=4000人次" in values and any(v.endswith("元/人次") and "{" not in v for v in values), values


def test_a_retrieved_row_that_cites_its_own_type_is_that_projects_row():
    from assistant.drafters.compose import _cites_its_own_type

    row = "维修改造建筑面积 纳入本次维修改造范围的建筑面积 计划标准：办公用房维修改造方案批复"
    assert _cites_its_own_type(row, "办公用房维修改造", "对15家公共机构实施照明、空调节能改造")
    assert not _cites_its_own_type(row, "办公用房维修改造", "机关办公用房维修改造及节能改造")
    assert not _cites_its_own_type("单位建筑面积改造造价 以竣工结算为准", "城镇老旧小区改造", "公共机构节能改造")


def test_an_act_word_that_names_a_body_is_not_what_the_money_does():
    """培训机构 is a body: supervising it is enforcement, not training (no 参训人次 rows)."""
    brief = Brief(name="校外培训机构监管", purpose="对全县86家校外培训机构开展检查，查处违规办学行为")
    assert choose_archetype(brief)["id"] == "enforcement"
    assert choose_archetype(Brief(name="职业技能培训中心建设"))["id"] == "works"
    assert choose_archetype(Brief(name="社区矫正社工培训"))["id"] == "training", "培训 that ends the name is the work"


def test_a_lease_is_measured_in_the_rooms_it_rents_and_pays_as_often_as_the_user_says(exemplar_drafter):
    """租赁办公用房2400平方米，用于安置6个部门: the lease was counted in 部门 (=6个, ≤144000元/个), the 部门 being who uses
    the rooms; the rent per 平方米 is the figure a reviewer checks, and 按季度支付 is 4 payments."""
    brief = Brief(name="2025年度机关办公用房租赁费", budget="98万元", year=2025,
                  purpose="租赁城南商务楼办公用房2400平方米，用于安置6个部门集中办公，其中年租金86.4万元、物业管理费9.6万元，"
                          "按季度支付。")
    values = {r.name: r.value for r in exemplar_drafter.draft(brief).sheet.indicators}
    assert "=2400平方米" in values.values() and not any(v.endswith("元/个") for v in values.values()), values
    assert any(n.endswith("支付期数") and v == "=4期" for n, v in values.items()), values
    assert "=6个" in values.values()  # the user's 6 部门 still stand, in a row of their own


def test_a_count_of_bodies_says_what_about_them_is_counted():
    """归集43个部门的公共数据 gave a row named 部门数量, which says neither whose data nor what work."""
    from assistant.brief import extract_quantities
    from assistant.drafters.compose import quantity_row

    brief = Brief(name="公共数据资源目录编制及归集治理", purpose="归集43个部门的公共数据，覆盖18个部门，新建北斗基准站6座")
    names = [quantity_row(q, brief, "2015").name for q in extract_quantities(brief.purpose)]
    assert names == ["归集公共数据的部门数量", "覆盖部门数量", "北斗基准站数量"], names
