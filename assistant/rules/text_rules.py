"""指标解释 (D) and 指标值确定依据 (B) rules: an explanation gives the 口径, a basis names its source."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.lexicon import foreign_domain_words, has_any, is_rate_name, normalize_name
from assistant.models import BASIS_CATEGORIES
from assistant.rules.base import Context, rule, strip_titles, titles
from assistant.taxonomy import SERVICE_SATISFACTION, is_cost_level2

_FORMULA_MARKS = ("/", "／", "÷", "×", "*", "占", "比", "口径", "计算", "＝", "=", "除以", "乘以", "统计", "测评", "问卷", "调查", "−", "－", "减", "差值", "之差", "对比")
_BOILERPLATE = re.compile(r"^反映.{0,20}(情况|水平|程度|效果)。?$")
_GRADING = ("分级", "分档", "优良中", "达到预期", "部分达到", "未达到", "优秀", "良好", "档")
_CONCRETE = re.compile(
    r"《|》|GB|DB\d|JTG|CJJ|TSG|HJ|JGJ|WS|NY|〔|\[|号|合同|协议|招标|中标|询价|方案|计划|规划|办法|规定|条例|标准|规范|台账|"
    r"近[一二三两五]年|近[一二三两五]次|往年|以往|上一|上届|上次|上年|前三年|历史|文件|批复|预算|定额|清单|测算|统计|责任书|目标|制度|规程|预案|承诺|要点|安排|结果|"
    r"核定|价格|指南|名录|底册|记录|报告|任务|通知|意见|细则|章程|决定|纪要|数据|规模|学期|要求|部署|目录|名单|成果|一张图|划分|配置|建议书|可研|可行性|初步设计|概算|需求|\{YEAR|\d"
)
# sources that name nothing: "按相关规定", "上级要求", "实际需要"
_GENERIC_SOURCE = re.compile(
    r"^(按照?|根据|依据|参照)?(国家|上级|行业|省|市|县|区|本单位)?(相关|有关)?(规定|要求|文件|政策|标准|精神|部署|需要|情况|实际|"
    r"工作需要|实际需要|实际情况)+(执行|要求|确定)?$"
)


@lru_cache(maxsize=16384)
def _near(a: str, b: str) -> bool:
    """True when b adds (almost) nothing to a: equal, contained, or within two edits."""
    x, y = normalize_name(a), normalize_name(b)
    if not x or not y:
        return False
    if x == y or y in x:
        return True
    return abs(len(x) - len(y)) <= 2 and _edit_distance(x, y) <= 2


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def column_missing(ctx: Context, field: str) -> bool:
    """True when the table was printed without this column: every row's cell is empty."""
    return len(ctx.indicators) >= 2 and all(not getattr(ind, field).strip() for ind in ctx.indicators)


@rule("D00", "warning", "completeness", "表中没有指标解释栏")
def description_column_missing(ctx: Context):
    if column_missing(ctx, "description"):
        yield None, "表中没有“指标解释”栏：所有指标都没有统计口径或计算公式。", "为每个指标写明统计口径或计算公式（比率写“分子÷分母×100%”）。"


@rule("D01", "warning", "completeness", "指标解释为空")
def description_empty(ctx: Context):
    if column_missing(ctx, "description"):
        return  # one sheet-level finding (D00) instead of one per row
    for i, ind in enumerate(ctx.indicators):
        if not ind.description.strip():
            yield i, f"“{ind.name}”没有指标解释。", "写明统计口径或计算公式（定性指标写明衡量方法和分级）。"


@rule("D07", "warning", "completeness", "指标解释重复指标名称", per_row=True)
def description_repeats(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        if ind.description.strip() and ind.name and _near(ind.name, ind.description):
            yield i, f"“{ind.name}”的指标解释只是重复了名称。", "写明统计口径或计算公式，如“验收合格的车辆数÷购置车辆数×100%”。"


@rule("D02", "warning", "feasibility", "比率指标缺少计算公式", per_row=True)
def rate_without_formula(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        if is_rate_name(ind.name) and ind.description.strip() and not _near(ind.name, ind.description) \
                and not has_any(ind.description, _FORMULA_MARKS):
            yield i, f"比率指标“{ind.name}”的指标解释没有计算公式或口径。", "写成“分子÷分母×100%”，并说明数据来源。"


@rule("D03", "error", "relevance", "指标解释描述的是其他领域", per_row=True)
def description_foreign(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        text = strip_titles(ind.description)
        for domain, word in foreign_domain_words(text, ctx.project_text + ind.name)[:1]:
            yield i, f"“{ind.name}”的指标解释中“{word}”属于{domain}领域，与本项目无关。", "按本项目的对象重写指标解释。"


@rule("D04", "warning", "feasibility", "指标解释空泛", per_row=True)
def boilerplate(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        if _BOILERPLATE.match(ind.description.strip()):
            yield i, f"“{ind.name}”的指标解释“{ind.description.strip()}”只是套话，没有口径。", "写明统计对象、数据来源和计算方法。"


@rule("D05", "warning", "relevance", "引用与项目无关的法规", per_row=True)
def irrelevant_regulation(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        for title in titles(ind.description):
            if foreign_domain_words(title, ctx.project_text):
                yield i, f"“{ind.name}”引用的{title}与本项目无关。", "引用本项目适用的制度、标准或计划文件。"
                break


@rule("D06", "info", "feasibility", "定性指标缺少分级方法", per_row=True)
def qualitative_without_grading(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        if ctx.values[i].kind == "grade" and not has_any(ind.description, _GRADING):
            yield i, f"定性指标“{ind.name}”没有说明分级评判方法。", "在指标解释中写明“达到预期目标/部分达到/未达到”各档的判定标准。"


@rule("B00", "warning", "completeness", "表中没有指标值确定依据栏")
def basis_column_missing(ctx: Context):
    if column_missing(ctx, "basis"):
        yield None, "表中没有“指标值确定依据”栏：所有指标值都没有说明依据。", "为每个指标值写明依据类别（计划/历史/行业/预算支出/其他标准）和具体来源。"


@rule("B01", "warning", "completeness", "指标值确定依据为空")
def basis_empty(ctx: Context):
    if column_missing(ctx, "basis"):
        return  # one sheet-level finding (B00) instead of one per row
    for i, ind in enumerate(ctx.indicators):
        if not ind.basis.strip():
            yield i, f"“{ind.name}”没有指标值确定依据。", "写明依据类别（计划/历史/行业/预算支出/其他标准）和具体来源。"


@rule("B02", "warning", "completeness", "依据重复指标名称或解释", per_row=True)
def basis_repeats(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        basis = ind.basis.strip()
        if basis and ((ind.name and _near(ind.name, basis)) or normalize_name(basis) == normalize_name(ind.description)):
            yield i, f"“{ind.name}”的指标值确定依据只是重复了指标名称或解释。", "写明依据来源，如“计划标准：2025年车辆更新计划”“历史标准：近三年平均值”。"


@rule("B03", "warning", "feasibility", "依据没有标准类别", per_row=True)
def basis_no_category(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        basis = ind.basis.strip()
        if basis and not (ind.name and _near(ind.name, basis)) and ind.basis_category is None:
            yield i, f"“{ind.name}”的依据“{basis}”没有注明标准类别。", f"以类别开头：{'、'.join(BASIS_CATEGORIES)}。"


@rule("B04", "warning", "feasibility", "依据缺少具体来源", per_row=True)
def basis_not_concrete(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        if ind.basis_category is None:
            continue
        source = ind.basis_source
        if len(source) < 4 or _GENERIC_SOURCE.match(source) or not _CONCRETE.search(source):
            yield i, f"“{ind.name}”的依据只有类别“{ind.basis_category}”，没有具体来源。", "补充文件文号、标准编号、合同或历年数值。"


@rule("B05", "warning", "appropriateness", "依据类别与指标类型不匹配", per_row=True)
def basis_mismatch(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        category = ind.basis_category
        if category == "行业标准" and is_cost_level2(ind.level2) and not has_any(ind.basis, ("定额", "标准", "价格")):
            yield i, f"成本指标“{ind.name}”以行业标准为依据。", "成本指标以预算支出标准（定额、配备标准、中标价）为依据。"
        elif category == "行业标准" and (ind.level2 == SERVICE_SATISFACTION or "满意" in ind.name):
            yield i, f"满意度“{ind.name}”以行业标准为依据。", "满意度以历史标准（往年测评结果）或计划标准为依据。"


@rule("B06", "error", "relevance", "依据引用其他领域的来源", per_row=True)
def basis_foreign(ctx: Context):
    for i, ind in enumerate(ctx.indicators):
        for domain, word in foreign_domain_words(ind.basis, ctx.project_text + ind.name)[:1]:
            yield i, f"“{ind.name}”的依据中“{word}”属于{domain}领域，与本项目无关。", "引用本项目适用的计划、标准或历史数据。"
