"""The two indicator taxonomies (2015–2020 and 财预〔2021〕101号) and name normalisation."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

Layout = Literal["2015", "2021"]

OUTPUT, BENEFIT, SATISFACTION, COST = "产出指标", "效益指标", "满意度指标", "成本指标"

QUANTITY, QUALITY, TIMELINESS, COST2 = "数量指标", "质量指标", "时效指标", "成本指标"
ECONOMIC, SOCIAL, ECOLOGICAL, SUSTAINABLE = "经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"
SERVICE_SATISFACTION = "服务对象满意度指标"
ECON_COST, SOCIAL_COST, ECO_COST = "经济成本指标", "社会成本指标", "生态环境成本指标"

BENEFIT_LEVEL2 = (ECONOMIC, SOCIAL, ECOLOGICAL, SUSTAINABLE)

# 一级 -> allowed 二级, per layout, in display order
TAXONOMY: dict[str, dict[str, tuple[str, ...]]] = {
    "2015": {
        OUTPUT: (QUANTITY, QUALITY, TIMELINESS, COST2),
        BENEFIT: BENEFIT_LEVEL2,
        SATISFACTION: (SERVICE_SATISFACTION,),
    },
    "2021": {
        COST: (ECON_COST, SOCIAL_COST, ECO_COST),
        OUTPUT: (QUANTITY, QUALITY, TIMELINESS),
        BENEFIT: BENEFIT_LEVEL2,
        SATISFACTION: (SERVICE_SATISFACTION,),
    },
}

_LEVEL1_SYNONYMS = {"效果指标": BENEFIT, "产出": OUTPUT, "效益": BENEFIT, "满意度": SATISFACTION, "成本": COST}

_LEVEL2_SYNONYMS = {
    "进度指标": TIMELINESS,
    "工期指标": TIMELINESS,
    "时间指标": TIMELINESS,
    "环境效益指标": ECOLOGICAL,
    "生态环境效益指标": ECOLOGICAL,
    "社会公众或服务对象满意度指标": SERVICE_SATISFACTION,
    "服务对象满意度": SERVICE_SATISFACTION,
    "满意度指标": SERVICE_SATISFACTION,
    "可持续发展指标": SUSTAINABLE,
    "可持续影响": SUSTAINABLE,
    "预算(或投资规模)控制指标": COST2,
    "预算（或投资规模）控制指标": COST2,
    "经济成本": ECON_COST,
    "社会成本": SOCIAL_COST,
    "生态环境成本": ECO_COST,
}

_SPACE = re.compile(r"\s+")


def clean(text: str | None) -> str:
    """Collapse whitespace (including full-width space) and strip."""
    if not text:
        return ""
    return _SPACE.sub(" ", text.replace("\u3000", " ")).strip()


# (?<!\d): a digit run is tried from its first digit only (a 40,000-digit cell took minutes otherwise)
_WEIGHT_NOTE = re.compile(r"[（(]\s*(?:\d+(?:\.\d+)?\s*分?|必填|选填)\s*[）)]$|(?<!\d)\d+(?:\.\d+)?分$")


@lru_cache(maxsize=4096)
def _level_key(name: str) -> str:
    """A level name without spaces or a printed weight ("产出指标(50分)" -> "产出指标")."""
    return _WEIGHT_NOTE.sub("", clean(name).replace(" ", ""))


@lru_cache(maxsize=4096)
def normalize_level1(name: str) -> str:
    """Map a 一级指标 spelling to its canonical name."""
    key = _level_key(name)
    if key in _LEVEL1_SYNONYMS:
        return _LEVEL1_SYNONYMS[key]
    if key and not key.endswith("指标") and key + "指标" in (OUTPUT, BENEFIT, SATISFACTION, COST):
        return key + "指标"
    return key


@lru_cache(maxsize=4096)
def normalize_level2(name: str) -> str:
    """Map a 二级指标 spelling (进度指标, 环境效益指标, 满意度…) to its canonical name."""
    key = _level_key(name)
    if key in _LEVEL2_SYNONYMS:
        return _LEVEL2_SYNONYMS[key]
    if key and not key.endswith("指标"):
        candidate = key + "指标"
        if any(candidate in l2s for tax in TAXONOMY.values() for l2s in tax.values()):
            return candidate
        if candidate in _LEVEL2_SYNONYMS:
            return _LEVEL2_SYNONYMS[candidate]
    return key


def level1_for(level2: str, layout: Layout) -> str | None:
    """The 一级 that owns a canonical 二级 in the given layout, or None."""
    for level1, level2s in TAXONOMY[layout].items():
        if level2 in level2s:
            return level1
    return None


def is_valid_pair(level1: str, level2: str, layout: Layout) -> bool:
    return level2 in TAXONOMY[layout].get(level1, ())


def detect_layout(pairs: list[tuple[str, str]]) -> Layout:
    """Guess the layout from (一级, 二级) pairs: 成本指标 as a 一级 means the 2021 layout."""
    for level1, level2 in pairs:
        if normalize_level1(level1) == COST or normalize_level2(level2) in (ECON_COST, SOCIAL_COST, ECO_COST):
            return "2021"
    return "2015"


def convert_level2(level2: str, target: Layout) -> str | None:
    """Translate a canonical 二级 between layouts; None when it has no place in the target."""
    if target == "2021" and level2 == COST2:
        return ECON_COST
    if target == "2015" and level2 == ECON_COST:
        return COST2
    if target == "2015" and level2 in (SOCIAL_COST, ECO_COST):
        return None
    return level2


def is_cost_level2(level2: str) -> bool:
    return level2 in (COST2, ECON_COST, SOCIAL_COST, ECO_COST)


def order_key(level1: str, level2: str, layout: Layout) -> tuple[int, int]:
    """Sort key giving the standard table order."""
    tax = TAXONOMY[layout]
    l1s = list(tax)
    i = l1s.index(level1) if level1 in tax else len(l1s)
    l2s = tax.get(level1, ())
    j = l2s.index(level2) if level2 in l2s else len(l2s)
    return (i, j)
