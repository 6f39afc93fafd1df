"""What a user tells us about a project (a brief), and the quantities stated in it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.taxonomy import Layout, clean

MAX_TEXT = 4000

# longest first, so 万平方米 wins over 平方米 and 人次 over 人
_UNITS = sorted("""平方米 ㎡ 平米 亩 公顷 公里 千米 米 辆 台 套 部 个 所 座 处 条 场 场次 次 批次 批 期 班 人次 人 名 户 家 吨
盏 株 只 头 艘 块 册 件 项 篇 份 学时 课时 间 张 宗 起 路 根 眼 口 栋 幢 棵 羽 网点 点位 台套 门 期次 场馆 画幅 页 卷 件次
家次 户次 台件 台次 车次 架次 例 份次 立方米 方 千瓦 千瓦时 兆瓦 册次 单 宗次 亩次 个次 所次 具 顶 平方公里 字 对 种 辆次 艘次
人日 叶 轮 樘 届 人份 点次 组 头份 架 延米 枚 发 站次 支""".split(),
                key=len, reverse=True)
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(?P<num>\d+(?:[.,，]\d+)*|[一二两三四五六七八九十百]{1,4})"
_QTY_RE = re.compile(_NUM + r"\s*(?P<unit>[万亿]?(?:" + "|".join(map(re.escape, _UNITS)) + r"))")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
# a name before a count may hold Latin letters (DR数字X光机, LED路灯, 5G基站, CT机): one run with its Chinese
# (one letter per step: no nested quantifier to backtrack through on a long run of letters)
_NAME_RUN = re.compile(r"(?:[A-Za-z]|\d+[A-Za-z]|[\u4e00-\u9fff])*[\u4e00-\u9fff]")
# work verbs and joining words that bound the object a quantity counts (6部电梯进行改造 -> 电梯)
_WORK_VERBS = ("新建 建设 完成 实施 开展 组织 举办 养护 维修 更换 购置 采购 配备 配置 改造 新增 保障 覆盖 培训 抽检 资助 发放 "
               "安装 聘用 选派 服务 放映 处治 检测 治理 营造 修建 开发 安置 转运 处理 储备 提供 进行 涉及 管护 参加 接入 "
               "满足 给予 补助 救助 慰问 筛查 接种 巡查 整治 提升 更新 建成 投放 收集 铺设 种植 栽植").split()
_OBJECT_CUT = re.compile("|".join(_WORK_VERBS) + r"|[的和及并等与、]")
_LEAD_WORDS = re.compile(r"^(?:为|对|将|把|在|共|约|全年|年度|全县|全区|全市|全镇|全乡|城区|累计|设立|设置|增设|新设)+")
# words that qualify the number, not the object: 新接入单位约210家 counts 单位, not 单位约
_TRAIL_WORDS = re.compile(r"(?:约|近|超过|超|逾|共计|共|合计|计|达到|达|不少于|不低于|以上)+$")
_MEASURE_ENDS = ("面积", "长度", "里程", "人数", "数量", "次数", "场次", "户数", "人次", "个数", "总量", "规模", "吞吐量",
                 "流量", "用量", "产量", "销量", "总长", "全长", "容量", "库容")


# units that count people, households or organisations: Chinese puts the count after them (志愿者40名, 边民3200人)
_PEOPLE_UNITS = ("人", "名", "户", "家", "人次", "户次", "家次")
# heads that say little alone: the work before them stays (新接入单位 counts 接入单位, not 单位)
_BARE_HEADS = ("单位", "人员", "对象", "企业", "群众", "用户", "项目", "事项")
# what follows a count when it counts the words before it: how or to whom it is given (公共充电桩约1,000个按功率给予)
_NOT_OBJECT_AFTER = ("按", "给予", "予以", "赴", "于", "用于", "由", "向", "经", "通过", "分别", "以上", "左右", "日常")
# a place or the whole jurisdiction before a count says where, not what (为全县1.28万名农村义务教育学生)
_PLACE = re.compile(r"(?:^.{0,3}|[全本各])[省市县区镇乡村]$")


_LIGHT_VERBS = ("开展", "进行", "组织", "实施", "完成")
_PLACE_ENDS = tuple("站所室馆院点队库场厂")
# what a counted thing is kept doing, after the count (2个全天候运行, 3处24小时开放): how, not what is counted
_KEPT_GOING = ("运行", "运营", "运转", "开放", "值守", "在线")


def _counts_people(unit: str) -> bool:
    return unit.lstrip("万亿") in _PEOPLE_UNITS


@lru_cache(maxsize=4096)
def _pos(text: str) -> tuple[tuple[str, str], ...]:
    """jieba's words with their part of speech (the global tokenizer: the library's keywords stay whole)."""
    from retrieval.bm25 import _jieba

    _jieba()
    import jieba.posseg

    return tuple((w.word, w.flag) for w in jieba.posseg.lcut(text or "", HMM=True))


def _noun_before(run: str) -> str:
    """The object a count that follows it counts: the run's last phrase after a work verb or a joining word
    (…保险的宗教教职人员286名), with the work before a bare head (新接入单位), and the object of an activity the run
    ends with (对…单位开展检查 -> 单位检查)."""
    run = re.sub(r"^[个台套辆处座所条名人户家次项件场期批]?[和并、]", "", run)  # 个和移动监测车3辆: the last count's
    # a work verb that begins a place's name is part of it (检测站, 培训中心, 服务点): no cut there
    cuts = [m.span() for m in _OBJECT_CUT.finditer(run) if len(m.group(0)) > 1
            and not (run[m.end():m.end() + 1] in _PLACE_ENDS or run[m.end():].startswith(("中心", "基地", "机构")))]
    if cuts and cuts[-1][1] == len(run):  # 开展宫颈癌筛查8000人, 开展检查850家次: the activity itself
        noun = run[cuts[-2][1] if len(cuts) > 1 else 0:]
        if noun in _WORK_VERBS and len(cuts) > 1:
            # an activity alone: the phrase before its light verb says of what (出版物经营单位 + 检查)
            phrase = _last_phrase(run[:cuts[-2][0]])
            noun = phrase + noun if len(phrase) >= 2 else noun
    else:
        start = cuts[-1][1] if cuts else 0
        noun = _last_phrase(run[start:])
        words = _pos(noun)
        if cuts and run[cuts[-1][0]:start] in _LIGHT_VERBS and len(words) == 1 and words[0][1] in ("v", "vn"):
            # 对…出版物经营单位开展检查850家次: an activity alone, of the phrase before its light verb
            phrase = "".join(w for w, _ in _pos(_last_phrase(run[:cuts[-1][0]]))[-3:])
            noun = phrase + noun if len(phrase) >= 2 else noun
        if noun in _BARE_HEADS and cuts and cuts[-1][1] == len(run) - len(noun) \
                and run[cuts[-1][0]:cuts[-1][1]] not in ("涉及", "覆盖", "服务", "保障"):
            noun = run[cuts[-1][0]:]  # 接入单位
    noun = _TRAIL_WORDS.sub("", _LEAD_WORDS.sub("", noun))
    words = _pos(noun)
    if len(words) > 1 and words[0][1] in ("m", "t", "q") and len(words[0][0]) == 1 \
            and not noun[1:2].isascii():  # 年接听来电: not the object; 5G基站 is one
        noun = noun[1:]
    return noun


def _last_phrase(text: str) -> str:
    """The text after its last 的 or 等 (what qualifies the object), when that leaves two characters or more."""
    last = re.split(r"[的等]", text)[-1]  # 和/及 join two things the count covers (纠纷及咨询), 的/等 end a qualifier
    last = last.lstrip("和及并与、")
    return last if len(last) >= 2 else text


def cn_number(text: str) -> float | None:
    """'12', '1,236', '两', '十二', '一百二十' -> number."""
    text = text.replace(",", "").replace("，", "")
    try:
        return float(text)
    except ValueError:
        pass
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return float(total + current)


@dataclass(frozen=True)
class Quantity:
    """A stated quantity: '6部电梯' -> number 6, unit 部, after '电梯'."""

    number: float
    unit: str
    raw: str
    before: str
    after: str
    lead: str = ""  # the longer runs of characters before and after the number, for the object noun
    tail: str = ""
    follows_count: bool = False  # the run before starts right after another number: 32所农村义务教育学校约1.1万名

    @property
    def object(self) -> str:
        """What the quantity counts: 1.1万名在校学生提供… -> 在校学生; 配备灭火器480具 -> 灭火器; 公共充电桩约1,000个按
        功率给予补贴 -> 公共充电桩; 对出版物经营单位开展检查850家次 -> 出版物经营单位检查; 进站博士后12名 -> 进站博士后."""
        tail = self.tail or self.after
        run = self.lead or self.before
        if self.follows_count:  # the previous count's unit and object, not this count's
            run = re.sub("^[万亿]?(?:" + "|".join(map(re.escape, _UNITS)) + ")", "", run)
        before = _noun_before(_TRAIL_WORDS.sub("", run))
        after = _TRAIL_WORDS.sub("", _OBJECT_CUT.split(tail)[0])
        says_what_is_done = tail.startswith(_NOT_OBJECT_AFTER) or (len(after) <= 2 and after == tail
                                                                   and _pos(after)[:1] and _pos(after)[0][1] == "v") \
            or (after.endswith(_KEPT_GOING) and len(before) >= 2)  # 检测站2个全天候运行 counts 检测站
        people_first = _counts_people(self.unit) and len(before) >= 2 and not _PLACE.search(before) \
            and not self.follows_count
        if len(after) >= 2 and not says_what_is_done and not people_first:
            return after
        return before if len(before) >= 2 else ""

    @property
    def op(self) -> str:
        """The bound the user put on the number: 不少于600份 is ≥, 不超过3年 and 最高20万元 are ≤, else =."""
        return stated_bound(self.before, self.after)

    @property
    def names_measure(self) -> bool:
        """True when the object already names a measure (改造建筑面积18万平方米 -> 建筑面积)."""
        return self.object.endswith(_MEASURE_ENDS)

    @property
    def base(self) -> tuple[float, str]:
        """Number and unit without a 万 or 亿 prefix: 2万亩 -> (20000, 亩), 2亿条 -> (200000000, 条)."""
        if self.unit[:1] in ("万", "亿") and len(self.unit) > 1:
            return self.number * (10000 if self.unit[0] == "万" else 100_000_000), self.unit[1:]
        if self.unit in ("㎡", "平米"):
            return self.number, "平方米"
        if self.unit == "千米":
            return self.number, "公里"
        return self.number, self.unit

    @property
    def context(self) -> str:
        return self.before + self.after


def extract_quantities(text: str) -> list[Quantity]:
    """Quantities stated in free text (years, dates, money and percentages are not quantities)."""
    out: list[Quantity] = []
    for m in _QTY_RE.finditer(text or ""):
        start, end = m.span()
        tail = text[end:end + 2]
        if tail.startswith(("年", "月", "日", "%", "％", "元")) and not tail.startswith(("日常", "日均")) \
                or text[start - 1:start] in ("第",):
            continue  # 6个月, 15日, 30%, 5元 are not counts; 监测站14个日常监测 is
        if m.group("unit") in ("个", "条", "项", "件", "次", "期") and tail.startswith(("月", "工作日")):
            continue
        if tail.startswith("性") or (m.group("unit") in ("次", "批", "期") and not m.group("num")[0].isdigit()
                                    and tail.startswith(("性", "到位", "完成"))):
            continue  # 一次性 is not a quantity
        if not m.group("num")[0].isdigit() and text[start - 2:start - 1] in _CN_DIGITS and start >= 2:
            continue  # a slogan's parallel numerals (一带一路, 一村一品, 三支一扶, 两学一做) count nothing
        if m.group("unit") in ("对", "种") and (m.group("num") == "一" or tail[:1].isdigit() or tail[:1] in _CN_DIGITS):
            continue  # 一对一帮扶, 1对1, 一种: a manner, not a count
        number = cn_number(m.group("num"))
        if number is None or number == 0:
            continue
        runs = _NAME_RUN.findall(text[max(0, start - 16):start])
        before = runs[-1][-6:] if runs and text[start - 1:start] and _CJK.match(text[start - 1:start]) else ""
        after_m = _CJK.match(text[end:end + 16])
        lead = runs[-1][-16:] if before else ""
        after = after_m.group(0) if after_m else ""
        run_start = start - len(lead)
        follows = bool(lead) and len(lead) == len(runs[-1]) and run_start > 0 and text[run_start - 1].isdigit()
        out.append(Quantity(number, m.group("unit"), m.group(0), before, after[:6], lead, after, follows))
    return out


_FLOOR_BEFORE = re.compile(r"(?:不少于|不低于|至少)约?$")
_CAP_BEFORE = re.compile(r"(?:不超过|不高于|最多|最高|至多)约?$")


def stated_bound(before: str, after: str = "") -> str:
    """The operator the words around a stated number give it: ≥ after 不少于 or before 以上, ≤ after 不超过/最高 or
    before 以内/以下, else =."""
    if _FLOOR_BEFORE.search(before) or after.startswith("以上"):
        return "≥"
    if _CAP_BEFORE.search(before) or after.startswith(("以内", "以下")):
        return "≤"
    return "="


@dataclass(frozen=True)
class Rate:
    """A stated standard: '每生每年2300元' -> 2300 元 per 生 (per 年)."""

    amount: float  # in 元
    per: str
    period: str
    raw: str
    op: str = "="  # 最高每人20万元 is a cap: ≤
    lead: str = ""  # what the standard is for, said just before it: 集中养育每人每月1800元 -> 集中养育


# what a standard is per: any counted unit a quantity may have (每盏, 每公里, 每批次), not money or time
# (and hours of work: 补贴标准每小时25元 is a price per hour of service, 每人天300元 one per day of a person's work)
# (and meals: 每餐3元, 每人每餐3元 is a price per meal served, a 人次 of dining)
_PER_UNITS = sorted({u for u in _UNITS if u not in ("字", "页", "叶")} | {"生", "村", "床", "小时", "工时", "人天", "餐"},
                    key=len, reverse=True)
_PER = r"(?:人每(?=餐))?(?P<per>" + "|".join(map(re.escape, _PER_UNITS)) + ")"
# between the unit and the amount: a period (每人每月), and a short phrase that ends in what the money is, so
# 每盏年维护费120元 and 每个行政村补助5万元 are standards, but 每村建成1个站点、投资50万元 is not
_COST_WORDS = r"(?:补助|补贴|奖补|奖励|资助|扶持|救助|发放|标准|费用|费|单价|造价|经费|成本|资金|投入|投资|定额|工资|薪酬|报酬|慰问金)"
_RATE_RES = [
    re.compile(r"每" + _PER + r"(?:每)?(?P<period>年|月|天|日|学期|次)?"
               r"(?:[\u4e00-\u9fff]{0,6}?" + _COST_WORDS + r")?(?:标准)?(?:为|按|约)?"
               r"(?P<num>\d+(?:\.\d+)?)(?P<unit>万元|元)"),
    re.compile(r"(?P<num>\d+(?:\.\d+)?)(?P<unit>万元|元)\s*/\s*" + _PER + r"(?:[·.]?(?P<period>年|月|天|日|学期))?"),
    # 人均年工资5.4万元, 户均补助3000元, 生均公用经费720元: an average per person, household or pupil
    re.compile(r"(?P<per>人|户|生)均(?P<period>年|月|天|日)?"
               r"(?:[\u4e00-\u9fff]{0,6}?" + _COST_WORDS + r")(?:标准)?(?:为|按|约)?(?P<num>\d+(?:\.\d+)?)(?P<unit>万元|元)"),
]


# words before a standard that say how it is paid, not for what (按, 给予, 标准为, 最高)
_RATE_LEAD = re.compile(r"^.*(?:按照|按|给予|分别|其中|发放|补助|奖励|资助|标准为|最高|不超过|不高于|为)|(?:的)$")


def extract_rates(text: str) -> list[Rate]:
    """Per-unit standards stated in free text (每生每天5元, 300元/亩, 每家10万元, 每盏年维护费120元)."""
    out = []
    for pattern in _RATE_RES:
        for m in pattern.finditer(text or ""):
            amount = float(m.group("num")) * (10000 if m.group("unit") == "万元" else 1)
            op = stated_bound(text[max(0, m.start() - 4):m.start()], text[m.end():m.end() + 2])
            before = re.search(r"[\u4e00-\u9fff]{0,10}$", text[:m.start()]).group(0)
            lead = _RATE_LEAD.sub("", before)
            out.append(Rate(amount, m.group("per"), m.group("period") or "", m.group(0), op,
                            lead if len(lead) >= 2 else ""))
    return out


@dataclass(frozen=True)
class CostPart:
    """A stated amount for one part of the money: '全年支付路灯电费86万元' -> 路灯电费, 860000 元, as '86万元'."""

    item: str
    amount: float  # in 元
    raw: str  # the number and unit as the user wrote them: 86万元


# a part is named by what it pays for, ending in a money word (电费, 设备购置费, 劳务报酬, 租金)
_PART_ENDS = ("费", "费用", "经费", "资金", "款", "租金", "补助", "补贴", "奖励", "奖补", "报酬", "支出", "成本", "价款", "税",
              "工资", "薪酬", "保险")
_PART_RE = re.compile(r"(?P<run>[\u4e00-\u9fff]{2,24})[：:\s]*(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<unit>万元|元)(?![/／每])")
# what comes between the item and its amount (电费约86万元, 设备购置费为40万元, 租金合计12万元)
_PART_FILLER = re.compile(r"(?:约为|约|共计|合计|总计|共|为|计|需要|需|预计|安排|列支|拟|计划|大约|不超过|不高于|最高|控制在)+$")
# the words before an item that say what is done with it, not what it is (全年支付路灯电费, 其中设备购置费)
_PART_LEAD = re.compile(r"^.*(?:支付|用于|安排|其中|包括|包含|含|列支|全年|年度|主要|以及|另有|另|需|缴纳|拨付|发放|承担)")
# a source of the money (中央财政补助资金, 县级配套, 自筹) or the whole of it (预算, 总投资, 项目资金) is no part
_NOT_A_PART = re.compile(r"财政|中央|省级|市级|县级|区级|本级|上级|配套|自筹|预算|投资|总|合计|结余|结转|"
                         r"^(?:项目|专项|工作|补助|业务|运行)?(?:资金|经费|费用|补助|补贴)$")


def extract_cost_parts(text: str, budget: float | None = None) -> list[CostPart]:
    """Amounts the user stated for parts of the money (电费86万元, 其中设备购置费40万元), not per-unit standards
    (每盏120元: a Rate), not sources of the money (中央补助资金80万元) and not the whole budget."""
    out: list[CostPart] = []
    for m in _PART_RE.finditer(text or ""):
        run = _PART_FILLER.sub("", m.group("run"))
        if "每" in run or re.search(r"[人户生]均", run) or not run.endswith(_PART_ENDS):  # a rate, not a part
            continue
        item = _PART_LEAD.sub("", run)
        if len(item) < 2 or _NOT_A_PART.search(item):
            continue
        number = float(m.group("num").replace(",", ""))
        amount = number * (10000 if m.group("unit") == "万元" else 1)
        if amount <= 0 or (budget is not None and amount >= budget) or any(p.item == item for p in out):
            continue
        out.append(CostPart(item, amount, m.group("num") + m.group("unit")))
    return out


def parse_amount(text: str | float | int | Decimal | None) -> Decimal | None:
    """'295900.00', '29.59万元', '1,000,000元', 1200000 -> Decimal 元."""
    if text is None or text == "":
        return None
    if isinstance(text, (int, float, Decimal)):
        return Decimal(str(text))
    t = clean(str(text)).replace(",", "").replace("，", "").replace(" ", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(亿元|亿|万元|万|元)?", t)
    if not m:
        raise ValueError(f"预算金额无法识别：“{text}”（示例：295900.00、29.59万元）")
    factor = {"亿元": 100_000_000, "亿": 100_000_000, "万元": 10_000, "万": 10_000}.get(m.group(2) or "", 1)
    return Decimal(m.group(1)) * factor


class BudgetLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(description="预算明细事项，如 保安服务费")
    amount: Decimal | None = Field(None, description="金额（元）")

    _amount = field_validator("amount", mode="before")(lambda v: parse_amount(v))


class Brief(BaseModel):
    """A project as the user describes it: the drafter's whole input."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="项目名称")
    purpose: str = Field("", description="资金用途 / 项目内容")
    budget: Decimal | None = Field(None, description="预算（元）；可写“29.59万元”")
    department: str = Field("", description="预算单位")
    year: int = Field(2026, description="预算年度")
    layout: Layout = Field("2015", description="指标体系")
    goal: str = Field("", description="已有的年度绩效目标（可空）")
    budget_lines: list[BudgetLine] = Field(default_factory=list, description="预算明细")
    code: str = Field("", description="项目编码（可空）")
    context: str = Field("", description="检索用的补充文字（如改写时原表的指标名称），不参与数量提取")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        v = clean(v)
        if not v:
            raise ValueError("项目名称不能为空")
        if len(v) > 200:
            raise ValueError(f"项目名称过长（{len(v)}字，上限200字）")
        return v

    @field_validator("purpose", "goal")
    @classmethod
    def _bounded(cls, v: str) -> str:
        if len(v) > MAX_TEXT:
            raise ValueError(f"文字过长（{len(v)}字，上限{MAX_TEXT}字），请只填写资金用途和主要工作内容")
        return v.strip()

    @field_validator("budget", mode="before")
    @classmethod
    def _budget(cls, v):
        amount = parse_amount(v)
        if amount is not None and amount < 0:
            raise ValueError("预算不能为负数")
        return amount

    @field_validator("year")
    @classmethod
    def _year(cls, v: int) -> int:
        if not 2000 <= v <= 2100:
            raise ValueError(f"预算年度不合理：{v}")
        return v

    @property
    def text(self) -> str:
        lines = " ".join(line.item for line in self.budget_lines)
        return " ".join(x for x in (self.name, self.purpose, self.goal, lines, self.context) if x)

    def rates(self) -> list[Rate]:
        return extract_rates(" ".join(x for x in (self.purpose, self.goal) if x))

    def cost_parts(self) -> list[CostPart]:
        """The amounts stated for parts of the money: the budget lines, then those the purpose and goal name."""
        from assistant.values import number_text

        def written(yuan: float) -> str:
            return f"{number_text(round(yuan / 10000, 6))}万元" if yuan >= 10000 else f"{number_text(yuan)}元"

        budget = float(self.budget) if self.budget is not None else None
        parts = [CostPart(clean(line.item), float(line.amount), written(float(line.amount)))
                 for line in self.budget_lines if line.amount is not None and line.amount > 0 and clean(line.item)]
        for part in extract_cost_parts(" ".join(x for x in (self.purpose, self.goal) if x), budget):
            if not any(p.item == part.item or p.amount == part.amount for p in parts):
                parts.append(part)
        return parts

    def quantities(self) -> list[Quantity]:
        return extract_quantities(" ".join(x for x in (self.purpose, self.goal, self.name) if x))
