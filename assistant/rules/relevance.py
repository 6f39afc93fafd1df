"""Relevance rules (C, X, S08): indicators belong to this project and say different things."""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from importlib import resources

from assistant.lexicon import (
    ECO_WORDS, ECON_WORDS, GENERIC_BENEFIT_PHRASES, cjk_bigram_set, expand_synonyms, groups_in, has_any,
    normalize_name,
)
from assistant.rules.base import Context, rule
from assistant.taxonomy import ECOLOGICAL, ECONOMIC, QUALITY, QUANTITY, TIMELINESS

# bigrams too common to show that an indicator is about this project
_GENERIC = set(
    "指标 完成 保障 服务 工作 项目 情况 管理 质量 数量 时间 合格 满意 比例 效率 水平 能力 相关 开展 实施 提升 提高 "
    "年度 本级 全年 实际 计划 按时 及时 正常 运行 验收 达标 覆盖 任务 目标 建设 单位 部门 费用 资金 经费 支出 用于 "
    "成本 标准 规范 要求 有效 安全 次数 人数 面积 数额 个数 使用 发生 处理 其中 以上 以下 包括 等等 进行 确保 "
    # the acceptance vocabulary of every works project (GB 50300: 分部工程、分项工程)
    "分部 分项 项工 的分 部分 工程 竣工 施工 单位工程 检验批 "
    # kinds of work, not objects: two projects that both 改造 something need not be about the same thing
    "改造 完工 新建 更新 提升 整治 养护 维护 检修 修缮 维修 采购 购置 安装 更换 建成 投入 投用 开工 组织 举办 发放 "
    "补助 补贴 检查 印发 审核 核查 办理 受理 报送 上报 考核 评估 验收 整改 排查 ".split()
)


_GENERIC_SET = frozenset(_GENERIC)


@lru_cache(maxsize=1)
def _generic_data() -> dict:
    """assistant/data/generic_bigrams.json, read once."""
    return json.loads(resources.files("assistant.data").joinpath("generic_bigrams.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=2)
def _stop(key: str) -> frozenset[str]:
    """The hand-written generic bigrams plus those found in the rows of many library project types
    ("bigrams": ≥5% of types, so a row naming only those has no object of its own; "common": ≥15%, too common
    to show that a row and a project share an object)."""
    return frozenset(_GENERIC) | frozenset(_generic_data()[key])


@lru_cache(maxsize=1)
def _type_keywords() -> dict[str, list[str]]:
    return {name: words for name, words in _generic_data().get("type_keywords", {}).items() if len(name) >= 4}


@lru_cache(maxsize=1)
def _type_names() -> tuple[tuple[str, ...], ...]:
    return tuple((name,) for name in _type_keywords())


def project_vocabulary(text: str) -> str:
    """The project's own words plus the objects of a library type its text names (基本公共卫生服务 → 高血压…)."""
    names, keywords = _type_names(), _type_keywords()
    extra = [w for k in sorted(groups_in(text, names)) for w in keywords[names[k][0]]]
    return expand_synonyms(text + " " + " ".join(extra), work=False)


def _whole_department(name: str) -> bool:
    """部门整体绩效目标 / 单位整体支出绩效目标: the table of a whole department rather than of one project."""
    return any(w in (name or "") for w in ("部门整体", "单位整体", "整体支出绩效", "整体绩效目标"))


def unrelated_rows(ctx: Context) -> list[int]:
    """产出 rows (数量/质量/时效) whose name and 解释 share no object with the project's name, 资金用途 and goal."""
    if "unrelated" not in ctx._cache and _whole_department(ctx.sheet.name):
        ctx._cache["unrelated"] = []  # a 部门整体 table measures every function of a department, not one project
    if "unrelated" not in ctx._cache:
        project, plain = _project_words(ctx.project_text)
        own = _stop("bigrams")
        rows = []
        for i, ind in ctx.rows(QUANTITY, QUALITY, TIMELINESS):
            grams = cjk_bigram_set(ind.name + " " + ind.description)
            # a row off the project names at least two objects of its own, and shares no uncommon word with the
            # project nor any word of its name (车辆验收合格率 under 公务用车购置 shares 车辆); `project` and
            # `plain` hold no stop word, so the row's bigrams need no stop words removed before they are compared
            if project and len(grams - own) >= 2 and not grams & project \
                    and not cjk_bigram_set(ind.name) & plain:
                rows.append(i)
        ctx._cache["unrelated"] = rows
    return ctx._cache["unrelated"]


@lru_cache(maxsize=4096)
def _project_words(project_text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The project's uncommon bigrams and its bigrams less the hand-written generic ones (words of work such as
    改造, 完工 and words shared by many project types say nothing about fit)."""
    grams = cjk_bigram_set(project_vocabulary(project_text))
    return grams - _stop("common"), grams - _GENERIC_SET


@rule("C01", "warning", "relevance", "指标与项目内容无关", per_row=True)
def unrelated(ctx: Context):
    for i in unrelated_rows(ctx):
        if ctx.indicators[i].level2 != TIMELINESS:
            yield (i, f"“{ctx.indicators[i].name}”与项目名称、资金用途和绩效目标没有共同的对象。",
                   "产出指标应直接对应本项目资金形成的工作量和质量。")


@rule("C02", "error", "relevance", "多数产出指标与本项目无关")
def mostly_unrelated(ctx: Context):
    output = ctx.rows(QUANTITY, QUALITY, TIMELINESS)
    off = unrelated_rows(ctx)
    if len(output) >= 3 and len(off) * 2 >= len(output):
        yield (None, f"{len(off)}/{len(output)}个产出指标与项目名称、资金用途和绩效目标没有共同的对象，疑似套用其他项目的指标表。",
               "按本项目资金实际形成的工作量、质量和时效重新设置产出指标。")


@rule("C03", "warning", "relevance", "效益指标空泛")
def generic_benefits(ctx: Context):
    rows = ctx.benefit_rows()
    if rows and all(has_any(ind.name, GENERIC_BENEFIT_PHRASES) or ctx.values[i].kind in ("vague", "empty", "unparsed")
                    for i, ind in rows):
        yield None, "效益指标都是“保障正常运转”“维护社会稳定”一类空泛表述。", "写出项目带来的具体、可衡量的效果，如“因供暖问题影响办公次数=0次”。"


@rule("S08", "info", "relevance", "不适用的二级指标被硬凑", per_row=True)
def forced_content(ctx: Context):
    for i, ind in ctx.rows(ECOLOGICAL, ECONOMIC):
        words = ECO_WORDS if ind.level2 == ECOLOGICAL else ECON_WORDS
        if ind.name and not has_any(ind.name, words):
            yield i, f"{ind.level2}“{ind.name}”似为硬凑。", f"本项目如无{ind.level2[:-2]}，该二级指标可不填或注明“不适用”。"


@rule("X01", "warning", "appropriateness", "所有指标取值相同")
def same_value(ctx: Context):
    values = [normalize_name(v.raw) for v in ctx.values if v.raw.strip()]
    if len(values) >= 4:
        value, count = Counter(values).most_common(1)[0]
        if count / len(values) >= 0.8:
            yield None, f"{count}/{len(values)}个指标的指标值都是“{value}”，指标值没有按指标设置。", "逐项按指标含义设置运算符、数值和单位。"
