"""Name rules (N): the 三级指标 name says what is measured and belongs where it stands."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.lexicon import (
    COST_WORDS, ECO_WORDS, ECON_WORDS, PROCESS_BLACKLIST, TIME_WORDS, foreign_domain_words, has_any,
    is_measurable_name, jaccard, normalize_name,
)
from assistant.rules.base import Context, Finding, rule
from assistant.taxonomy import (
    BENEFIT, BENEFIT_LEVEL2, ECOLOGICAL, ECONOMIC, QUALITY, QUANTITY, SERVICE_SATISFACTION, TAXONOMY, TIMELINESS,
    is_cost_level2,
)
from assistant.values import MONEY_UNITS, TIME_UNITS

_LEVEL_NAMES = {n for tax in TAXONOMY.values() for l1, l2s in tax.items() for n in (l1, *l2s)}
_VALUE_IN_NAME = re.compile(r"[≥≤＞＜=＝<>]|(?<![\d.])\d+(\.\d+)?\s*(%|％|个|次|人|元|万元|辆|天|小时|平方米|㎡|公里)")
_BRACKETS = (("（", "）"), ("(", ")"), ("《", "》"), ("【", "】"), ("“", "”"))


@lru_cache(maxsize=16384)
def _process_term(name: str) -> str | None:
    key = normalize_name(name)
    for term in PROCESS_BLACKLIST:
        if term in key or (len(key) >= 4 and key in term):
            return term
    for term in PROCESS_BLACKLIST:
        if len(term) >= 5 and jaccard(key, term) >= 0.6:
            return term
    return None


# a count, length, area… value names the dimension the name leaves out: suggest "object + dimension"
_UNIT_DIMENSION = {"米": "长度", "公里": "里程", "平方米": "面积", "万平方米": "面积", "亩": "面积", "万亩": "面积", "公顷": "面积",
                   "人": "人数", "人次": "人次", "名": "人数", "户": "户数", "次": "次数", "场": "场次", "场次": "场次",
                   "元": "金额", "万元": "金额", "天": "天数", "期": "期数", "批次": "批次", "件": "件数", "吨": "数量", "%": "比率", "分": "得分"}


def _dimension_for(unit: str | None) -> str:
    base = (unit or "").split("/")[0]
    return "单位成本" if "/" in (unit or "") else _UNIT_DIMENSION.get(base, "数量")


@rule("N01", "error", "feasibility", "指标名称不可衡量", per_row=True)
def not_measurable(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        name = ind.name.strip()
        if not name:
            continue
        core = normalize_name(name)
        value = ctx.values[i]
        if core in _LEVEL_NAMES or core + "指标" in _LEVEL_NAMES:
            yield i, f"三级指标“{name}”只是重复了指标类别名称，没有说明衡量什么。", "写出具体的衡量对象和维度，如“购置公务用车数量”。"
        elif is_measurable_name(name) or value.kind == "grade":
            continue
        elif (value.kind in ("number", "range") and value.unit and not value.is_percent) \
                or value.kind in ("date", "period") or (value.kind == "placeholder" and value.unit):
            # the value is concrete: the name only lacks its dimension (a reviewer asks for a clearer name)
            suggestion = name + ("完成时间" if value.kind in ("date", "period") else _dimension_for(value.unit))
            yield Finding(rule="N01", severity="warning", dimension="feasibility", indicator=name, index=i,
                          message=f"三级指标“{name}”没有写出衡量维度，只能从指标值“{value.raw}”推断。",
                          hint=f"改为“对象+衡量维度”，如“{suggestion}”。")
        else:
            yield (i, f"三级指标“{name}”不可衡量：名称中没有数量、比率、时间或成本等衡量维度。",
                   "改为“对象+衡量维度”，如“购置公务用车数量”“维修验收合格率”“完工时间”。")


@rule("N02", "error", "relevance", "以过程或投入指标代替产出效益", per_row=True)
def process_indicator(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        term = _process_term(ind.name)
        if term:
            yield (i, f"“{ind.name}”是资金支出过程或投入类指标（类似“{term}”），不能作为产出或效益目标。",
                   "改为资金形成的实物工作量、质量、时效或效果，如“保障公务用车数量”“燃油费结算完成时间”。")
        elif ind.level2 == QUANTITY and ctx.values[i].is_money:
            yield i, f"数量指标“{ind.name}”以金额计量，资金投入不是产出数量。", "改为实物工作量（台、套、平方米、人次等）。"


@lru_cache(maxsize=16384)
def _value_in_name(name: str) -> bool:
    return bool(_VALUE_IN_NAME.search(_PERCENT_MARK.sub("", name)))


_PERCENT_MARK = re.compile(r"[（(][%％][）)]")


@rule("N03", "warning", "feasibility", "指标名称中含有数值或运算符", per_row=True)
def value_in_name(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        if _value_in_name(ind.name):
            yield i, f"三级指标“{ind.name}”的名称中含有数值或运算符。", "名称只写衡量对象，数值和运算符放入指标值。"


@rule("N04", "error", "feasibility", "指标名称残缺或不规范", per_row=True)
def malformed(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        problem = _malformed(ind.name)
        if problem:
            yield i, *problem


@lru_cache(maxsize=16384)
def _malformed(raw: str) -> tuple[str, str] | None:
    """N04's message and hint for a name, or None."""
    name = raw.strip()
    if not name:
        return "三级指标名称为空。", "填写三级指标名称。"
    for left, right in _BRACKETS:
        if name.count(left) != name.count(right):
            return f"三级指标“{name}”括号不配对，名称可能被截断。", "补全名称，如“新购车辆使用年限”。"
    if name.endswith(("的", "及", "和", "与", "、", "，", "等", "对")) or len(name) < 3 or len(name) > 40:
        return f"三级指标“{name}”名称残缺或长度不当。", "名称应为3至40字的完整短语。"
    return None


@rule("N05", "error", "relevance", "三级指标与所属二级指标不符", per_row=True)
def level2_mismatch(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        name, value, level2 = ind.name, ctx.values[i], ind.level2
        if not name:
            continue
        text = name
        if level2 == ECOLOGICAL and not has_any(text, ECO_WORDS):
            yield i, f"“{name}”放在生态效益指标下，但与生态环境无关。", "改为能耗、排放、节约资源等生态指标；确无生态影响的可不填或注明不适用。"
        elif level2 == ECONOMIC and not has_any(text, ECON_WORDS):
            yield i, f"“{name}”放在经济效益指标下，但不反映经济效益。", "改为节约费用、增加收入、降低成本等经济指标；确无经济效益的可不填。"
        elif level2 == SERVICE_SATISFACTION and "满意" not in text:
            yield i, f"“{name}”放在满意度指标下，但不是满意度。", "改为“××（服务对象）满意度”。"
        elif level2 == TIMELINESS and not has_any(text, TIME_WORDS) and value.kind not in ("date", "period") \
                and (value.unit or "") not in TIME_UNITS:
            yield i, f"“{name}”放在时效指标下，但既非时间节点也非时限或及时率。", "改为完成时间、时限或及时率。"
        elif is_cost_level2(level2) and level2 in ("成本指标", "经济成本指标") and not has_any(text, COST_WORDS) \
                and (value.unit or "").split("/")[0] not in MONEY_UNITS:
            yield i, f"“{name}”放在成本指标下，但不是成本或费用。", "改为单位成本、定额或单价，如“单车年均运行费≤X元/辆”。"


@rule("N06", "warning", "relevance", "以满意度代替效益指标", per_row=True)
def satisfaction_as_benefit(ctx: Context):
    for i, ind in ctx.benefit_rows():
        if "满意" in ind.name:
            yield i, f"效益指标“{ind.name}”实为满意度。", "满意度放入服务对象满意度指标；效益指标写项目带来的实际效果。"


@rule("N07", "warning", "relevance", "质量与效益混淆", per_row=True)
def quality_benefit_confusion(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        if (ind.level2 in BENEFIT_LEVEL2 or ind.level1 == BENEFIT) and re.search(r"验收合格|验收通过|质量合格率", ind.name):
            yield i, f"“{ind.name}”是产出质量，不是效益。", "移至质量指标，效益指标写实施后的效果。"
        elif ind.level2 == QUALITY and re.search(r"增收|就业率|治愈率|脱贫|收入增长", ind.name):
            yield i, f"“{ind.name}”是实施效果，不是产出质量。", "移至效益指标。"


@rule("N08", "warning", "relevance", "疑似套用其他项目模板", per_row=True)
def foreign_template(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        for domain, word in foreign_domain_words(ind.name, ctx.project_text)[:1]:
            yield (i, f"“{ind.name}”中的“{word}”属于{domain}领域，与本项目无关，疑似套用其他项目模板。",
                   "按本项目的实际工作内容重新设置指标。")


