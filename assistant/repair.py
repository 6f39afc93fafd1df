"""Repair in place: a legacy row whose value is a fact (a number with its unit, a date, a range, a grade) is kept and
completed — operator, a name with its dimension, 指标解释 and 依据 — never replaced by a library row with a blank."""

from __future__ import annotations

import re

from assistant.lexicon import COST_WORDS, ECO_WORDS, ECON_WORDS, TIME_WORDS, has_any, is_rate_name, jaccard
from assistant.models import Indicator
from assistant.rules.base import Finding
from assistant.taxonomy import (
    BENEFIT, COST2, ECOLOGICAL, ECON_COST, ECONOMIC, OUTPUT, QUALITY, QUANTITY, SATISFACTION, SERVICE_SATISFACTION,
    SOCIAL, SUSTAINABLE, TAXONOMY, TIMELINESS, Layout, convert_level2, level1_for, normalize_level1, normalize_level2,
)
from assistant.values import MONEY_UNITS, TIME_UNITS, ParsedValue, parse_value

# an error means the row measures nothing or the wrong thing, and the row is replaced, not repaired
# (every error but these three, which completing the row repairs: a foreign 解释 or 依据 is rewritten, and the
# 一级 is set from the 二级)
REPAIRABLE_ERRORS = frozenset({"D03", "B06", "S04"})
# the unit a count name implies when its value was printed as a bare number (接受业务培训人数 200 -> =200人)
_NAME_UNITS = (("人次", "人次"), ("人数", "人"), ("户数", "户"), ("次数", "次"), ("场次", "场"), ("天数", "天"),
               ("个数", "个"), ("件数", "件"), ("台数", "台"), ("辆数", "辆"), ("课时", "课时"), ("学时", "学时"))
_MUST_EQUAL = ("准确", "发放", "验收", "兑付", "到位", "足额", "覆盖", "办结", "整改", "建档", "公示")
_SUGGESTED = re.compile(r"如“([^”]+)”")
_PLAIN_UNITS = ("百分比", "％", "M", "m", "KM", "km", "Km", "平米", "度")


_LEVEL_NOTE = re.compile(r"[（(][^）)]*[）)]")
_ON_TIME = ("及时", "按时", "按期", "进度", "时效", "准时", "限时")
_UNIT_COST = ("成本", "单价", "造价", "定额", "费用", "经费", "补助标准", "投资")
_LASTING = ("持续", "长效", "长期", "运维", "管护", "使用年限", "机制")


def _output_level2(ind: Indicator, layout: Layout) -> str:
    """The 产出 二级 a row measures, read from its name and value (a heading that names only the 一级)."""
    v, name = ind.parsed_value, ind.name
    cost = ECON_COST if layout == "2021" else COST2
    if v.kind in ("date", "period") or (v.unit or "") in TIME_UNITS:
        return TIMELINESS
    if is_rate_name(name):
        return TIMELINESS if has_any(name, _ON_TIME) else QUALITY
    if (v.unit or "").split("/")[0] in MONEY_UNITS or has_any(name, _UNIT_COST):
        return cost
    if has_any(name, TIME_WORDS) and v.unit is None:
        return TIMELINESS
    return QUANTITY


def _benefit_level2(ind: Indicator) -> str:
    name = ind.name
    if "满意" in name:
        return SERVICE_SATISFACTION
    if has_any(name, ECO_WORDS):
        return ECOLOGICAL
    if has_any(name, ECON_WORDS):
        return ECONOMIC
    return SUSTAINABLE if has_any(name, _LASTING) else SOCIAL


def canonical_level2(ind: Indicator, layout: Layout) -> str:
    """The 二级 of the layout a legacy row belongs to, when its heading is a variant the checker does not accept:
    a note in brackets (数量指标(或建筑规模指标)), 目标 for 指标 (社会效益目标, 数量目标), another layout's name
    (成本指标 in a 2021 table), or a heading that names only the 一级 or several 二级 at once (产出指标, 效益指标,
    社会、经济、生态效益指标), in which case the row's own name and value decide. Unknown headings are kept."""
    allowed = {l2 for l2s in TAXONOMY[layout].values() for l2 in l2s}
    raw = normalize_level2(ind.level2)
    for key in (raw, _LEVEL_NOTE.sub("", raw)):
        for cand in (key, re.sub(r"目标$", "指标", key)):
            cand = normalize_level2(cand)
            cand = convert_level2(cand, layout) or cand
            if cand in allowed:
                return cand
    key = re.sub(r"目标$", "指标", _LEVEL_NOTE.sub("", raw))
    heading = normalize_level1(key)
    level1 = heading if heading in TAXONOMY[layout] else normalize_level1(re.sub(r"目标$", "指标", ind.level1))
    if "满意" in key or level1 == SATISFACTION:
        return SERVICE_SATISFACTION
    if "效益" in key or level1 == BENEFIT:
        return _benefit_level2(ind)
    if heading == OUTPUT or level1 == OUTPUT:
        return _output_level2(ind, layout)
    if not raw and not level1:  # a row with no heading at all: its own name and value say what it measures
        if "满意" in ind.name:
            return SERVICE_SATISFACTION
        if has_any(ind.name, ECO_WORDS) or has_any(ind.name, ECON_WORDS) or has_any(ind.name, _BENEFIT_HINTS):
            return _benefit_level2(ind)
        return _output_level2(ind, layout)
    return raw


_BENEFIT_HINTS = ("受益", "带动", "增收", "改善", "提升", "群众", "覆盖率", "知晓率")
# one part of a value that lists several facts: 困难台胞432人 / 夏令营活动1次 / 培训≥2期
_PART = re.compile(r"^(?P<obj>[^\d≥≤＞＜><=＝]*?[\u4e00-\u9fff][^\d≥≤＞＜><=＝]*?)\s*(?P<op>[≥≤＞＜><=＝]?)\s*"
                   r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>[^\d\s、，,；;。]{1,4})$")
_MAX_PART = 40
_PART_SEP = re.compile(r"[、，,；;。\n]+")
_LEAD_VERBS = ("开展", "举办", "组织", "完成", "实施", "发放", "提供", "建设", "新建")


def split_compound(ind: Indicator) -> list[Indicator]:
    """A value that states several facts in words (困难台胞432人、高龄台胞1792人; 开展丰收节活动1次、夏令营活动1次)
    as one row per fact, each named object + dimension with its own value; [] when the value is not such a list.
    Every part of the value must be a fact, so nothing the department wrote is lost by the split."""
    from assistant.rules.names import _dimension_for

    if is_fact(ind.parsed_value) or implied_unit(ind):
        return []
    parts = [p.strip() for p in _PART_SEP.split(ind.value.strip()) if p.strip()]
    out: list[Indicator] = []
    for part in parts:
        if len(part) > _MAX_PART:  # a fact is a short phrase; a long run is prose (and _PART would backtrack on it)
            return []
        m = _PART.match(part)
        if not m:
            return []
        value = f"{m['op'] or '='}{m['num']}{m['unit']}".replace("＝", "=")
        v = parse_value(value)
        if v.kind != "number" or v.unit is None:
            return []
        obj = m["obj"].strip("：: ")
        for verb in _LEAD_VERBS:
            if obj.startswith(verb) and len(obj) - len(verb) >= 2:
                obj = obj[len(verb):]
                break
        dim = _dimension_for(v.unit)
        name = obj if obj.endswith(dim) or is_rate_name(obj) else obj + dim
        out.append(ind.model_copy(update={"name": name, "value": value, "description": "", "basis": ""}))
    return out


def is_fact(v: ParsedValue) -> bool:
    """A value a department stated and a reviewer can check: a number with a unit, a range, a date, a grade."""
    return (v.kind == "number" and v.unit is not None) or v.kind in ("range", "date", "period", "grade")


def implied_unit(ind: Indicator) -> str | None:
    """The unit of a bare count whose name says what it counts."""
    v = ind.parsed_value
    if v.kind != "number" or v.unit is not None:
        return None
    name = re.sub(r"[（(][^）)]*[）)]$", "", ind.name.strip())
    return next((unit for ending, unit in _NAME_UNITS if name.endswith(ending)), None)


def must_replace(ind: Indicator, findings: list[Finding]) -> bool:
    """True when the row's value is no fact or an error says it measures the wrong thing."""
    if not is_fact(ind.parsed_value) and implied_unit(ind) is None:
        return True
    return any(f.severity == "error" and f.rule not in REPAIRABLE_ERRORS for f in findings)


def _with_year(ind: Indicator, year: int | None) -> str:
    """A deadline printed without its year (11月底前) gets the budget year the document states."""
    v = ind.parsed_value
    recurring = ind.value.strip().startswith(("每年", "每季度", "每月"))  # 每年12月底前 holds in every year
    if v.kind == "date" and v.deadline and v.deadline.year == 1900 and not v.year_slot and year and not recurring:
        return f"{year}年{ind.value.strip()}"
    return ind.value


def _with_operator(ind: Indicator) -> str:
    v = ind.parsed_value
    if v.kind == "number" and not v.op_implicit and v.unit_raw in _PLAIN_UNITS:
        return v.display()  # ≥98百分比 -> ≥98%, ≥80M -> ≥80米: the same figure in the unit reviewers expect
    unit = implied_unit(ind)
    if unit:
        return f"{v.op or '='}{v.display().lstrip('≥>=≤<')}{unit}"
    if v.kind != "number" or not v.op_implicit:
        return ind.value
    whole = v.is_percent and v.number == 100  # 100% without operator means =100%, never ≥100%
    op = "≥" if v.is_percent and not whole and not any(w in ind.name for w in _MUST_EQUAL) else "="
    return op + v.display()


def _description(ind: Indicator, like: Indicator | None) -> str:
    """The row's own 口径: the closest library indicator's, or one written from its 二级 and unit."""
    if like is not None:
        return like.description
    v, name = ind.parsed_value, ind.name
    level2 = ind.level2
    if level2 == "数量指标":
        return f"本年度实际完成的{name}，以项目验收资料和工作台账统计，计量单位为{v.unit or '个'}"
    if level2 == "质量指标" and is_rate_name(name):
        return f"{name}＝达到标准（验收合格）的数量÷完成总数×100%，以验收记录为准"
    if level2 == "时效指标":
        return ("以项目完成（验收）资料记载的完成日期为准" if v.kind in ("date", "period")
                else f"{name}＝按时完成的事项数÷应完成事项数×100%，以工作台账为准")
    if "成本" in level2:
        return f"{name}，以项目财务决算和验收资料计算（实际支出÷实际完成量，总额类为实际支出金额）"
    if level2 == "服务对象满意度指标":
        return f"对服务对象开展问卷调查，{name}＝满意和较满意的有效问卷数÷有效问卷总数×100%"
    return f"{name}，以项目实施后的统计或监测数据为准，对照指标值判断是否达到"


def _basis(ind: Indicator, year: int | None, project: str) -> str:
    when = f"{year}年" if year else "本年度"
    if "成本" in ind.level2:
        return f"预算支出标准：{when}{project}预算批复及测算明细"
    if ind.level2 == "服务对象满意度指标":
        return "历史标准：上年度服务对象满意度调查结果"
    return f"计划标准：{when}{project}实施方案"


def complete(ind: Indicator, findings: list[Finding], library: list[Indicator], year: int | None,
             project: str, layout: str = "2015") -> tuple[Indicator, list[str]]:
    """The row with its value kept and what it lacks added; returns the row and what was done, in Chinese."""
    done: list[str] = []
    update: dict[str, str] = {}
    level2 = canonical_level2(ind, layout)
    if level2 != ind.level2:
        update["level2"] = level2
        done.append(f"二级指标改为{level2}（原为{ind.level2 or '空'}）")
        ind = ind.model_copy(update={"level2": level2})
    level1 = level1_for(ind.level2, layout)
    if level1 and level1 != ind.level1:
        update["level1"] = level1
        done.append(f"一级指标改为{level1}")
    value = _with_year(ind.model_copy(update={"value": _with_operator(ind)}), year)
    if value != ind.value:
        update["value"], done = value, done + [f"补运算符（{ind.value}→{value}）"]
    for f in findings:
        m = _SUGGESTED.search(f.hint)
        if f.rule == "N01" and f.severity == "warning" and m and ind.name in m.group(1):
            update["name"] = m.group(1)
            done.append(f"名称补衡量维度（{ind.name}→{m.group(1)}）")
    codes = {f.rule for f in findings}
    if not ind.description.strip() or codes & {"D07", "D04", "D03"}:
        same = [r for r in library if r.level2 == ind.level2]
        like = max(same, key=lambda r: jaccard(r.name, ind.name), default=None)
        like = like if like is not None and jaccard(like.name, ind.name) >= 0.4 else None
        update["description"] = _description(ind.model_copy(update=update), like)
        done.append("补写指标解释")
    if not ind.basis.strip() or codes & {"B02", "B03", "B04", "B06"}:
        update["basis"] = _basis(ind, year, project)
        done.append("补写指标值确定依据")
    return (ind.model_copy(update=update) if update else ind), done


_SERIAL = re.compile(r"^(?:指标)?\d{1,3}\s*[:：、.．]\s*")
_RATIO_UNITS = ("比例", "比率")


def _money(v: ParsedValue) -> bool:
    return v.kind == "number" and (v.unit or "").split("/")[0] in MONEY_UNITS and "/" not in (v.unit or "")


def prepare(ind: Indicator, findings: list[Finding], project: str, layout: Layout) -> tuple[Indicator, list[str]]:
    """The row with a stated fact put in a form the checker can read, before deciding to keep or replace it:
    a ratio printed as 0.97比例 becomes 97%; a rate name carrying a count (家庭医生签约率 24694人) is named for
    the count; a project's whole cost under a vague or over-long name (控制在预算成本内 250万) is named the
    project's 总成本; a fact under the wrong 二级 (灌溉面积 under 生态效益) moves to the 二级 its name says."""
    from assistant.rules.names import _dimension_for

    codes = {f.rule for f in findings}
    done: list[str] = []
    update: dict[str, str] = {}
    v = ind.parsed_value
    name = ind.name.strip()
    if _SERIAL.match(name) and len(_SERIAL.sub("", name)) >= 2:
        update["name"] = name = _SERIAL.sub("", name)
        done.append(f"去掉名称中的序号（{ind.name}→{name}）")
    if v.kind == "number" and v.unit_raw in _RATIO_UNITS and v.number is not None and 0 < v.number <= 1:
        value = f"{v.op or ('≥' if not v.op_implicit else '=')}{v.number * 100:.10g}%"
        update["value"] = value
        done.append(f"比例改为百分数（{ind.value}→{value}）")
    elif "V04" in codes and name.endswith("率") and v.kind == "number" and v.unit and not v.is_percent:
        dim = _dimension_for(v.unit)
        new = name[:-1] + dim if not name[:-1].endswith(dim) else name[:-1]
        update["name"] = new
        done.append(f"比率名称改为与数值相符的“{new}”（原为{ind.name}）")
    elif codes & {"N02", "N04"} and "成本" in ind.level2 and _money(v):
        new = f"{_LEVEL_NOTE.sub('', project).strip()}总成本"
        update["name"] = new
        if v.op_implicit or not v.op:
            update["value"] = f"≤{v.display().lstrip('≥>=≤<')}"
        if "N04" in codes and len(name) > 20:
            update["description"] = f"{new}，包括{name}"
        done.append(f"成本指标改名为“{new}”（原为{ind.name}）")
    if "N05" in codes and is_fact(v):
        level2 = canonical_level2(ind, layout)
        target = _benefit_level2(ind) if level2 in (ECONOMIC, SOCIAL, ECOLOGICAL, SUSTAINABLE) else (
            _output_level2(ind, layout) if level2 in (QUANTITY, QUALITY, TIMELINESS, COST2, ECON_COST) else level2)
        if target != level2:
            update["level2"] = target
            update["level1"] = level1_for(target, layout) or ind.level1
            done.append(f"移到{target}（原在{ind.level2}下）")
    if "value" in update:
        parse_value(update["value"])  # a value this function wrote must parse
    return (ind.model_copy(update=update) if update else ind), done


_STATED = re.compile(r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>[\u4e00-\u9fff%％㎡/·]{1,6})")


def carry_facts(before: Indicator, after: Indicator) -> tuple[Indicator, list[str]]:
    """A replacement row's number slot filled from the replaced row's own text (开展送戏进万村 70村 -> the new
    count row's {N:…}村 = 70) when exactly one number there is in the slot's unit; otherwise the slot stays open."""
    from assistant.drafters.slots import SLOT_RE
    from assistant.values import same_unit

    m = SLOT_RE.search(after.value)
    if not m or m.group("kind") not in ("N", "X") or not m.group("unit"):
        return after, []
    unit = m.group("unit")
    if unit in ("%", "％", "‰") or unit.split("/")[0] in MONEY_UNITS:
        return after, []  # a rate or an amount of one thing is no figure for another: only counts and sizes carry
    text = f"{before.name} {before.value}"
    found = {x.group("num") for x in _STATED.finditer(text)
             if same_unit(x.group("unit"), unit) or x.group("unit").startswith(unit) and len(unit) >= 2}
    if len(found) != 1:
        return after, []
    number = found.pop()
    value = after.value[: m.start()] + number + after.value[m.start() + len(m.group(0)) - len(unit):]
    return after.model_copy(update={"value": value}), [f"数值{number}{unit}取自原指标“{before.name}｜{before.value}”"]
