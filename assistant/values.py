"""The 指标值 parser: operator + number + unit, deadlines, ranges, graded qualitative values, placeholders.

Unparseable input is kept verbatim (``raw``) and reported as ``kind="unparsed"``; nothing is ever dropped.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Op = Literal["≥", ">", "=", "≤", "<"]
ValueKind = Literal["number", "range", "date", "period", "grade", "vague", "placeholder", "empty", "unparsed"]

_OP_PREFIXES: list[tuple[str, Op]] = [
    (">=", "≥"), ("＞＝", "≥"), ("≥", "≥"), ("≧", "≥"), ("不低于", "≥"), ("不少于", "≥"), ("不小于", "≥"),
    ("大于等于", "≥"), ("大于或等于", "≥"), ("至少", "≥"), ("达到", "≥"),
    ("<=", "≤"), ("＜＝", "≤"), ("≤", "≤"), ("≦", "≤"), ("不高于", "≤"), ("不超过", "≤"), ("不大于", "≤"),
    ("小于等于", "≤"), ("小于或等于", "≤"), ("最多", "≤"), ("控制在", "≤"),
    ("＞", ">"), (">", ">"), ("大于", ">"), ("高于", ">"), ("超过", ">"),
    ("＜", "<"), ("<", "<"), ("小于", "<"), ("低于", "<"),
    ("＝", "="), ("=", "="), ("等于", "="),
]
_OP_SUFFIXES: list[tuple[str, Op]] = [
    ("及以上", "≥"), ("以上", "≥"), ("或以上", "≥"), ("及以下", "≤"), ("以下", "≤"), ("以内", "≤"), ("之内", "≤"),
    ("内", "≤"),
]

# raw unit spelling -> canonical unit
_UNIT_ALIASES = {
    "％": "%", "%": "%", "‰": "‰", "度": "℃", "°C": "℃", "°c": "℃", "摄氏度": "℃", "℃": "℃",
    "m": "米", "M": "米", "米": "米", "km": "公里", "KM": "公里", "Km": "公里", "千米": "公里", "公里": "公里",
    "㎡": "平方米", "m2": "平方米", "m²": "平方米", "平米": "平方米", "平方米": "平方米", "平方": "平方米",
    "万㎡": "万平方米", "万m2": "万平方米", "万平米": "万平方米",
    "万": "万元", "元": "元", "万元": "万元", "亿元": "亿元", "千元": "千元",
    "百分比": "%", "百分点": "个百分点",
    "h": "小时", "H": "小时", "小时": "小时", "min": "分钟", "分钟": "分钟", "分": "分",
    "L": "升", "l": "升", "升": "升", "t": "吨", "kg": "千克", "公斤": "千克",
}
# a 指标值 longer than this is prose: it is reported as unparsed without running the patterns on it
MAX_VALUE_CHARS = 120
MONEY_UNITS = {"元": 1, "千元": 1_000, "万元": 10_000, "亿元": 100_000_000}
TIME_UNITS = {"分钟", "小时", "天", "日", "个工作日", "工作日", "周", "个月", "月", "年", "季度"}
PERCENT_UNITS = {"%", "‰"}

GRADED_VALUES = (
    "达到预期目标", "部分达到预期目标", "未达到预期目标", "基本达到预期目标", "全面实现", "基本实现", "部分实现",
    "优秀", "良好", "合格", "不合格", "优良中低差", "优", "良", "中", "差", "好", "较好", "一般", "较差",
)
VAGUE_VALUES = (
    "有效", "提升", "提高", "明显提升", "明显提高", "明显改善", "改善", "促进", "增强", "保障", "做好保障",
    "优良", "达标", "显著", "逐步提升", "稳步提升", "持续改善", "逐步改善", "加强", "完善", "确保", "是", "否",
    "正常", "正常运行", "符合要求", "按要求", "较高", "高", "降低", "减少", "增加", "不断提高",
)
_PLACEHOLDER_WORDS = ("暂不确定", "项目实际值", "实际值", "待定", "待填", "待测算", "XX", "xx", "**", "＊＊")

_NUM = r"\d[\d,，]*(?:\.\d+)?"
_SLOT = r"\{[^{}]{1,30}\}"
_NUM_OR_SLOT = rf"(?:{_SLOT}|{_NUM}|[Xx]{{1,3}}|N|\*{{1,3}}|＊{{1,3}})"
_DATE_RE = re.compile(
    r"(?:(?P<y>\d{4}|\{YEAR[+-]?\d?\})\s*年)?\s*(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*[日号]|(?P<end>底|末|份))?"
    r"\s*(?P<bound>之前|以前|前|止|截止|内)?"
)
_YEAR_END_RE = re.compile(r"(?P<y>\d{4}|\{YEAR[+-]?\d?\})\s*年\s*(?P<what>底|末|年底|年末|内|度内|上半年|下半年)\s*(?P<bound>之前|以前|前|内)?")
_ISO_DATE_RE = re.compile(r"(?P<y>\d{4})\s*[./\-]\s*(?P<m>\d{1,2})(?:\s*[./\-]\s*(?P<d>\d{1,2}))?")
_ISO_PLAIN = r"\d{4}\s*[./\-]\s*\d{1,2}(?:\s*[./\-]\s*\d{1,2})?"
_PERIOD_RE = re.compile(rf"^(?P<a>{_ISO_PLAIN}|.+?年.+?月.*?)\s*(?:[-–—~～]+|至|到)\s*(?P<b>{_ISO_PLAIN}|.+?月.*?)$")
_RANGE_RE = re.compile(rf"^(?P<lo>{_NUM_OR_SLOT})\s*(?P<u1>[^\d\s\-–—~～至到{{}}]*)\s*[-–—~～至到]\s*(?P<hi>{_NUM_OR_SLOT})\s*(?P<unit>.*)$")
_NUMBER_RE = re.compile(rf"^(?P<num>{_NUM_OR_SLOT})\s*(?P<unit>.*)$")


class ParsedValue(BaseModel):
    """A 指标值 taken apart; ``raw`` always keeps the text as written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    raw: str = Field(description="the value exactly as written")
    kind: ValueKind = Field(description="what sort of value this is")
    op: Op | None = Field(None, description="comparison operator, normalised to ≥ > = ≤ <")
    op_implicit: bool = Field(False, description="True when no operator was written")
    number: float | None = Field(None, description="the number (lower bound for a range)")
    upper: float | None = Field(None, description="upper bound of a range")
    unit: str | None = Field(None, description="canonical unit (%, ℃, 元, 万元, 平方米, 天 …)")
    unit_raw: str | None = Field(None, description="unit as written")
    deadline: date | None = Field(None, description="date for deadline values (year may be a slot)")
    year_slot: str | None = Field(None, description="a {YEAR…} slot standing for the year of a date")
    date_bound: str | None = Field(None, description="前/止/内 after a date")
    period_end: date | None = Field(None, description="end of a period such as 2023.07-2024.01")
    grade: str | None = Field(None, description="graded or vague qualitative text")
    placeholder: str | None = Field(None, description="slot or placeholder text to be filled")

    @property
    def is_quantitative(self) -> bool:
        return self.kind in ("number", "range") or (self.kind == "placeholder" and self.unit is not None)

    @property
    def is_percent(self) -> bool:
        return self.unit in PERCENT_UNITS

    @property
    def is_money(self) -> bool:
        return (self.unit or "").split("/")[0] in MONEY_UNITS

    def in_yuan(self) -> float | None:
        """The number converted to 元 when the unit is a money unit (per-unit costs keep their denominator)."""
        base = (self.unit or "").split("/")[0]
        if self.number is None or base not in MONEY_UNITS:
            return None
        return self.number * MONEY_UNITS[base]

    def display(self) -> str:
        """A normalised rendering (the table keeps ``raw``)."""
        if self.kind in ("number",) and self.number is not None:
            return f"{self.op or ''}{number_text(self.number)}{self.unit or ''}"
        if self.kind == "range" and self.number is not None and self.upper is not None:
            return f"{number_text(self.number)}-{number_text(self.upper)}{self.unit or ''}"
        if self.kind == "date" and self.deadline:
            return f"{self.deadline.year}年{self.deadline.month}月{self.deadline.day}日{self.date_bound or ''}"
        return self.raw


def number_text(x: float) -> str:
    """A number as written, every digit the department wrote: 1346.0088 stays 1346.0088 (":g" rounded it)."""
    return str(int(x)) if float(x).is_integer() else f"{x:.12g}"


# counts written in different units of the same thing: 名 and 人, ㎡ and 平方米
_SAME_COUNT = {"㎡": "平方米", "平米": "平方米", "千米": "公里", "名": "人", "位": "人"}


def count_unit(unit: str) -> str:
    """The one spelling of a counted unit: 名 -> 人, ㎡ -> 平方米."""
    return _SAME_COUNT.get(unit, unit)


def same_unit(a: str, b: str) -> bool:
    """Units that count the same thing: 名 and 人, ㎡ and 平方米."""
    return count_unit(a) == count_unit(b)


def cap_text(x: float) -> str:
    """A cap the tool works out (budget ÷ a count), rounded up so that it holds: 86万元 ÷ 2300盏 = 373.91… is ≤374元/盏,
    where rounding down would set a cap the project's own average breaks; under 100, to two decimals (≤2.35万元/座)."""
    import math

    if float(x).is_integer():
        return str(int(x))
    if abs(x) >= 100:
        return str(math.ceil(x - 1e-9))
    return number_text(math.ceil(x * 100 - 1e-9) / 100)


def _to_float(text: str) -> float | None:
    try:
        return float(text.replace(",", "").replace("，", ""))
    except ValueError:
        return None


def normalize_unit(unit: str) -> str:
    """Canonical spelling of a unit (度→℃, ％→%, ㎡→平方米, KM→公里); compound units keep their parts."""
    unit = unit.strip().strip("（）()").strip()
    if not unit:
        return unit
    if unit in _UNIT_ALIASES:
        return _UNIT_ALIASES[unit]
    if "/" in unit or "／" in unit:
        parts = re.split(r"[/／]", unit, maxsplit=1)
        return normalize_unit(parts[0]) + "/" + parts[1].strip()
    return unit


def _split_op(text: str) -> tuple[Op | None, str]:
    for word, op in _OP_PREFIXES:
        if text.startswith(word):
            return op, text[len(word):].strip()
    return None, text


def _split_op_suffix(unit: str) -> tuple[Op | None, str]:
    for word, op in _OP_SUFFIXES:
        if unit.endswith(word) and len(unit) > 0:
            return op, unit[: -len(word)].strip()
    return None, unit


def _is_placeholder(token: str) -> bool:
    return token.startswith("{") or bool(re.fullmatch(r"[Xx]{1,3}|N|\*{1,3}|＊{1,3}", token))


def _parse_date(text: str) -> ParsedValue | None:
    raw = text
    m = _YEAR_END_RE.fullmatch(text)
    if m:
        year, slot = _year(m.group("y"))
        what = m.group("what")
        month, day = (6, 30) if what == "上半年" else (12, 31)
        return ParsedValue(raw=raw, kind="date", deadline=date(year, month, day), year_slot=slot,
                           date_bound=m.group("bound") or "前")
    m = _DATE_RE.fullmatch(text)
    if m:
        month = int(m.group("m"))
        if not 1 <= month <= 12:
            return None
        year, slot = _year(m.group("y")) if m.group("y") else (1900, None)
        if m.group("d"):
            day = int(m.group("d"))
        else:
            day = _month_end(year, month)
        try:
            when = date(year, month, day)
        except ValueError:
            return None
        return ParsedValue(raw=raw, kind="date", deadline=when, year_slot=slot,
                           date_bound=m.group("bound") or ("前" if m.group("end") else None))
    m = _ISO_DATE_RE.fullmatch(text)
    if m and 1 <= int(m.group("m")) <= 12:
        year, month = int(m.group("y")), int(m.group("m"))
        day = int(m.group("d")) if m.group("d") else _month_end(year, month)
        try:
            return ParsedValue(raw=raw, kind="date", deadline=date(year, month, day))
        except ValueError:
            return None
    return None


def _year(token: str) -> tuple[int, str | None]:
    if token.startswith("{"):
        return 1900, token
    year = int(token)
    if not 1900 <= year <= 2200:
        raise ValueError(f"year out of range: {year}")
    return year, None


def _month_end(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def _parse_period(text: str) -> ParsedValue | None:
    m = _PERIOD_RE.fullmatch(text)
    if not m:
        return None
    start, end = _parse_date(m.group("a").strip()), _parse_date(m.group("b").strip())
    if not (start and end and start.deadline and end.deadline):
        return None
    finish = end.deadline
    if finish.year == 1900 and start.deadline.year != 1900:  # 2023年1月至12月: the end is in the start's year
        try:
            finish = finish.replace(year=start.deadline.year)
        except ValueError:  # 2月29日 in a year without it
            finish = finish.replace(year=start.deadline.year, day=28)
    return ParsedValue(raw=text, kind="period", deadline=start.deadline, period_end=finish)


@lru_cache(maxsize=8192)
def parse_value(raw: str | None) -> ParsedValue:
    """Parse one 指标值 as found in real documents."""
    raw = raw if raw is not None else ""
    text = re.sub(r"\s+", "", raw.replace("\u3000", ""))
    if not text:
        return ParsedValue(raw=raw, kind="empty")
    if len(text) > MAX_VALUE_CHARS:
        return ParsedValue(raw=raw, kind="unparsed")  # prose, not a value; never fed to the date patterns
    text = text.replace("（", "(").replace("）", ")")

    # graded / vague qualitative values
    if text in GRADED_VALUES or any(text.startswith(g) for g in GRADED_VALUES[:7]):
        return ParsedValue(raw=raw, kind="grade", grade=text)
    if text in VAGUE_VALUES:
        return ParsedValue(raw=raw, kind="vague", grade=text)

    # dates and periods; a recurring deadline (每年12月底前) is that date in every year, the budget year included
    dated = text[2:] if text.startswith(("每年", "当年", "年度")) and len(text) > 2 else text
    for parser in (_parse_date, _parse_period):
        try:
            parsed = parser(dated)
        except ValueError:  # 0000年1月: no such date
            return ParsedValue(raw=raw, kind="unparsed")
        if parsed:
            return parsed.model_copy(update={"raw": raw})

    op, rest = _split_op(text)
    # ranges: 18-20℃, 18℃-20℃
    m = _RANGE_RE.match(rest)
    if m and op is None:
        lo, hi = m.group("lo"), m.group("hi")
        unit_raw = m.group("unit") or m.group("u1")
        if not _is_placeholder(lo) and not _is_placeholder(hi):
            lo_f, hi_f = _to_float(lo), _to_float(hi)
            if lo_f is not None and hi_f is not None and unit_raw.strip() and not _looks_like_text(unit_raw):
                return ParsedValue(raw=raw, kind="range", number=min(lo_f, hi_f), upper=max(lo_f, hi_f),
                                   unit=normalize_unit(unit_raw), unit_raw=unit_raw)

    m = _NUMBER_RE.match(rest)
    if m:
        token, unit_raw = m.group("num"), m.group("unit")
        suffix_op, unit_core = _split_op_suffix(unit_raw)
        final_op = op or suffix_op
        if _looks_like_text(unit_core):
            return ParsedValue(raw=raw, kind="unparsed")
        if _is_placeholder(token):
            return ParsedValue(raw=raw, kind="placeholder", op=final_op, op_implicit=final_op is None,
                               unit=normalize_unit(unit_core) or None, unit_raw=unit_core or None,
                               placeholder=token)
        number = _to_float(token)
        if number is None:
            return ParsedValue(raw=raw, kind="unparsed")
        return ParsedValue(raw=raw, kind="number", op=final_op, op_implicit=final_op is None, number=number,
                           unit=normalize_unit(unit_core) or None, unit_raw=unit_core or None)

    if any(word in text for word in _PLACEHOLDER_WORDS):
        return ParsedValue(raw=raw, kind="placeholder", op=op, placeholder=text)
    if len(text) <= 12 and any(text.endswith(v) or text.startswith(v) for v in VAGUE_VALUES if len(v) > 1):
        return ParsedValue(raw=raw, kind="vague", grade=text)
    return ParsedValue(raw=raw, kind="unparsed")


def _looks_like_text(unit: str) -> bool:
    """A 'unit' longer than a unit can be (e.g. a sentence after a number) means the value is prose."""
    core = unit.strip()
    if not core:
        return False
    if len(core) > 10:
        return True
    return bool(re.search(r"[，。；;,]", core))
