"""Structure rules (S): the table has the 二级 it needs, in the right place, without duplicates."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from assistant.lexicon import SERVICE_OBJECT_WORDS, bigrams, has_any, normalize_name
from assistant.rules.base import Context, rule
from assistant.taxonomy import (
    BENEFIT, COST2, ECON_COST, QUALITY, QUANTITY, SERVICE_SATISFACTION, TAXONOMY, TIMELINESS, is_valid_pair,
)


@rule("S01", "error", "completeness", "缺少核心二级指标")
def missing_core(ctx: Context):
    if not ctx.rows(QUANTITY):
        yield None, "缺少数量指标：产出指标下没有任何数量指标。", "增加反映本项目实物工作量的数量指标，如“购置车辆数量=2辆”“养护里程=186公里”。"
    if not ctx.rows(QUALITY):
        yield None, "缺少质量指标：产出指标下没有任何质量指标。", "增加合格率、达标率、完好率等质量指标，并写明标准来源。"
    if not ctx.benefit_rows():
        yield None, "缺少效益指标：没有任何经济、社会、生态或可持续影响效益指标。", "至少设置一项反映项目实施效果的效益指标（社会效益最常见）。"


@rule("S02", "warning", "completeness", "缺少时效或成本指标")
def missing_time_cost(ctx: Context):
    if not ctx.rows(TIMELINESS):
        yield None, "缺少时效指标。", "增加完成时间（如“{年}年12月31日前”）或及时率指标。"
    cost_level2 = ECON_COST if ctx.sheet.layout == "2021" else COST2
    if not ctx.rows(cost_level2):
        yield None, f"缺少{cost_level2}。", "增加单位成本或定额类成本指标，如“单位面积改造造价≤X元/平方米”。"


@rule("S03", "warning", "completeness", "有服务对象但缺少满意度指标")
def missing_satisfaction(ctx: Context):
    if not ctx.satisfaction_rows() and has_any(ctx.project_text, SERVICE_OBJECT_WORDS):
        yield None, "项目有明确的服务对象，但没有服务对象满意度指标。", "增加“××满意度≥90%”，指标解释写明调查对象、方式和计算公式。"


@rule("S04", "error", "completeness", "二级指标不属于该一级指标或名称不规范", per_row=True)
def wrong_pair(ctx: Context):
    layout = ctx.sheet.layout
    for i, ind in enumerate(ctx.indicators):
        if not ind.level2:
            yield i, "二级指标为空。", "填写规范的二级指标名称。"
        elif not is_valid_pair(ind.level1, ind.level2, layout):
            allowed = "、".join(f"{l1}（{'/'.join(l2s)}）" for l1, l2s in TAXONOMY[layout].items())
            yield (i, f"“{ind.level1}—{ind.level2}”不是{layout}版指标体系中的有效组合。",
                   f"按{layout}版框架放置：{allowed}。")
        elif "满意度" in ind.name and ind.level2 != SERVICE_SATISFACTION and ind.level1 not in (BENEFIT,):
            yield i, f"满意度指标“{ind.name}”放在了{ind.level2}下。", "满意度放入满意度指标—服务对象满意度指标。"


@rule("S05", "warning", "completeness", "三级指标过少或过多")
def count_range(ctx: Context):
    n = len(ctx.indicators)
    if n < 5:
        yield None, f"三级指标只有{n}个，难以全面反映产出和效益。", "一般设置6至15个三级指标，覆盖数量、质量、时效、成本、效益和满意度。"
    elif n > 20:
        yield None, f"三级指标多达{n}个，核心指标不突出。", "精简为最能反映产出和效益的核心指标（一般不超过15个）。"
    for level2, count in Counter(ind.level2 for ind in ctx.indicators).items():
        if count > 6:
            yield None, f"{level2}下有{count}个三级指标，过于繁杂。", "每个二级指标保留最具代表性的2至4个三级指标。"


@lru_cache(maxsize=16384)
def _dup_key(name: str) -> tuple[str, frozenset[str], int]:
    key = normalize_name(name)
    grams = bigrams(key)
    return key, grams, len(grams)


@lru_cache(maxsize=4096)
def _duplicate_pairs(names: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """(row, the earlier row it repeats) for every row whose name repeats an earlier one (same key, or bigram
    Jaccard above 0.8): a sheet checked again has the same names, and the pairwise comparison is the costly part."""
    seen: list[tuple[int, str, frozenset[str], int]] = []
    pairs = []
    for i, name in enumerate(names):
        key, grams, n = _dup_key(name)
        if not key:
            continue
        for j, other, other_grams, m in seen:
            # the Jaccard index of two sets is at most the ratio of their sizes: most pairs are decided by it
            if key == other or (len(key) >= 4 and 5 * min(n, m) > 4 * max(n, m)
                                and len(grams & other_grams) > 0.8 * len(grams | other_grams)):
                pairs.append((i, j))
                break
        seen.append((i, key, grams, n))
    return tuple(pairs)


@rule("S06", "warning", "completeness", "重复指标")
def duplicates(ctx: Context):
    rows = ctx.indicators
    for i, j in _duplicate_pairs(tuple(ind.name for ind in rows)):
        yield i, f"与第{j + 1}行“{rows[j].name}”重复。", "删除重复行，或改为反映不同方面的指标。"


@rule("S07", "warning", "appropriateness", "年度目标混入跨年度内容", per_row=True)
def annual_mix(ctx: Context):
    year = ctx.sheet.year
    for i, value in enumerate(ctx.values):
        if value.kind == "period" and value.deadline and value.period_end and value.deadline.year != value.period_end.year:
            yield i, f"指标值“{value.raw}”跨越两个年度，年度绩效目标只应填写本年度的值。", "改为本年度内的完成时间或本年度应完成的量。"
        elif year and value.kind == "date" and value.deadline and value.deadline.year > 1900 and value.deadline.year > year + 1:
            yield i, f"完成时间{value.deadline.year}年超出预算年度{year}年。", "年度目标表填写本年度可完成的节点，跨年度目标放入总体目标。"
