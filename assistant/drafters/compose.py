"""Composing a table when no library type fits: an archetype chosen from what the money does (assistant/data/
archetypes.json), its rows naming the brief's own object, plus single library indicators per 二级 whose objects are
all the brief's own. Nothing from another project type's objects enters the table.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from assistant.brief import _MEASURE_ENDS, Brief, CostPart, Quantity
from assistant.drafters.fit import _FUND_SUFFIX, GENERIC, _found, _tokens, library_texts
from assistant.drafters.slots import SLOT_RE, SlotFiller
from assistant.lexicon import cjk_bigrams, jaccard
from assistant.models import Indicator
from assistant.taxonomy import COST2, QUANTITY, convert_level2, level1_for
from assistant.values import number_text

MAX_RETRIEVED_PER_LEVEL2 = 1
_COUNT_UNITS = ("座", "个", "处", "所", "台", "部", "套", "辆", "条", "盏", "间", "家", "人", "户", "名", "批次", "场",
                "期", "件", "项", "只", "头", "块", "站", "栋", "批", "次", "人次", "户次", "家次")
# one-character words that end an object's name (增强站, 文化馆)
_HEAD_NOUNS = set("站馆院所室厂场库点桥厕楼房亭园台塔网线港码仓箱柜井灯桩牌车船券")
# generic, but the head of an object (友好城市, 排放社区)
_HEAD_WORDS = {"设施", "设备", "系统", "平台", "场所", "站点", "中心", "网点", "城市", "机构", "社区", "单位"}
# what is done to the object, not the object, when it ends the phrase (特色村寨保护 -> 特色村寨)
_TRAILING_ACTS = ("保护", "发展", "治理", "防范", "利用", "运用", "社会化")
# how the object is worked on, when it ends the object's run just before the act (教学楼抗震加固, 桥梁防腐维修): part of
# the work, so rows name 小学教学楼 and 抗震加固, not "小学教学楼抗震投入使用率". Not what the rows measure (节能, 适老化,
# 亮化, 信息化 say the work's field: 节能量, 扶手, 灯具), which stays with the object
WORK_KINDS = ("抗震", "防腐", "防水", "防渗", "隔音", "降噪", "保温", "除险", "提标", "加固")
# bodies a count can be of without saying what about them is counted (43个部门, 12个乡镇)
_BODIES = ("部门", "单位", "机构", "乡镇", "街道", "社区", "村", "学校", "医院", "企业")
# what a stated count's row is called after its object, by unit (托管 + 面积, 参训 + 人次)
_UNIT_NOUN = {"公里": "里程", "米": "长度", "亩": "面积", "平方米": "面积", "公顷": "面积", "人次": "人次", "人": "人数",
              "名": "人数", "户": "户数", "场": "场次", "次": "次数", "批次": "批次", "期": "期数", "吨": "数量",
              "家次": "家次", "户次": "户次", "场次": "场次"}
# leading work verbs and fillers of a stated count's object (新建北斗基准站 -> 北斗基准站)
_VERBS = re.compile(r"^(新建|建设|完成|实施|开展|组织|举办|养护|维修|更换|购置|采购|配备|改造|新增|保障|覆盖|培训|抽检|资助|发放|为|对|在|共|约|全年|年度)+")
# tokens of an indicator name that say how it is measured, not what it measures
_MEASURE = re.compile(r"(率|度|数|量|次数|时间|时限|时长|成本|单价|标准|金额|费|价|额|期|天数|年限|事故|人次|场次|批次)$")


@dataclass
class Composition:
    """A composed set of rows with what the user must be told about them."""

    archetype: dict
    obj: str
    rows: list[Indicator]
    composed: list[str] = field(default_factory=list)  # names of rows built from the archetype
    retrieved: list[tuple[str, str, str]] = field(default_factory=list)  # (row name, set id, set name)


@lru_cache(maxsize=1)
def archetypes() -> list[dict]:
    """The archetypes of assistant/data/archetypes.json."""
    data = resources.files("assistant.data").joinpath("archetypes.json").read_text(encoding="utf-8")
    return json.loads(data)["archetypes"]


@lru_cache(maxsize=1)
def money_acts() -> frozenset[str]:
    """The words that say what the money does (建设, 补贴, 培训): every archetype's triggers but the work one's, which
    name the work itself and belong to the object (温室气体排放清单, 服务热线)."""
    return frozenset(t for a in archetypes() if not a.get("names_the_work") for t in a["triggers"])


# an act word right before one of these names a place or body that does that work (培训机构, 宣传文化中心, 检测站),
# which is the object, not what the money does
_INSTITUTIONS = ("机构", "中心", "学校", "基地", "公司", "企业", "协会", "站", "所", "馆", "室", "队", "院")


def institution_masked(name: str) -> str:
    """The name with every act word that begins a place or body's name blanked (校外培训机构监管 -> 校外＿＿机构监管)."""
    return _institution_re().sub(lambda m: "＿" * len(m.group(0)), name)


@lru_cache(maxsize=1)
def _institution_re() -> re.Pattern:
    acts = sorted({t for a in archetypes() for t in a["triggers"]}, key=len, reverse=True)
    return re.compile("(?:" + "|".join(map(re.escape, acts)) + ")(?=" + "|".join(_INSTITUTIONS) + ")")


def choose_archetype(brief: Brief) -> dict:
    """The archetype for what the money does: the name's last trigger (the longer of two ending there), then the
    count of triggers in the purpose; the work archetype when nothing says it."""
    name, rest = institution_masked(brief.name), institution_masked(f"{brief.purpose} {brief.goal}")

    def score(a: dict) -> tuple[int, int, int]:
        # the work archetype's triggers (咨询, 援助, 编制) name the work when the name says them, not in passing
        in_rest = 0 if a.get("names_the_work") else _phrases(rest, a["triggers"])
        # Chinese names are head-final: in 人才公寓运营补贴 the money is a 补贴, so the last trigger decides; of two
        # ending there the longer one (专项整治 is enforcement, 整治 alone works)
        ends = [(name.rfind(t) + len(t), len(t)) for t in a["triggers"] if t in name]
        last, length = max(ends, default=(-1, 0))
        return (last, length, in_rest)

    best = max(archetypes(), key=score)
    if best["id"] == "operation":  # 服务热线运行, 援助工作站运行: running a service is the service, not upkeep
        run = max((name.rfind(t) for t in _RUNNING if t in name), default=-1)
        for a in archetypes():
            if a.get("names_the_work") and run >= 0 and any(
                    0 <= run - (name.rfind(t, 0, run) + len(t)) <= 3 for t in a["triggers"] if t in name[:run]):
                return a
    # nothing says what the money does: the work itself (任务量, 成果, 节点), not another archetype's objects
    return best if score(best) > (-1, 0, 0) else next(a for a in archetypes() if a["id"] == "work")


def _phrases(text: str, triggers: list[str]) -> int:
    """How many separate phrases of the text say the triggers: 科普宣教点 is one phrase with two triggers in it, so a
    purpose that sets up one 科普宣教点 does not outweigh one that says 巡护 and 监测."""
    spans = sorted((m.start(), m.start() + len(t)) for t in triggers for m in re.finditer(re.escape(t), text))
    count, end = 0, -1
    for start, stop in spans:
        if start > end:
            count += 1
        end = max(end, stop)
    return count


# the operation triggers that say a thing is kept running, not repaired (运行 and 运营, unlike 维修 and 养护)
_RUNNING = ("运行", "运营", "运转")


_BILL = re.compile(r"^[\u4e00-\u9fff]{1,2}(?:费|租金)$")


def object_phrase(brief: Brief) -> str:
    """The brief's own object as a phrase: the longest run of object words in the name (else the purpose)."""
    triggers = money_acts()
    stop = GENERIC | triggers
    quoted = re.search(r"[“\"‘《「]([\u4e00-\u9fff]{2,12})[”\"’》」]", brief.name)
    if quoted:  # a name that quotes its object (基层“侨胞之家”建设补助, “三支一扶”人员补贴) names it exactly
        return quoted.group(1)
    for text in (brief.name, brief.purpose):
        text = re.sub(r"\d{4}(?:—|-|－|至)?(?:\d{4})?年(?:度)?|[（(][^）)]*[）)]", "", text)
        from retrieval.bm25 import _jieba

        runs, current, pending = [], [], []
        tokens = _with_institutions(_jieba().lcut(text, HMM=True), triggers)
        stripped = [_strip_suffix(tok, stop) for tok in tokens]
        for tok in stripped:
            if (re.match(r"^[\u4e00-\u9fff]{2,}$", tok) and tok not in stop) or (current and tok in _HEAD_NOUNS | _HEAD_WORDS):
                current += pending + [tok]
                pending = []
            elif current and tok in GENERIC and tok not in triggers and len(pending) < 1:
                pending.append(tok)  # 邮政普遍服务网点: a generic word inside an object's name stays
            else:
                if current:
                    runs.append("".join(current))
                current, pending = [], []
        if current:
            runs.append("".join(current))
        if runs:
            # the longest run, a whole one before one cut short by a trailing act (秸秆, not 综合 of 综合利用);
            # head-final: of two as long, the later one (机场新开及加密航线 -> 加密航线); a bill the money pays
            # (电费, 租金) is not what the project keeps going (路灯维护及电费 -> 路灯)
            best = max(reversed([(_strip_acts(r), r) for r in runs]),
                       key=lambda p: (not _BILL.search(p[0]), len(p[0]), p[0] == p[1]))[0]
            return _whole_term(best, tokens, stripped, triggers) if len(best) <= 2 else best
    return brief.name


# generic nouns that are part of a term when they stand next to a short object word (食品安全, 政务服务, 乡村振兴,
# 公共机构节能); places, levels, money and verbs (本级, 推进, 经费) never are
_TERM_GENERICS = frozenset("安全 服务 公共 机构 乡村 农村 城乡 城市 城镇 社区 基础 设施 设备 系统 平台 质量 能力 体系".split())


def _whole_term(stub: str, tokens: list[str], stripped: list[str], triggers: frozenset[str]) -> str:
    """A two-character object with the generic words the name writes around it (食品 + 安全, 乡村 + 振兴, 公共 + 机构 +
    节能, 海外 + 安全): each generic alone says nothing, but the user's term is the whole of them, and a row named 食品抽检
    or 振兴资金 is not theirs. `tokens` are object_phrase's words of the name, `stripped` the same without fund and act
    suffixes."""
    if stub not in stripped:
        return stub
    k = stripped.index(stub)

    def glue(tok: str) -> bool:
        return tok in _TERM_GENERICS and tok not in triggers

    core, whole = stub, tokens[k] == stub  # whole: the word was not cut short by an act (节能改造 -> 节能 was)
    if tokens[k].startswith(stub) and glue(tokens[k][len(stub):]):  # 食品安全 lost its 安全 as a generic word
        core, whole = tokens[k], True
    before = k
    while before > 0 and k - before < 2 and glue(tokens[before - 1]):
        before -= 1
    after = tokens[k + 1] if whole and k + 1 < len(tokens) and glue(tokens[k + 1]) else ""
    return "".join(tokens[before:k]) + core + after


def _with_institutions(tokens: list[str], acts: frozenset[str]) -> list[str]:
    """Tokens with an act word (or a word ending in one) joined to the place or body after it: 培训 + 机构 ->
    培训机构, 职业技能培训 + 中心 -> 职业技能培训中心."""
    out: list[str] = []
    for tok in tokens:
        if out and tok in _INSTITUTIONS and any(out[-1].endswith(a) for a in acts):
            out[-1] += tok
        else:
            out.append(tok)
    return out


def _strip_acts(run: str) -> str:
    """The phrase without trailing acts, keeping at least two characters."""
    for act in _TRAILING_ACTS + WORK_KINDS:
        if run.endswith(act) and len(run) - len(act) >= 2:
            return _strip_acts(run[: -len(act)])
    return run


def _strip_suffix(tok: str, stop: set[str]) -> str:
    """A word without a trailing fund or action word (人才公寓运营补贴 -> 人才公寓, 办案经费 -> 办案)."""
    tok = _FUND_SUFFIX.sub("", tok) if len(tok) > 2 else tok
    for word in sorted(stop - _HEAD_WORDS, key=len, reverse=True):  # 友好城市 keeps its head
        if len(word) >= 2 and tok.endswith(word) and len(tok) - len(word) >= 2:
            return _strip_suffix(tok[: -len(word)], stop)
    return tok


def _unit(brief: Brief, archetype: dict, obj: str = "") -> str:
    """The unit the brief states its main count in, else the archetype's default. First a count of the object itself
    (办公用房2400平方米 for a lease of 办公用房, in an area where the archetype measures one), then any other count: in
    租赁办公用房2400平方米，用于安置6个部门 the 部门 are who uses the rooms, and 144000元/个 was no rent anyone pays."""
    measures = "{MEASURE}" in json.dumps(archetype, ensure_ascii=False)
    usable = set(_COUNT_UNITS) | ({u for u, n in _UNIT_NOUN.items() if n == "面积"} if measures else set())
    quantities = brief.quantities()
    # the object itself, not a word it shares (治超行动24次 is not a count of 公路治超检测站)
    own = [q for q in quantities if obj and len(q.object) >= 2 and (obj in q.object or q.object in obj)
           and q.base[1] in usable]
    for q in own + quantities:
        unit = q.base[1]
        if unit in _COUNT_UNITS or q in own:
            return unit  # as the user wrote it: 286名 stays 名
    return archetype["default_unit"]


def quantity_row(q: Quantity, brief: Brief, layout: str) -> Indicator:
    """A 数量指标 for a stated quantity, named after what it counts (6部电梯 -> 电梯数量, 1.1万名在校学生 -> 在校学生人数)."""
    unit = q.base[1]
    noun = q.object or _VERBS.sub("", brief.name)
    if noun in _MEASURE_ENDS:  # 面积12万亩 says the measure, the name says of what (托管 + 面积)
        noun = object_phrase(brief) + noun
    name = noun if q.names_measure else f"{noun}{_UNIT_NOUN.get(unit, '数量')}"
    if noun in _BODIES and (verb := re.search(r"(归集|覆盖|涉及|接入|联通|服务|指导|督查|检查|走访)$", q.lead)):
        # 归集43个部门的公共数据: the 部门 say whose data, so the row says it too, not a bare 部门数量
        whose = re.match(r"的([\u4e00-\u9fff]{2,8})", q.tail[len(noun):])
        name = f"{verb.group(1)}{whose.group(1)}的{name}" if whose else f"{verb.group(1)}{name}"
    return Indicator(level1=level1_for(QUANTITY, layout) or "产出指标", level2=QUANTITY, name=name,
                     description=f"按项目实施方案完成的{name}，以验收资料和工作台账为准",
                     value=f"{q.op}{q.raw}" if q.raw[:1].isdigit() else f"{q.op}{number_text(q.number)}{q.unit}",  # 两项 -> =2项
                     basis=f"计划标准：{brief.name}实施方案及年度工作计划")


def cost_part_row(part: CostPart, brief: Brief, layout: str) -> Indicator:
    """A 成本指标 for an amount the user stated for one part of the money (路灯电费86万元 -> 路灯电费支出 ≤86万元): the
    part is kept within what was budgeted for it, and the reviewer sees the figure the budget was built from."""
    from assistant.rules.names import _process_term

    paid = part.item.endswith(("补助", "补贴", "奖励", "奖补", "报酬"))
    item = part.item
    name = item if item.endswith(("支出", "成本")) else item + ("发放总额" if paid else "支出")
    if _process_term(name):  # 办公经费支出, 消费券资金支出 read as the money's use, not what it buys: 消费券支出
        name = re.sub(r"(?:专项)?(?:经费|资金)$", "", item) + "支出"
    level2 = convert_level2(COST2, layout) or COST2
    return Indicator(level1=level1_for(level2, layout) or "产出指标", level2=level2, name=name,
                     description=f"{brief.name}全年{part.item}实际{'发放' if paid else '支出'}金额，以财务账面支出为准，"
                                 f"不超过预算安排的{part.raw}",
                     value=f"≤{part.raw}", basis=f"预算支出标准：{brief.name}预算明细（{part.item}{part.raw}）")


def rate_row(rate, brief: Brief, layout: str) -> Indicator:
    """A 成本指标 for a per-unit standard the user stated that no row of the draft holds (每人慰问金500元 -> 慰问金标准
    =500元/人; 人均年工资5.4万元 -> 人均年工资标准 =5.4万元/人·年; 每件3000元 -> the project's name + 标准): the
    reviewer checks the budget against it."""
    said = re.sub(r"(?:标准)?(?:为|按|约)?\d+(?:\.\d+)?(?:万元|元)$", "", rate.raw)
    # the 每人每月 part is the unit's (元/人·月); what is left says of what (慰问金, 年工资, 办案补贴)
    rest = re.sub(r"^每(?:人每)?" + re.escape(rate.per), "", said)
    rest = rest.replace("每" + rate.period, "").removeprefix(rate.period) if rate.period else rest
    period = rate.period
    if not period and (every := re.search(r"每(年|月|天|日)", rest)):  # 每名督导员每月补助800元: per 名 and 月
        period, rest = every.group(1), rest.replace(every.group(0), "")
    rest = re.sub(r"^(?:发放|给予|一次性)+", "", rest)
    rest = "" if re.fullmatch(r"(?:补助|补贴|奖励|奖补|资助|费用|经费|标准)?", rest) else rest
    subject = re.sub(r"^\d{4}年(?:度)?|(?:专项资金|专项经费|工作经费|经费|资金|项目)$", "", brief.name)
    name = rate.lead + rest if (rate.lead or rest) else subject
    name = name if name.endswith(("标准", "单价", "定额")) else name + "标准"
    money = "万元" if "万元" in rate.raw else "元"
    amount = rate.amount / (10000 if money == "万元" else 1)
    unit = f"{money}/{rate.per}" + (f"·{period}" if period and period != "次" else "")
    level2 = convert_level2(COST2, layout) or COST2
    return Indicator(level1=level1_for(level2, layout) or "产出指标", level2=level2, name=name,
                     description=f"{brief.name}执行的{name}，以发放（支付）台账和财务账面支出为准",
                     value=f"{rate.op}{number_text(amount)}{unit}",
                     basis=f"预算支出标准：{brief.name}实施方案确定的标准（{rate.raw}）")


def _act(brief: Brief) -> str:
    for verb in ("改造", "修缮", "加固", "整治", "新建", "建设"):
        if verb in brief.name or verb in brief.purpose:
            kind = next((k for k in WORK_KINDS if k != verb and k + verb in brief.name), "")
            return kind + ("建设" if verb == "新建" else verb)
    return "建设改造"


def _fund(brief: Brief, obj: str) -> str:
    """What a subsidy is called in the name (扶持资金, 运营补贴 -> 补贴), so rows can say whose it is and what it is:
    农村专业技术协会扶持资金 is paid to the 协会, 高龄津贴 to the elderly. Empty when the object already says it."""
    subsidy = next(a for a in archetypes() if a["id"] == "subsidy")["triggers"]
    if obj.endswith(tuple(subsidy)):
        return ""
    ends = [(brief.name.rfind(t) + len(t), len(t), t) for t in subsidy if t in brief.name]
    if not ends:
        return "补助资金"
    end, _, word = max(ends)
    return word + "资金" if brief.name[end:end + 2] == "资金" else word


def _own_count_object(brief: Brief, obj: str, quantities: list[Quantity]) -> str:
    """The object, widened to a stated count's fuller wording in the name: 扶持茶叶等农村专业技术协会12个 names the
    农村专业技术协会 that the name's 技术协会 is short for."""
    for q in quantities:
        noun = _VERBS.sub("", q.object)
        if obj in noun and noun != obj and noun in brief.name and len(noun) <= 12:
            return noun
    return obj


def archetype_rows(brief: Brief, archetype: dict, obj: str, filler: SlotFiller) -> list[Indicator]:
    """The archetype's rows in the brief's layout, naming the brief's object, with the slots the brief fills. The
    main count row takes a stated count; when that count is of something other than the object (年接听来电4,000人次
    for a 热线), the row is named after what the count counts, not the archetype's 热线数量."""
    unit, act, fund = _unit(brief, archetype, obj), _act(brief), _fund(brief, obj)
    out = []
    for row in archetype["rows"]:
        level2 = convert_level2(row["level2"], brief.layout)
        if level2 is None:
            continue
        text = {k: row[k].replace("建设改造", act).replace("{OBJ}", obj).replace("{FUND}", fund)
                .replace("{PROJECT}", brief.name).replace("{UNIT}", unit)
                .replace("{MEASURE}", "面积" if _UNIT_NOUN.get(unit) == "面积" else "数量")
                for k in ("name", "description", "value", "basis")}
        ind = Indicator(level1=level1_for(level2, brief.layout) or "", level2=level2, name=text["name"],
                        description=filler.fill(text["description"]), value=filler.fill(text["value"]),
                        basis=filler.fill(text["basis"]))
        q = _bound_count(text["value"], filler) if level2 == QUANTITY else None
        if q is not None and _VERBS.sub("", q.object) and not cjk_bigrams(q.object) & cjk_bigrams(obj) \
                and not _scope_count(brief, q):
            # the count is of something else than the object: its own row, with the value as filled
            ind = quantity_row(q, brief, brief.layout).model_copy(update={"value": ind.value})
        out.append(ind)
    return out


def _scope_count(brief: Brief, q: Quantity) -> bool:
    """True when the count says where or over what the work is done, not what it produces: 在30个网点投放, 分发至
    16个市县, 归集43个部门的公共数据. Such a count does not name the main count row."""
    text = f"{brief.name}，{brief.purpose}"
    at = text.find(q.raw)
    if at < 0:
        return False
    before, after = text[max(0, at - 3):at], text[at + len(q.raw):]
    after = after[len(q.object):] if after.startswith(q.object) else after
    # 8座四类、五类危桥: the words after the count are a list of kinds, its object comes after them
    return bool(re.search(r"(在|至|向|于|覆盖|涉及)(全|约|共)?$", before)) or after.startswith(("的", "、", "和", "及"))


def _bound_count(template: str, filler: SlotFiller) -> Quantity | None:
    """The stated quantity the filler gave to the template's count slot, if any."""
    for m in SLOT_RE.finditer(template):
        if m.group("kind") == "N" and m.group("label") in filler.bound:
            return filler.bound[m.group("label")]
    return None


@lru_cache(maxsize=4)
def _distinctive(key: int) -> frozenset[str]:
    from retrieval.library import load_library

    from collections import Counter

    sets = load_library()
    owners = Counter(k for s in sets for k in set(s.keywords))
    texts = list(library_texts().values())
    # a keyword of one type only, and named by at most two types' rows: an object, not shared vocabulary (工单, 公示)
    return frozenset(k for k, n in owners.items() if n == 1 and len(k) >= 2 and k not in GENERIC
                     and sum(any(k in part for part in t) for t in texts) <= 2)


def foreign_words(text: str, brief_text: str) -> list[str]:
    """Words that belong to one other project type (its own keywords) found in text and not in the brief."""
    from retrieval.library import load_library

    words = _distinctive(len(load_library()))
    return sorted(w for w in words if w in text and w not in brief_text)


def own_objects_only(name: str, brief_text: str) -> bool:
    """True when every object word of an indicator name is the brief's own (and there is at least one), and the
    name without its measure is mostly the brief's wording (获奖补企业满意度 is about award winners, not 企业)."""
    objects = [t for t in _tokens(name) if not _MEASURE.search(t) or len(t) > 3]
    objects = [t for t in objects if t not in GENERIC]
    if not objects or not all(_found(t, brief_text) for t in objects):
        return False
    grams = cjk_bigrams(_MEASURE.sub("", name))
    return not grams or len(grams & cjk_bigrams(brief_text)) >= 0.5 * len(grams)


def _cites_its_own_type(row_text: str, set_name: str, brief_text: str) -> bool:
    """A row whose 解释 or 依据 names the project type it comes from (“办公用房维修改造方案批复”) speaks of that
    project, unless the brief names it too."""
    name = re.sub(r"[（(].*?[）)]", "", set_name or "")
    return len(name) >= 4 and name in row_text and name not in brief_text


def _measured_already(name: str, names: list[str]) -> bool:
    """A row that says only what another row measures (改造完工时间 beside 危旧桥梁工程完工时间): without its generic and
    act words, its measure is inside a row the table has. Two completion dates for one work are one too many."""
    from retrieval.bm25 import _jieba

    core = "".join(t for t in _jieba().lcut(name) if t not in GENERIC and t not in money_acts())
    return len(core) >= 2 and any(core in n for n in names if n != name)


def retrieved_rows(brief: Brief, store, level2s: list[str], have: list[Indicator],
                   filler: SlotFiller) -> list[tuple[Indicator, str, str]]:
    """Single library indicators per 二级 whose objects are all the brief's own, with their set id and name."""
    brief_text = " ".join(x for x in (brief.name, brief.purpose, brief.goal) if x)
    picked: list[tuple[Indicator, str, str]] = []
    names = [r.name for r in have]
    for level2 in level2s:
        lib_level2 = "成本指标" if "成本" in level2 else level2
        taken = 0
        for hit in store.search_indicators(brief.text, k=12, level2=lib_level2, layout=brief.layout):
            m = hit.metadata
            row_text = f"{m.get('name', '')}{m.get('description', '')}{m.get('basis', '')}"
            if taken >= MAX_RETRIEVED_PER_LEVEL2 or "{" in m.get("name", ""):
                break
            if not own_objects_only(m.get("name", ""), brief_text) or foreign_words(row_text, brief_text):
                continue
            if _cites_its_own_type(row_text, m.get("set_name", ""), brief_text):
                continue
            if any(jaccard(m.get("name", ""), n) > 0.5 for n in names) or _measured_already(m.get("name", ""), names):
                continue
            ind = Indicator(level1=level1_for(level2, brief.layout) or "", level2=level2, name=m["name"],
                            description=filler.fill(m.get("description", "")), value=filler.fill(m.get("value", "")),
                            basis=filler.fill(m.get("basis", "")))
            picked.append((ind, m.get("set_id", ""), m.get("set_name", "")))
            names.append(ind.name)
            taken += 1
    return picked


def compose(brief: Brief, store, filler: SlotFiller) -> Composition:
    """The composed table for a brief no library type fits."""
    archetype = choose_archetype(brief)
    obj = _own_count_object(brief, object_phrase(brief), filler.quantities)
    rows = archetype_rows(brief, archetype, obj, filler)
    level2s = list(dict.fromkeys(r.level2 for r in rows))
    extra = retrieved_rows(brief, store, level2s, rows, filler) if store is not None else []
    for ind, _, _ in extra:  # after the last archetype row of the same 二级
        at = max(i for i, r in enumerate(rows) if r.level2 == ind.level2) + 1
        rows.insert(at, ind)
    return Composition(archetype, obj, rows, composed=[r.name for r in rows if r.name not in {e[0].name for e in extra}],
                       retrieved=[(e[0].name, e[1], e[2]) for e in extra])


def composition_note(brief: Brief, comp: Composition, nearest: str, fit) -> str:
    """What the user is told about a composed draft, in Chinese; `fit` is the nearest type's Fit."""
    if fit.clash:  # the objects may match, the work does not: 建设补贴 is not 改造
        mine, theirs = fit.clash.split("≠")
        why = f"最接近的“{nearest}”做的是{theirs}，本项目资金用于{mine}"
    elif fit.kind:  # the same thing, another kind: 空气质量 自动监测站 is not a 水质 one
        mine, theirs = fit.kind.split("≠")
        why = f"最接近的“{nearest}”针对的是{theirs}，本项目针对的是{mine}"
    elif fit.unmeasured:  # the objects match, but nothing the type's rows count is bought or built
        why = f"最接近的“{nearest}”的指标不计量{fit.unmeasured}内容，本项目资金用于{fit.unmeasured}"
    elif fit.head and fit.head in fit.missing:  # it matches what is done (租赁), not what it is done to (办公用房)
        why = f"最接近的“{nearest}”不涉及本项目的对象“{fit.head}”"
    else:
        why = f"最接近的“{nearest}”对象吻合度仅{fit.score:.0%}"
    note = (f"示范指标库中没有与“{brief.name}”相符的项目类型（{why}），"
            f"因此未套用其他项目的指标：其中{len(comp.composed)}行按“{comp.archetype['name']}”类通用框架组合起草，"
            f"以“{comp.obj}”为对象，请逐项核对口径和目标值")
    if comp.retrieved:
        names = "、".join(f"“{n}”（取自“{s}”）" for n, _, s in comp.retrieved)
        note += f"；另有{len(comp.retrieved)}行取自示范库中对象相同的单项指标：{names}"
    return note + "。"
