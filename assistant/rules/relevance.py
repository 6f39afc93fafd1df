"""Relevance rules (C, X, S08): indicators belong to this project and say different things."""

from __future__ import annotations

from collections import Counter

from assistant.lexicon import (
    ECO_WORDS, ECON_WORDS, GENERIC_BENEFIT_PHRASES, cjk_bigrams, expand_synonyms, has_any, normalize_name,
)
from assistant.rules.base import Context, rule
from assistant.taxonomy import ECOLOGICAL, ECONOMIC, QUALITY, QUANTITY

# bigrams too common to show that an indicator is about this project
_GENERIC = set(
    "指标 完成 保障 服务 工作 项目 情况 管理 质量 数量 时间 合格 满意 比例 效率 水平 能力 相关 开展 实施 提升 提高 "
    "年度 本级 全年 实际 计划 按时 及时 正常 运行 验收 达标 覆盖 任务 目标 建设 单位 部门 费用 资金 经费 支出 用于 "
    "成本 标准 规范 要求 有效 安全 次数 人数 面积 数额 个数 使用 发生 处理 其中 以上 以下 包括 等等 进行 确保 ".split()
)


def _bigrams(text: str) -> set[str]:
    return cjk_bigrams(text, _GENERIC)


@rule("C01", "warning", "relevance", "指标与项目内容无关")
def unrelated(ctx: Context):
    project = _bigrams(expand_synonyms(ctx.project_text))
    if not project:
        return
    for i, ind in ctx.rows(QUANTITY, QUALITY):
        own = _bigrams(ind.name + ind.description)
        if own and not own & project:
            yield i, f"“{ind.name}”与项目名称、资金用途和绩效目标没有共同的对象。", "产出指标应直接对应本项目资金形成的工作量和质量。"


@rule("C03", "warning", "relevance", "效益指标空泛")
def generic_benefits(ctx: Context):
    rows = ctx.benefit_rows()
    if rows and all(has_any(ind.name, GENERIC_BENEFIT_PHRASES) or ctx.values[i].kind in ("vague", "empty", "unparsed")
                    for i, ind in rows):
        yield None, "效益指标都是“保障正常运转”“维护社会稳定”一类空泛表述。", "写出项目带来的具体、可衡量的效果，如“因供暖问题影响办公次数=0次”。"


@rule("S08", "info", "relevance", "不适用的二级指标被硬凑")
def forced_content(ctx: Context):
    for i, ind in ctx.rows(ECOLOGICAL, ECONOMIC):
        words = ECO_WORDS if ind.level2 == ECOLOGICAL else ECON_WORDS
        if ind.name and not has_any(ind.name, words):
            yield i, f"{ind.level2}“{ind.name}”似为硬凑。", f"本项目如无{ind.level2[:-2]}，该二级指标可不填或注明“不适用”。"


@rule("X01", "warning", "measurability", "所有指标取值相同")
def same_value(ctx: Context):
    values = [normalize_name(v.raw) for v in ctx.values if v.raw.strip()]
    if len(values) >= 4:
        value, count = Counter(values).most_common(1)[0]
        if count / len(values) >= 0.8:
            yield None, f"{count}/{len(values)}个指标的指标值都是“{value}”，指标值没有按指标设置。", "逐项按指标含义设置运算符、数值和单位。"
