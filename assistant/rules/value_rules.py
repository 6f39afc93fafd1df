"""Value rules (V): every 指标值 parses, points the right way and can be scored."""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from importlib import resources

from assistant.lexicon import (
    MEASURE_UNITS, POSITIVE_RATE_WORDS, REVERSE_WORDS, groups_in, has_any, is_count_name, is_rate_name,
)
from assistant.rules.base import Context, rule
from assistant.taxonomy import QUALITY, QUANTITY, TIMELINESS
from assistant.values import MONEY_UNITS, ParsedValue, normalize_unit, same_unit

_GROWTH = ("增长", "下降", "节约", "超额", "增幅", "降幅", "提高", "降低", "减少", "提升", "节支", "增速", "涨幅")
_REVERSE_RATE_ENDINGS = (
    "投诉率", "故障率", "事故率", "差错率", "发生率", "发病率", "死亡率", "返工率", "超标率", "失误率", "损失率", "辍学率",
    "流失率", "逾期率", "超支率", "误报率", "漏报率", "空置率", "报废率", "复发率", "不合格率", "涨幅",
)
_POSITIVE_CHANGE = ("下降率", "降低率", "节约率", "减少率", "减排率", "降幅", "节支率", "下降幅度", "下降", "节约", "减少")
_NONSTANDARD_UNITS = {"度": "℃", "M": "米", "m": "米", "KM": "公里", "km": "公里", "Km": "公里", "万": "万元", "平米": "平方米"}
_KNOWN_UNITS = {normalize_unit(u) for u in MEASURE_UNITS + ("万元", "元/人", "人次", "小时", "分钟", "平方米", "公里", "个月", "周")}
_NAME_UNIT = re.compile(r"[（(]\s*([^（）()]{1,6}?)\s*[）)]?\s*$")


_AVERTED = ("挽回", "避免", "减少", "降低", "防止", "下降", "节约", "节省", "压减", "减轻", "挽救", "化解", "消除")


@lru_cache(maxsize=16384)
def _reverse(name: str) -> bool:
    core = name.strip()
    if core.endswith(_POSITIVE_CHANGE) or has_any(core, ("下降率", "节约率", "降低率", "减少率")) or has_any(core, _AVERTED):
        return False
    if is_rate_name(core):
        return core.endswith(_REVERSE_RATE_ENDINGS)
    return has_any(_QUALIFIER.sub("", core), REVERSE_WORDS)


# a reverse word that names an object (重点排放单位, 近零碳排放社区, 排放清单) does not make its count a reverse one
_QUALIFIER = re.compile(r"(?:排放|能耗|用能)(?:单位|企业|社区|园区|清单|许可证?|权|口|源|数据|核查|报告|在线监测|监测)")


@rule("V01", "error", "feasibility", "指标值为空或无法识别", per_row=True)
def unparsable(ctx: Context):
    for i, v in enumerate(ctx.values):
        if v.kind == "empty":
            yield i, "指标值为空。", "填写“运算符+数值+单位”、完成时间或分级定性值。"
        elif v.kind == "unparsed":
            yield i, f"指标值“{v.raw}”无法识别为“运算符+数值+单位”、日期或分级定性值。", "改为如“≥95%”“=2辆”“2025年12月31日前”。"


@rule("V02", "warning", "feasibility", "定量指标值缺少运算符", per_row=True)
def missing_operator(ctx: Context):
    for i, v in enumerate(ctx.values):
        if v.kind == "number" and v.op_implicit:
            yield i, f"指标值“{v.raw}”缺少运算符，无法判断是下限还是上限。", f"改为“≥{v.display()}”“≤{v.display()}”或“={v.display()}”。"


@rule("V03", "error", "appropriateness", "数量类指标用了百分比", per_row=True)
def count_with_percent(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        v = ctx.values[i]
        if not v.is_percent or is_rate_name(ind.name) or not ind.name:
            continue
        if is_count_name(ind.name) or ind.level2 == QUANTITY:
            yield (i, f"“{ind.name}”是数量（绝对数），指标值却是百分比“{v.raw}”。",
                   "写明实际数量和计量单位，如“=2辆”“=12000平方米”“≥120次”。")


_TRAILING_PERCENT = re.compile(r"[（(][%％][）)]$")


@lru_cache(maxsize=16384)
def _is_ratio_name(name: str) -> bool:
    return _TRAILING_PERCENT.sub("", name.strip()).endswith(("率", "比例", "占比", "比重", "满意度"))


@rule("V04", "error", "appropriateness", "比率类指标用了绝对值", per_row=True)
def rate_with_absolute(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        v = ctx.values[i]
        if v.kind not in ("number", "range") or not _is_ratio_name(ind.name):
            continue
        if v.unit not in ("%", "‰") and "/" not in (v.unit or ""):  # 0.5人/万台 is a rate too
            yield i, f"“{ind.name}”是比率，指标值“{v.raw}”却不是百分数。", "比率指标值写成百分数，如“≥95%”。"


@rule("V05", "error", "feasibility", "名称中的单位与指标值单位不一致", per_row=True)
def name_unit_conflict(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        m = _NAME_UNIT.search(ind.name.strip())
        v = ctx.values[i]
        if not m or v.unit is None or v.kind not in ("number", "range", "placeholder"):
            continue
        named = normalize_unit(m.group(1))
        if named not in _KNOWN_UNITS:
            continue  # "（免疫率）" is another name, not a unit
        unit = re.sub(r"^[万千亿]", "", v.unit) if v.unit not in MONEY_UNITS else v.unit  # 2万亩 is still 亩
        if named and named != v.unit and not v.unit.startswith(named) and unit != re.sub(r"^[万千亿]", "", named):
            yield i, f"名称注明单位为“{m.group(1)}”，指标值“{v.raw}”的单位却是“{v.unit_raw}”。", f"指标值改用“{m.group(1)}”计量。"


@rule("V06", "error", "appropriateness", "百分比超出合理范围", per_row=True)
def impossible_percent(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        v = ctx.values[i]
        if v.unit != "%" or v.number is None:
            continue
        top = v.upper if v.upper is not None else v.number
        if v.number < 0 or (top > 100 and not has_any(ind.name, _GROWTH)):
            yield i, f"“{ind.name}”的指标值“{v.raw}”超出0～100%。", "比率取值在0～100%之间。"


@rule("V07", "error", "appropriateness", "“≥100%”式指标值", per_row=True)
def ge_hundred(ctx: Context):
    for i, v in enumerate(ctx.values):
        if v.kind == "number" and v.op in ("≥", ">") and v.number is not None and v.number >= 100 and v.unit == "%":
            yield i, f"指标值“{v.raw}”没有意义：比率不可能超过100%。", "完成类、准确类指标用“=100%”，其他按实际水平设“≥9X%”；数量类指标写实际数量。"


# names for which "=100%" is the right target (things that must be complete or exact)
_MUST_BE_COMPLETE = ("准确", "发放", "合格", "验收", "覆盖", "兑付", "到位", "完好有效", "符合", "建档", "公示", "足额",
                     "应", "及时", "审核", "核查", "签订", "销号", "整改", "办结", "处置", "上报", "录入", "执行")


@rule("V08", "warning", "appropriateness", "指标值普遍为100%")
def blanket_hundred(ctx: Context):
    quantitative = [(ctx.indicators[i], v) for i, v in enumerate(ctx.values) if v.kind == "number"]
    hundred = [v for ind, v in quantitative if v.number == 100 and v.unit in ("%", None)
               and not (v.op == "=" and has_any(ind.name, _MUST_BE_COMPLETE))]
    if len(hundred) >= 4 and len(hundred) / len(quantitative) > 0.5:
        yield (None, f"{len(hundred)}/{len(quantitative)}个定量指标取值为100%，目标缺乏区分度，难以体现绩效。",
               "按历史水平和行业标准设置有区分度的目标值，数量、时效、成本指标写实际数量、时间和金额。")


@rule("V09", "error", "appropriateness", "指标方向错误", per_row=True)
def wrong_direction(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        v = ctx.values[i]
        if v.op is None or not ind.name:
            continue
        if _reverse(ind.name) and v.op in ("≥", ">"):
            yield i, f"“{ind.name}”越低越好（反向指标），指标值却是“{v.raw}”。", "反向指标用“≤”或“=0”，如“≤30分钟”“=0起”。"
        elif is_rate_name(ind.name) and has_any(ind.name, POSITIVE_RATE_WORDS) and v.op in ("≤", "<") \
                and not has_any(ind.name, ("不", "未", "非")):
            yield i, f"“{ind.name}”越高越好（正向指标），指标值却是“{v.raw}”。", "正向指标用“≥”或“=”。"


@lru_cache(maxsize=4)
def _standards(path: str | None) -> list[dict]:
    text = resources.files("assistant.data").joinpath("standards.json").read_text(encoding="utf-8")
    limits = json.loads(text)["limits"]
    if path:
        with open(path, encoding="utf-8") as fh:
            extra = json.load(fh)["limits"]
        ids = {x["id"] for x in extra}
        limits = [x for x in limits if x["id"] not in ids] + extra
    # word lists as tuples once, so that the matcher compiles each list once
    return [{k: tuple(v) if k.endswith("_any") and isinstance(v, list) else v for k, v in x.items()} for x in limits]


def standards() -> list[dict]:
    """Numeric limits (data/standards.json, plus ZHIBIAO_STANDARDS overrides)."""
    return _standards(os.environ.get("ZHIBIAO_STANDARDS") or None)


def _in_limit_unit(v: ParsedValue, limit: dict) -> tuple[float | None, float | None]:
    unit = limit["unit"]
    base = (v.unit or "").split("/")[0]
    factor = 1.0
    if unit in MONEY_UNITS and base in MONEY_UNITS:
        factor = MONEY_UNITS[base] / MONEY_UNITS[unit]
    elif base != unit:
        return None, None
    lo = v.number * factor if v.number is not None else None
    hi = v.upper * factor if v.upper is not None else None
    return lo, hi


def _violates(v: ParsedValue, limit: dict) -> bool:
    lo, hi = _in_limit_unit(v, limit)
    if lo is None:
        return False
    cap = limit["limit"]
    if limit["kind"] == "cap":
        if hi is not None:
            return hi > cap
        return (v.op in ("≥", ">") and lo >= cap and not (v.op == "≥" and lo == cap and cap == 100)) or \
            (v.op in ("=", "≤", "<", None) and lo > cap)
    if hi is not None:
        return lo < cap
    return (v.op in ("≤", "<") and lo <= cap) or (v.op in ("=", "≥", ">", None) and lo < cap)


# words that make a row's money a per-unit figure even without a "/辆" in its unit (单车购置价格 ≤18万元)
_PER_UNIT_WORDS = ("单价", "单车", "单台", "每", "人均", "均价", "价格", "定额", "标准")
# 单位 is per unit only before what is measured per unit (单位面积造价, 单位成本); 单位会议费支出 is the organisation's total
_PER_UNIT_DANWEI = re.compile(r"单位(?:面积|建筑面积|长度|里程|体积|重量|成本|造价|价格|费用|工程量|能耗|产量)")


def _per_unit_row(name: str, v: ParsedValue, limit: dict) -> bool:
    """A per-unit limit (单车 ≤18万元, 会议费 ≤550元/人·天) binds a per-unit row only: a total such as 车辆购置费支出
    ≤86万元 or 会议费 ≤5万元 is the sum over all the cars or all the meetings."""
    per = limit.get("per_unit")
    if not per:
        return True
    unit = v.unit or ""
    if "/" in unit:
        return unit.split("/", 1)[1].startswith(per)
    return any(w in name for w in _PER_UNIT_WORDS) or bool(_PER_UNIT_DANWEI.search(name))


def limit_applies(limit: dict, text: str, project: str) -> bool:
    """A limit whose name words a row has applies to it when the project's and the row's words (`text`: name and
    解释) meet its project_any, require_any and skip_any lists (V10, and the suggestions for open facts)."""
    if limit.get("project_any") and not has_any(project + text, limit["project_any"]):
        return False
    scope = text + project
    if limit.get("require_any") and not has_any(scope, limit["require_any"]):
        return False
    return not (limit.get("skip_any") and has_any(scope, limit["skip_any"]))


@rule("V10", "error", "appropriateness", "与规定标准冲突", per_row=True)
def standard_conflict(ctx: Context):
    limits = standards()  # once per sheet: it reads the environment
    names = tuple(limit["name_any"] for limit in limits)
    for i, ind in enumerate(ctx.indicators):
        v = ctx.values[i]
        if v.kind not in ("number", "range"):
            continue
        text = ind.name + " " + ind.description
        for k in sorted(groups_in(ind.name, names)):  # the limits whose names the row's name has, in file order
            limit = limits[k]
            if limit_applies(limit, text, ctx.project_text) and _per_unit_row(ind.name, v, limit) \
                    and _violates(v, limit):
                yield i, f"“{ind.name}”指标值“{v.raw}”与规定不符：{limit['message']}（{limit['source']}）。", limit["hint"]
                break


@rule("V11", "warning", "feasibility", "计量单位不规范", per_row=True)
def nonstandard_unit(ctx: Context):
    for i, v in enumerate(ctx.values):
        if v.unit_raw in _NONSTANDARD_UNITS:
            yield i, f"指标值“{v.raw}”的单位“{v.unit_raw}”不规范。", f"改用“{_NONSTANDARD_UNITS[v.unit_raw]}”。"


@rule("V12", "error", "appropriateness", "时效指标填成全年天数", per_row=True)
def whole_year(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        v = ctx.values[i]
        whole = (v.kind == "number" and v.unit in ("天", "日") and v.number in (365, 366)) or \
            v.raw.strip() in ("全年", "12个月", "一年")
        if whole:
            yield i, f"“{ind.name}”的指标值“{v.raw}”只是全年天数，不是时效目标。", "改为完成时间节点（如“2025年12月31日前”）、时限或及时率。"


@rule("V14", "error", "feasibility", "定性指标值未分级", per_row=True)
def vague_value(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        v = ctx.values[i]
        if v.kind == "vague" and not has_any(ind.description, ("分级", "分档", "优良中", "达到预期", "部分达到", "未达到")):
            yield i, f"指标值“{v.raw}”是笼统描述，无法评判是否完成。", "改为可量化的值，或采用“达到预期目标/部分达到/未达到”分级并在指标解释中写明各档标准。"


@rule("V15", "error", "appropriateness", "满意度目标为100%", per_row=True)
def satisfaction_hundred(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        v = ctx.values[i]
        if "满意" in ind.name and v.number is not None and v.number >= 100 and v.kind == "number":
            yield i, f"满意度“{v.raw}”不现实，也无法考核。", "按历史测评结果设为≥85%～≥95%。"


@rule("V16", "warning", "appropriateness", "目标值偏低", per_row=True)
def too_low(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        v = ctx.values[i]
        if v.unit != "%" or v.number is None or v.op not in ("≥", ">", "="):
            continue
        floor = None
        if "满意" in ind.name:
            floor = 80
        elif ind.level2 == QUALITY and has_any(ind.name, ("合格", "达标", "完好", "验收")):
            floor = 90
        elif ind.level2 == TIMELINESS and "及时" in ind.name:
            floor = 90
        if floor is not None and v.number < floor and ind.basis_category != "行业标准":
            yield i, f"“{ind.name}”目标“{v.raw}”偏低（同类项目通常不低于{floor}%）。", "参照历史实际和行业水平提高目标值。"


@rule("V17", "error", "appropriateness", "成本目标超过项目预算")
def cost_over_budget(ctx: Context):
    budget = ctx.budget_yuan
    if not budget:
        return
    for i, ind in ctx.cost_rows():
        amount = ctx.values[i].in_yuan()
        if amount is not None and amount > budget * 1.0001:
            yield i, f"成本目标“{ctx.values[i].raw}”超过项目预算{budget:,.2f}元。", "成本指标不得超过项目预算，按测算的单位成本或定额设置。"


_GRADED = re.compile(r"最高|上限|分档|档次|分层|层次|分类|按类别")
_PERIODS_A_YEAR = {"": 1, "年": 1, "月": 12}


@rule("V18", "warning", "appropriateness", "单位成本与数量、预算不匹配")
def cost_quantity_budget(ctx: Context):
    """A unit cost times the quantity it is for cannot be more than the budget: ≤42000元/小时 for 40320小时, or
    300元/人·月 for 420人 over 12 months against 100.8万元. What a finance reviewer multiplies first."""
    from assistant.lexicon import cjk_bigrams

    budget = ctx.budget_yuan
    if not budget:
        return
    quantities = [(j, ind, ctx.values[j]) for j, ind in enumerate(ctx.indicators)
                  if ind.level2 == QUANTITY and ctx.values[j].kind == "number" and ctx.values[j].number
                  and ctx.values[j].op not in ("≤", "<") and "/" not in (ctx.values[j].unit or "")]
    for i, ind in ctx.cost_rows():
        v = ctx.values[i]
        money, _, per = (v.unit_raw or v.unit or "").partition("/")
        if v.kind != "number" or not v.number or v.op in ("≥", ">") or money not in MONEY_UNITS or not per:
            continue
        counted, _, period = per.partition("·")
        months = _PERIODS_A_YEAR.get(period)
        if months is None:  # 元/人·天, 元/人·次: the days or times are not in the table
            continue
        same = [(j, q, qv) for j, q, qv in quantities if same_unit(normalize_unit(qv.unit_raw or qv.unit or ""), counted)]
        if len(same) > 1:  # the count the cost is for: the one whose name shares most with the cost row's
            shared = [(len(cjk_bigrams(ind.name) & cjk_bigrams(q.name)), j, q, qv) for j, q, qv in same]
            best = max(shared, key=lambda s: s[0])
            same = [best[1:]] if best[0] > 0 and [s[0] for s in shared].count(best[0]) == 1 else []
        if len(same) != 1:
            continue
        _, q, qv = same[0]
        total = v.number * MONEY_UNITS[money] * qv.number * months
        # a cap may be the top grade of a graded standard (最高每人20万元, 刑事案件每件1500元 and 民事1200元), above
        # the average by design: only a cap the budget could not pay twice over (≤42000元/小时) is an error of sums
        graded = v.op in ("≤", "<") and (bool(_GRADED.search(f"{ind.name}{ind.description}{ind.basis}"))
                                         or total <= budget * 2)
        if total > budget * 1.1 and not graded:
            over_months = "×12个月" if months == 12 else ""
            yield i, (f"“{ind.name}”{v.raw}×“{q.name}”{qv.raw}{over_months}约为{total / 10000:,.2f}万元，"
                      f"超过项目预算{budget / 10000:,.2f}万元。"), \
                "核对单位成本与数量：二者相乘不应超过预算；单价有误时按预算明细测算，数量有误时按实际数量填写。"


# a row about putting the work to use (交付使用, 投入使用, 开放) and one about finishing it (完工, 竣工); what comes after
# use (结算, 审计, 绩效评价) may come later
USE_WORDS = re.compile(r"交付|投入使用|投用|启用|开放|开学|(?<!资金)(?<!经费)使用(?!率)")
FINISH_WORDS = re.compile(r"完工|竣工|建成|施工|安装|改造完成|加固完成|工程完成")
AFTER_USE_WORDS = re.compile(r"结算|审计|决算|评价|绩效|回访|满意|移交|归档")


def finishes_before_use(name: str) -> bool:
    return bool(FINISH_WORDS.search(name)) and not AFTER_USE_WORDS.search(name) and not USE_WORDS.search(name)


def finishes_after_use(rows: list, uses: set[int] | None = None) -> tuple[int, list[int]] | None:
    """The first handover among `rows` (only those in `uses`, when given) and the works rows dated after it: 工程完工时间
    11月30日 after 交付使用时间 9月1日. None when no row is a dated handover."""
    dated = [(i, r.parsed_value.deadline) for i, r in enumerate(rows)
             if r.level2 == TIMELINESS and r.parsed_value.kind == "date" and r.parsed_value.deadline]
    handovers = [(i, d) for i, d in dated if (uses is None or i in uses) and USE_WORDS.search(rows[i].name)
                 and not AFTER_USE_WORDS.search(rows[i].name)]
    if not handovers:
        return None
    first, when = min(handovers, key=lambda h: h[1])
    return first, [i for i, d in dated if d > when and finishes_before_use(rows[i].name)]


@rule("V22", "warning", "appropriateness", "时效指标前后矛盾")
def finish_after_use(ctx: Context):
    """The works cannot finish after they are handed over: 工程完工时间 11月30日 with 交付使用时间 9月1日."""
    found = finishes_after_use(ctx.indicators)
    if found:
        first = ctx.indicators[found[0]]
        for i in found[1]:
            ind = ctx.indicators[i]
            yield i, f"“{ind.name}”{ind.value}晚于“{first.name}”{first.value}：工程应在交付使用前完成。", \
                "核对进度安排：完工（竣工）时间不晚于交付使用时间。"


_PER_UNIT = ("单价", "单位", "人均", "生均", "户均", "亩均", "每", "单车", "单方", "定额", "标准", "次均", "平均", "/", "均")


@rule("V19", "warning", "appropriateness", "成本指标只写“控制在预算内”")
def only_budget_cap(ctx: Context):
    rows = ctx.cost_rows()
    if not rows:
        return
    if all(not has_any(ind.name + ctx.values[i].raw, _PER_UNIT) for i, ind in rows):
        yield rows[0][0], "成本指标只有总额或“控制在预算内”，无法评价成本效率。", "改为单位成本、人均/单车/单位面积标准或定额，如“单位面积改造造价≤X元/平方米”。"


@rule("V21", "warning", "feasibility", "数值缺少计量单位", per_row=True)
def missing_unit(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        v = ctx.values[i]
        if v.kind in ("number", "range") and not v.unit and not _NAME_UNIT.search(ind.name.strip()):
            yield i, f"指标值“{v.raw}”没有计量单位，看不出计的是什么。", f"写明单位，如“={v.display()}个”“={v.display()}人次”“≥{v.display()}%”。"


@rule("V20", "warning", "feasibility", "指标值待填写", per_row=True)
def placeholder(ctx: Context):
    for i, v in enumerate(ctx.values):
        if v.kind == "placeholder" or v.year_slot:
            yield i, f"指标值“{v.raw}”含待填写的占位内容。", "根据项目实际（台账、合同、测算表、上年实际值）填写具体数值。"
