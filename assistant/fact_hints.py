"""Suggestions for open facts that the sheet itself lets us derive: the year, the budget, budget ÷ a quantity."""

from __future__ import annotations

import re

from assistant.brief import CostPart
from assistant.models import ProjectSheet
from assistant.open_facts import OpenFact
from assistant.taxonomy import QUANTITY, is_cost_level2
from assistant.values import MONEY_UNITS, cap_text, number_text

_SAME_UNIT = {"名": "人", "人": "人", "㎡": "平方米", "平米": "平方米", "千米": "公里"}


def _base(unit: str) -> str:
    u = unit.split("·")[0]
    return _SAME_UNIT.get(u, u)


def _budget(sheet: ProjectSheet) -> float | None:
    return sheet.budget.total_yuan


def _quantity_rows(sheet: ProjectSheet, unit: str, skip: int | None):
    """Rows that count what the money delivers, in this unit. Only 数量指标: a 时效 row in 小时 (服务需求响应时间 ≤24小时)
    is a time limit, and the budget ÷ it (101万元 ÷ 24小时 = 42000元/小时) was offered as an hourly price."""
    for i, ind in enumerate(sheet.indicators):
        pv = ind.parsed_value
        if i != skip and ind.level2 == QUANTITY and pv.kind == "number" and pv.number and _base(pv.unit or "") == unit \
                and "/" not in (pv.unit or "") and pv.op not in ("≤", "<"):
            yield ind, pv


def _parts(sheet: ProjectSheet, parts: list[CostPart] | None = None) -> list[CostPart]:
    """The amounts stated for parts of the money: given by the drafter (its brief's budget lines too), or read from
    the sheet's 资金用途."""
    if parts is not None:
        return parts
    from assistant.brief import extract_cost_parts

    return extract_cost_parts(" ".join([sheet.fund_use, *sheet.goals]), _budget(sheet))


def names_part(name: str, part: CostPart) -> bool:
    """The row costs this part: 单灯年电费 names 路灯电费 (the bill 电费), 单台设备购置成本 names 设备购置费."""
    stem = re.sub(r"(?:经费|费用|资金|支出|成本|费)$", "", part.item)
    bill = part.item[-2:] if part.item.endswith("费") else ""
    return bool(stem and stem in name) or bool(bill and bill in name)


def money_for(sheet: ProjectSheet, name: str, parts: list[CostPart] | None = None) -> tuple[float, str, str] | None:
    """The money a cost row divides, how it was found, and from what: "part", the stated part the row names
    (路灯电费86万元 for 单灯年电费); "rest", when parts are stated and the row names none, the budget less them, which is
    uncertain, since only the user knows whether the row's cost includes them (单灯年维护费用 with 电费 stated apart);
    "budget", the whole budget when no part is stated."""
    budget = _budget(sheet)
    if budget is None:
        return None
    parts = _parts(sheet, parts)
    named = [p for p in parts if names_part(name, p)]
    if named:
        total = sum(p.amount for p in named)
        return total, "、".join(f"{p.item}{p.raw}" for p in named), "part"
    rest = sum(p.amount for p in parts)
    if parts and rest < budget:
        return budget - rest, f"预算{number_text(budget / 10000)}万元扣除{'、'.join(p.item + p.raw for p in parts)}后的" \
                              f"{number_text((budget - rest) / 10000)}万元", "rest"
    return budget, f"项目预算{number_text(budget / 10000)}万元", "budget"


def _unit_cost(sheet: ProjectSheet, fact: OpenFact,
               parts: list[CostPart] | None = None) -> tuple[str, str, tuple[float, str, str]] | None:
    """Budget (or the part of it the row costs) ÷ the quantity of a row in the denominator's unit: the value, how it
    was found, and the money it divides (money_for)."""
    money, _, per = fact.unit.partition("/")
    if money not in ("元", "万元") or not per or not _yearly(per) or not _a_cost(sheet, fact):
        return None
    found = money_for(sheet, sheet.indicators[fact.index].name, parts)
    if found is None:
        return None
    amount, how, source = found
    for ind, pv in _quantity_rows(sheet, _base(per), fact.index):
        cost = amount / pv.number / (10000 if money == "万元" else 1)
        why = f"{how} ÷ “{ind.name}”{number_text(pv.number)}{pv.unit}"
        if source == "rest":  # the whole budget is the other answer: the user says which holds
            whole = _budget(sheet) / pv.number / (10000 if money == "万元" else 1)
            why += f"；若该单价包含上述各项，则按预算全额测算为{cap_text(whole)}{money}/{per}"
        return cap_text(cost), why, found
    return None


def _yearly(per: str) -> bool:
    """A per-unit figure the year's budget can be divided into: 元/座, 元/公里·年, 元/人次, not 元/人·月 or 元/人·天."""
    return "·" not in per or per.split("·", 1)[1] in ("年", "次")


def _a_cost(sheet: ProjectSheet, fact: OpenFact) -> bool:
    """The fact is a cost or a standard of spending (成本 row, 补助/补贴标准), not a benefit such as 亩均增收."""
    if fact.index is None or fact.index >= len(sheet.indicators):
        return False
    ind = sheet.indicators[fact.index]
    return is_cost_level2(ind.level2) or any(w in ind.name for w in ("补助", "补贴", "标准", "单价", "造价", "成本", "费用"))


def _count(sheet: ProjectSheet, fact: OpenFact) -> tuple[str, str] | None:
    """Budget ÷ a stated unit cost per this unit."""
    budget = _budget(sheet)
    if budget is None:
        return None
    for ind in sheet.indicators:
        pv = ind.parsed_value
        money, _, per = (pv.unit or "").partition("/")
        if pv.kind == "number" and pv.number and money in ("元", "万元") and _base(per) == _base(fact.unit):
            n = budget / (pv.number * (10000 if money == "万元" else 1))
            return f"{n:.0f}", f"预算{number_text(budget / 10000)}万元 ÷ “{ind.name}”{number_text(pv.number)}{pv.unit}（约数，请按实际核对）"
    return None


def _standard(sheet: ProjectSheet, fact: OpenFact) -> tuple[str, str] | None:
    """A national or local standard (data/standards.json, ZHIBIAO_STANDARDS) that bounds this very row: the cap or
    floor it sets, in the fact's unit, with the document that sets it."""
    from assistant.lexicon import has_any
    from assistant.rules.value_rules import limit_applies, standards
    from assistant.values import MONEY_UNITS

    if fact.index is None or fact.index >= len(sheet.indicators):
        return None
    ind = sheet.indicators[fact.index]
    project = " ".join([sheet.name, sheet.fund_use, *sheet.goals])
    text = f"{ind.name} {ind.description}"
    base = fact.unit.split("/")[0]
    for limit in standards():
        if not has_any(ind.name, limit["name_any"]) or not limit_applies(limit, text, project):
            continue
        unit = limit["unit"]
        if base == unit:
            value = float(limit["limit"])
        elif base in MONEY_UNITS and unit in MONEY_UNITS:
            value = float(limit["limit"]) * MONEY_UNITS[unit] / MONEY_UNITS[base]
        else:
            continue
        bound = "不高于" if limit["kind"] == "cap" else "不低于"
        return number_text(value), f"{limit['source']}：{bound}{number_text(float(limit['limit']))}{unit}（请按本地标准核对）"
    return None


def suggest(sheet: ProjectSheet, fact: OpenFact) -> OpenFact:
    """The fact with a suggestion and its reasoning where the sheet allows one."""
    found: tuple[str, str] | None = None
    if fact.kind == "year" and sheet.year:
        found = str(sheet.year), "表中的预算年度"
    elif fact.key == "预算金额" and _budget(sheet) is not None:
        amount = _budget(sheet) / (10000 if fact.unit.startswith("万元") else 1)
        found = number_text(amount), "表中的预算数"
    elif fact.kind == "amount" and "/" in fact.unit:
        cost = _unit_cost(sheet, fact)
        found = cost[:2] if cost else None
    elif fact.kind == "count" or (fact.kind == "amount" and fact.unit and fact.unit not in MONEY_UNITS):
        found = _count(sheet, fact)  # 服务工时数 in 小时 too: 100.8万元 ÷ 25元/小时
    if found is None and fact.kind in ("amount", "value", "rate", "count"):
        found = _standard(sheet, fact)
    if found is None:
        if "上年" in fact.label or "近三年" in fact.label:
            return fact.model_copy(update={"reasoning": "请按上年（近三年）台账或决算数据填写"})
        return fact
    return fact.model_copy(update={"suggestion": found[0], "reasoning": found[1]})


def _ask_which(sheet: ProjectSheet, fact: OpenFact, ind, without: str, quantity, parts: list[CostPart] | None) -> str:
    """The note for a unit cost the stated parts leave open: both answers, and the question only the user can settle."""
    qrow, qv = quantity
    money, _, per = fact.unit.partition("/")
    whole = _budget(sheet) / qv.number / (10000 if money == "万元" else 1)
    parts = "、".join(p.item + p.raw for p in _parts(sheet, parts)) or "另列的费用"
    return (f"“{ind.name}”未自动填写：预算中另列了{parts}。不含这些费用时，按“{qrow.name}”{number_text(qv.number)}{qv.unit}测算"
            f"约为{without}{fact.unit}；含这些费用时约为{cap_text(whole)}{fact.unit}。请确认单价口径后填写。")


def derive_unit_cost(sheet: ProjectSheet, parts: list[CostPart] | None = None) -> tuple[ProjectSheet, list[str]]:
    """Fill the one unit-cost cap that the user's own figures answer, and say how (the draft's notes).

    "改造公厕单座建安造价 ≤{X:…}万元/座" with a budget of 240万元 and "提升改造公共厕所座数 =24座" becomes ≤10万元/座: the
    project cannot spend more than its budget on its 24 seats, so budget ÷ quantity is a cap that holds. Only when it
    is unambiguous: a 成本 row, a cap (≤), a per-unit cost for one year at most (not 元/人·月: the budget is not a
    month's), exactly one stated quantity in that unit, and no second such cost row that the same budget would
    have to pay for. Anything else stays an open fact with its suggestion."""
    from assistant.open_facts import fill, open_facts

    candidates = []
    for fact in open_facts(sheet):
        if fact.kind != "amount" or fact.index is None:
            continue
        ind = sheet.indicators[fact.index]
        if not is_cost_level2(ind.level2) or not ind.value.lstrip().startswith(("≤", "<=")):
            continue
        cost = _unit_cost(sheet, fact, parts)  # the money, the money unit and a yearly denominator, or None
        quantities = list(_quantity_rows(sheet, _base(fact.unit.partition("/")[2]), fact.index))
        if cost and len(quantities) == 1:
            candidates.append((fact, ind, cost, quantities[0], cost[2]))
    # a row that names a stated part is paid from it; the rest share what is left, so only one of them can be
    # capped by it, and only when no stated part might be inside its cost
    own = [c for c in candidates if c[4][2] == "part"]
    shared = [c for c in candidates if c[4][2] != "part"]
    chosen = own + (shared if len(shared) == 1 and shared[0][4][2] == "budget" else [])
    notes = [_ask_which(sheet, fact, ind, cost[0], q, parts)
             for fact, ind, cost, q, (_, _, source) in shared if source == "rest"]
    filled_sheet = sheet
    for fact, ind, cost, (qrow, qv), (_, how_money, _) in chosen:
        filled, refused = fill(filled_sheet, {fact.key: cost[0]})
        if refused:
            continue
        how = f"按{how_money}÷“{qrow.name}”{number_text(qv.number)}{qv.unit}测算的上限"
        rows = [r.model_copy(update={"basis": f"{r.basis}；{how}" if r.basis else f"预算支出标准：{how}"})
                if i == fact.index else r for i, r in enumerate(filled.indicators)]
        notes.append(f"“{ind.name}”{rows[fact.index].value}是{how}，请按实际单价核对。")
        filled_sheet = filled.model_copy(update={"indicators": rows})
    return filled_sheet, notes
