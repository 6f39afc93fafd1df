"""Open facts: every placeholder a draft or rewrite leaves is a question with a stable key, answered once.

`open_facts(sheet)` lists them; `fill(sheet, answers)` checks each answer against its fact (a count is a whole
number, a rate lies in 0–100, a date falls in the budget year) and replaces only the placeholders it answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.brief import cn_number
from assistant.models import Indicator, ProjectSheet
from assistant.values import parse_value

FactKind = Literal["count", "rate", "amount", "year", "date", "value", "text"]

TOKEN_RE = re.compile(r"\{(?P<kind>[A-Z_]+)?(?P<shift>[+-]\d)?(?::(?P<label>[^{}]*))?\}|\{(?P<bare>[^{}:]{1,30})\}")
_LOOSE_RE = re.compile(r"[Xx]{1,3}|\*{1,3}|＊{1,3}")
_FIELDS = ("value", "description", "basis")
_COUNT_UNITS = set("""人 名 个 所 座 部 台 辆 次 场 场次 户 家 条 处 件 项 套 盏 株 具 只 头 块 册 份 间 张 人次 批 批次 期 班 起
栋 幢 棵 眼 口 门 例 篇 宗 根 路 网点 点位 台套 户次 家次 件次 车次 架次 课时 学时 期次 个次 所次""".split())
_UNIT_START = re.compile(r"^(?:%|％|万?元(?:/[\u4e00-\u9fff·]{1,6})?|万?(?:平方米|立方米|公里|公顷|千瓦时|千瓦|公斤|小时|"
                         r"个工作日|工作日|天|日|分钟|亩|米|吨|" + "|".join(sorted(_COUNT_UNITS, key=len, reverse=True)) + r"))")
_DATE_ANSWER = re.compile(r"^(?P<y>\d{4})\s*(?:年|[-./])\s*(?P<m>\d{1,2})\s*(?:月|[-./])?\s*(?:(?P<d>\d{1,2})\s*[日号]?)?"
                          r"\s*(?P<bound>之前|以前|前)?$")


class OpenFact(BaseModel):
    """A number or text the table still needs from the user, with the question to ask and any suggestion."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="stable key within the project (the slot label or the indicator name)")
    label: str = Field(description="待补充的内容，如 受益学生人数")
    unit: str = Field("", description="单位，如 人、%、元/亩")
    kind: FactKind = Field("value", description="what sort of answer fits: count/rate/amount/year/date/value/text")
    indicator: str = Field("", description="所在三级指标名称（年度目标中的为空）")
    index: int | None = Field(None, description="所在指标的序号（从 0 起），年度目标中的为空")
    project: str = Field("", description="项目编码（文档中的项目）")
    project_name: str = Field("", description="项目名称")
    question: str = Field(description="向用户提的问题")
    suggestion: str | None = Field(None, description="可推算的建议值")
    reasoning: str = Field("", description="建议值的来由")
    value: str | None = Field(None, description="填写值")


class Refusal(BaseModel):
    """An answer that was not applied, and why (in Chinese)."""

    model_config = ConfigDict(extra="forbid")

    key: str
    project: str = ""
    message: str
    unknown: bool = Field(False, description="no open fact has this key")


@dataclass(frozen=True)
class _Slot:
    group: tuple
    kind: str
    label: str
    shift: int
    token: str


def _slot(m: re.Match, index: int | None) -> _Slot:
    """What one placeholder token asks for; tokens of one group are the same question."""
    kind = m.group("kind") or "X"
    label = (m.group("label") or m.group("bare") or "").strip()
    shift = int(m.group("shift") or 0)
    if kind == "YEAR":
        return _Slot(("YEAR",), kind, "预算年度", shift, m.group(0))
    if kind in ("N", "X") and label:
        return _Slot(("L", label), kind, label, shift, m.group(0))
    return _Slot((kind, index), kind, label, shift, m.group(0))


def _texts(sheet: ProjectSheet) -> list[tuple[int | None, str, str]]:
    """(indicator index or None for the goals, field, text) for every text that may hold a placeholder."""
    out: list[tuple[int | None, str, str]] = [(None, f"goal{k}", g) for k, g in enumerate(sheet.goals)]
    for i, ind in enumerate(sheet.indicators):
        out += [(i, f, getattr(ind, f)) for f in _FIELDS]
    return out


def _unit_after(text: str, end: int, field: str) -> str:
    rest = text[end:]
    if field == "value":
        return re.split(r"[\s，。；、（(]", rest, maxsplit=1)[0]
    m = _UNIT_START.match(rest)
    return m.group(0) if m else ""


def _kind(slot: _Slot, unit: str, ind: Indicator | None, whole: bool) -> FactKind:
    if slot.kind == "YEAR":
        return "year"
    if unit in ("%", "％"):
        return "rate"
    if unit in _COUNT_UNITS:
        return "count"
    if unit:
        return "amount"
    if ind is not None and whole and ind.level2 == "时效指标":
        return "date"
    return "value" if whole else "text"


@dataclass
class _Group:
    slot: _Slot
    index: int | None
    unit: str = ""
    whole: bool = False
    in_value: bool = False


def _groups(sheet: ProjectSheet) -> dict[tuple, _Group]:
    groups: dict[tuple, _Group] = {}
    for index, field, text in _texts(sheet):
        for m in TOKEN_RE.finditer(text or ""):
            slot = _slot(m, index)
            g = groups.setdefault(slot.group, _Group(slot, index))
            if field == "value" and not g.in_value:
                g.index, g.in_value = index, True
                g.unit = _unit_after(text, m.end(), field)
                g.whole = text.strip() == m.group(0)
            elif not g.unit:
                g.unit = _unit_after(text, m.end(), field)
    return groups


def _loose(sheet: ProjectSheet) -> dict[int, str]:
    """Legacy placeholders without braces (≥XX%, 待定): indicator index -> the token to replace ('' = whole value)."""
    out: dict[int, str] = {}
    for i, ind in enumerate(sheet.indicators):
        pv = ind.parsed_value
        if pv.kind != "placeholder" or TOKEN_RE.search(ind.value):
            continue
        m = _LOOSE_RE.search(ind.value)
        out[i] = m.group(0) if m and pv.placeholder == m.group(0) else ""
    return out


def _keys(sheet: ProjectSheet, groups: dict[tuple, _Group], loose: dict[int, str]) -> dict[tuple, str]:
    """A readable key per group: the slot label, else the indicator name; duplicates get the row number."""
    wanted: dict[tuple, str] = {}
    for gid, g in groups.items():
        name = sheet.indicators[g.index].name if g.index is not None else "年度目标"
        wanted[gid] = g.slot.label if g.slot.label else (name if g.slot.kind != "BUDGET" else "预算金额")
    for i in loose:
        wanted[("LOOSE", i)] = sheet.indicators[i].name
    counts: dict[str, int] = {}
    for k in wanted.values():
        counts[k] = counts.get(k, 0) + 1
    out = {}
    for gid, k in wanted.items():
        idx = groups[gid].index if gid in groups else gid[1]
        out[gid] = k if counts[k] == 1 or idx is None else f"{k}（第{idx + 1}行）"
    return out


def _question(label: str, unit: str, kind: FactKind, indicator: str, slot_kind: str) -> str:
    unit_note = f"（单位：{unit}）" if unit else ""
    if kind == "year":
        return "本项目的预算年度是哪一年？"
    if kind == "date":
        return f"“{indicator}”的完成时限是哪一天（须在预算年度内）？"
    if slot_kind == "UNIT_COST":
        return f"“{indicator}”的单位成本是多少{unit_note}？"
    if slot_kind == "BUDGET":
        return f"本项目的预算金额是多少{unit_note}？"
    if kind == "value":
        return f"“{indicator}”的指标值是多少（写明运算符、数值和单位，如≥95%）？"
    if kind == "text":
        return f"“{indicator}”中的“{label or '待填内容'}”应填写什么？"
    what = label if label and label != indicator else indicator
    return f"本项目的{what}是多少{unit_note}？"


def count_open(sheet: ProjectSheet) -> int:
    """How many facts `open_facts` would ask for, without building the questions (the score's readiness)."""
    braces = any("{" in g for g in sheet.goals) or any(
        "{" in ind.value or "{" in ind.description or "{" in ind.basis for ind in sheet.indicators)
    return (len(_groups(sheet)) if braces else 0) + len(_loose(sheet))


def open_facts(sheet: ProjectSheet) -> list[OpenFact]:
    """Every open fact of one sheet, in table order (goals first); same sheet, same keys."""
    from assistant.fact_hints import suggest

    groups, loose = _groups(sheet), _loose(sheet)
    keys = _keys(sheet, groups, loose)
    facts = []
    for gid, g in groups.items():
        ind = sheet.indicators[g.index] if g.index is not None else None
        kind = _kind(g.slot, g.unit, ind, g.whole)
        label = g.slot.label or (ind.name if ind else "年度目标")
        facts.append(OpenFact(key=keys[gid], label=label, unit=g.unit, kind=kind, indicator=ind.name if ind else "",
                              index=g.index, project=sheet.code, project_name=sheet.name,
                              question=_question(g.slot.label, g.unit, kind, ind.name if ind else "", g.slot.kind)))
    for i in loose:
        ind = sheet.indicators[i]
        unit = ind.parsed_value.unit or ""
        kind = _kind(_Slot((), "X", "", 0, ""), unit, ind, False) if loose[i] else "value"
        facts.append(OpenFact(key=keys[("LOOSE", i)], label=ind.name, unit=unit, kind=kind, indicator=ind.name,
                              index=i, project=sheet.code, project_name=sheet.name,
                              question=_question("", unit, kind, ind.name, "X")))
    facts.sort(key=lambda f: -1 if f.index is None else f.index)
    return [suggest(sheet, f) for f in facts]


# -- answers ----------------------------------------------------------------------------------------------
def _number(text: str, unit: str) -> float | None:
    """'11000', '1.1万', '11000人', '一百二十' -> the number in the fact's unit; None if it is not one."""
    t = text.strip().replace(",", "").replace("，", "").lstrip("=＝约")
    for u in sorted({unit, unit.lstrip("万"), "%", "％"} - {""}, key=len, reverse=True):
        if t.endswith(u):
            t = t[: -len(u)].strip()
            break
    factor = 1.0
    if t.endswith("万") and not unit.startswith("万"):
        t, factor = t[:-1], 10000.0
    try:
        return float(t) * factor
    except ValueError:
        n = cn_number(t) if t else None
        return n * factor if n is not None else None


def _fmt(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.4f}".rstrip("0").rstrip(".")


def check_answer(fact: OpenFact, answer: str, year: int | None) -> tuple[str | None, str]:
    """(replacement text, '') for an answer that fits the fact, else (None, the reason in Chinese)."""
    text = str(answer).strip()
    name = f"“{fact.label}”" + (f"（{fact.indicator}）" if fact.indicator and fact.indicator != fact.label else "")
    if not text:
        return None, f"{name}的填写值为空"
    if "{" in text or "}" in text:
        return None, f"{name}的填写值不能含有占位符"
    if fact.kind in ("count", "rate", "amount", "year"):
        n = _number(text, fact.unit)
        if n is None:
            return None, f"{name}应填写数字{('（单位：' + fact.unit + '）') if fact.unit else ''}，“{text}”不是数字"
        if n < 0:
            return None, f"{name}不能为负数"
        if fact.kind == "count" and not n.is_integer():
            return None, f"{name}是计数（{fact.unit}），应为整数，“{text}”不是整数"
        if fact.kind == "rate" and n > 100:
            return None, f"{name}是比率，应在0～100之间，“{text}”超出范围"
        if fact.kind == "year" and not (n.is_integer() and 2000 <= n <= 2100):
            return None, f"{name}应为四位年份，如2026"
        return _fmt(n), ""
    if fact.kind == "date":
        return _date_answer(name, text, year)
    if fact.kind == "value":
        pv = parse_value(text)
        if pv.kind in ("placeholder", "vague", "unparsed", "empty"):
            return None, f"{name}应为可衡量的指标值（如≥95%、=3辆、2026年10月31日前），“{text}”不是"
        return text, ""
    if len(text) > 200:
        return None, f"{name}的填写内容过长（上限200字）"
    return text, ""


def _date_answer(name: str, text: str, year: int | None) -> tuple[str | None, str]:
    m = _DATE_ANSWER.match(text)
    if not m:
        return None, f"{name}应为日期，如{year or 2026}年10月31日，“{text}”无法识别"
    y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d") or 0)
    try:
        date(y, mo, d or 1)
    except ValueError:
        return None, f"{name}的日期“{text}”不存在"
    if year is not None and y != year:
        return None, f"{name}的日期应在预算年度{year}年内，“{text}”不在"
    day = f"{d}日" if d else "底"
    return f"{y}年{mo}月{day}{m.group('bound') or '前'}", ""


def _replace(sheet: ProjectSheet, by_group: dict[tuple, str], loose: dict[int, str]) -> ProjectSheet:
    """Replace the answered tokens only; every other character stays as it was."""
    def sub(text: str, index: int | None) -> str:
        def one(m: re.Match) -> str:
            slot = _slot(m, index)
            if slot.group not in by_group:
                return m.group(0)
            answer = by_group[slot.group]
            return str(int(answer) + slot.shift) if slot.kind == "YEAR" else answer
        return TOKEN_RE.sub(one, text)

    rows = []
    for i, ind in enumerate(sheet.indicators):
        update = {f: sub(getattr(ind, f), i) for f in _FIELDS}
        if i in loose:
            token = _loose(sheet).get(i, "")
            update["value"] = ind.value.replace(token, loose[i], 1) if token else loose[i]
        rows.append(ind.model_copy(update=update) if update != {f: getattr(ind, f) for f in _FIELDS} else ind)
    return sheet.model_copy(update={"indicators": rows, "goals": [sub(g, None) for g in sheet.goals]})


def fill(sheet: ProjectSheet, answers: dict[str, str]) -> tuple[ProjectSheet, list[Refusal]]:
    """The sheet with every fitting answer filled in, and the answers refused (unknown key or a value that does
    not fit); nothing but the answered placeholders changes."""
    facts = {f.key: f for f in open_facts(sheet)}
    groups, loose = _groups(sheet), _loose(sheet)
    keys = _keys(sheet, groups, loose)
    group_of = {k: gid for gid, k in keys.items()}
    by_group: dict[tuple, str] = {}
    loose_answers: dict[int, str] = {}
    refused = []
    for key, answer in answers.items():
        if key not in facts:
            refused.append(Refusal(key=key, project=sheet.code, unknown=True,
                                   message=f"项目“{sheet.name}”没有名为“{key}”的待补充信息"))
            continue
        text, why = check_answer(facts[key], answer, sheet.year)
        if text is None:
            refused.append(Refusal(key=key, project=sheet.code, message=why))
            continue
        gid = group_of[key]
        if gid[0] == "LOOSE":
            loose_answers[gid[1]] = text
        else:
            by_group[gid] = text
    if not by_group and not loose_answers:
        return sheet, refused
    return _replace(sheet, by_group, loose_answers), refused
