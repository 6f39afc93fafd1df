"""Filling an exemplar's slots from the project: quantities by unit and label, the year, the budget, unit costs."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.brief import Brief, Quantity, Rate
from assistant.taxonomy import BENEFIT_LEVEL2, SERVICE_SATISFACTION
from assistant.values import cap_text, count_unit, number_text, same_unit

SLOT_RE = re.compile(r"\{(?P<kind>N|X|YEAR|BUDGET|UNIT_COST)(?P<shift>[+-]\d)?(?::(?P<label>[^{}]*))?\}(?P<unit>[^\s，。；、{}]*)")


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def per_same(per: str, denominator: str) -> bool:
    """A standard per `per` (每人, 每餐) answers a cost per `denominator` (元/人·年, 元/人次)."""
    return denominator.startswith(per) or (per in ("生", "人", "名") and denominator[:1] in "生人名") \
        or (per == "餐" and denominator.startswith(("人次", "份")))  # a meal served is a 人次 of dining


@lru_cache(maxsize=4096)
def _word_bigrams(text: str) -> frozenset[str]:
    """Bigrams inside words only: 新认定 shares 认定 with 重新认定奖励企业数, not the 新认 that straddles 重新|认定."""
    from retrieval.bm25 import _jieba

    return frozenset(g for w in _jieba().lcut(text or "") for g in _bigrams(w))


# what a stated count says when it is a result (净增35家, 带动就业200人), not what the money buys or serves
_OUTCOME_WORDS = re.compile(r"净增|新增|增加|增长|带动|减少|下降|降低|提高|达到")


def _base_unit(unit: str) -> str:
    return count_unit(unit.split("/")[0].split("·")[0])


# how often the money is paid, when the brief says it (租金按季度支付, 补贴按月发放): the times a year a slot for the
# number of payments asks for
_PAY_EVERY = re.compile(r"按(?P<every>月|季度|季|半年|年)度?(?:支付|拨付|发放|结算|兑付|缴纳|付款)")
_TIMES_A_YEAR = {"月": 12, "季度": 4, "季": 4, "半年": 2, "年": 1}
_PAID_WORDS = re.compile(r"支付|拨付|发放|结算|兑付|缴纳|付款")


def unit_cost_label(unit: str) -> str:
    """The question a unit cost the brief cannot answer asks: 元/亩 -> 每亩成本."""
    per = unit.partition("/")[2] or "单位"
    return f"每{per}成本"


@dataclass
class SlotFiller:
    """Fills slots for one project; each stated quantity is used for at most one slot label."""

    brief: Brief
    quantities: list[Quantity] = field(default_factory=list)
    bound: dict[str, Quantity] = field(default_factory=dict)  # slot label -> quantity
    used: set[int] = field(default_factory=set)
    rates: list[Rate] = field(default_factory=list)
    rate_labels: dict[int, str] = field(default_factory=dict)  # rate index -> the slot label it answered
    parts: list = field(default_factory=list)  # amounts stated for parts of the money (brief.CostPart)

    def __post_init__(self) -> None:
        self.quantities = self.quantities or self.brief.quantities()
        self.rates = self.rates or self.brief.rates()
        self.parts = self.parts or self.brief.cost_parts()

    def _rate(self, unit: str, label: str = "") -> Rate | None:
        """A stated standard for a money-per-unit slot: 每生每年2300元 fills {X:…}元/生·年 or {X:…}元/人·年. Like a
        quantity, it answers one question: the first slot label it fills, not a type's other standard (百岁老人)."""
        money, _, denominator = unit.partition("/")
        if money not in ("元", "万元") or not denominator:
            return None
        for i, rate in enumerate(self.rates):
            if label and self.rate_labels.get(i, label) != label:
                continue
            same_object = per_same(rate.per, denominator)
            same_period = not rate.period or rate.period in denominator or "·" not in denominator
            if same_object and same_period:
                if label:
                    self.rate_labels.setdefault(i, label)
                return rate
        return None

    def _top_grade(self, rate: Rate) -> Rate:
        """Of a graded standard (国家级每家奖励50万元、省级每家奖励20万元), the top grade as a cap: one row cannot say
        =50万元/家 for all 14 firms when some get 20万元."""
        grades = [r for r in self.rates if r.per == rate.per and r.period == rate.period]
        if len({r.amount for r in grades}) < 2:
            return rate
        top = max(grades, key=lambda r: r.amount)
        return dataclasses.replace(top, op="≤")

    @staticmethod
    def rate_text(rate: Rate, unit: str) -> str:
        """The stated standard in the slot's unit, keeping 万元 as the user wrote it (每件资助1.5万元 -> 1.5万元/件), every
        digit of it (每亩12.345元 stays 12.345)."""
        money = unit.partition("/")[0]
        if money == "元" and "万元" in rate.raw:
            return f"{number_text(rate.amount / 10000)}万{unit}"
        return f"{number_text(rate.amount / (10000 if money == '万元' else 1))}{unit}"

    def _find(self, unit: str, label: str, reuse: bool = False) -> Quantity | None:
        if label and label in self.bound:
            return self.bound[label]
        want = _base_unit(unit)
        candidates = [(i, q) for i, q in enumerate(self.quantities) if same_unit(q.base[1], want)]
        if not candidates:
            return None
        if not reuse:  # a stated quantity answers one question only
            candidates = [(i, q) for i, q in candidates if i not in self.used]
            if not candidates:
                return None
        def shared(q: Quantity) -> int:
            return len(_bigrams(label) & _bigrams(q.context + q.object))

        scored = sorted(candidates, key=lambda c: (-shared(c[1]), c[0]))
        i, q = scored[0]
        # the user lists several kinds of thing in this unit (购置DR数字X光机4台、全自动生化分析仪8台): each count goes
        # only where its own words are, never to another kind's slot (报废设备台数), and the budget ÷ one of them is
        # no unit cost. Counts in separate clauses (维护气象站42个，更换传感器60个) keep the first-stated as the main one.
        if self._listed_with_another(q) and (reuse or (label and not shared(q))):
            return None
        if reuse:  # a unit cost divides by a stated quantity; the quantity still answers its own slot
            return q
        self.used.add(i)
        if label:
            self.bound[label] = q
        return q

    def _listed_with_another(self, q: Quantity) -> bool:
        """The quantity is one item of an enumeration (A4台、B8台; A2个和B6个) of other things in the same unit."""
        text = f"{self.brief.purpose} {self.brief.goal}"
        for other in self.quantities:
            if other is q or not same_unit(other.base[1], q.base[1]) or not other.object or other.object == q.object:
                continue
            for first, second in ((q, other), (other, q)):
                if second.lead and re.search(re.escape(first.raw) + r"[、和及与]" + re.escape(second.lead) + r"[^\d]{0,3}"
                                             + re.escape(second.raw), text):
                    return True
        return False

    def prebind(self, rows: list) -> None:
        """Give each stated quantity to the count slot that measures it, over all rows at once: 对城区24座公厕进行
        提质改造 goes to 提升改造公共厕所座数, not to the first 座 slot (新建独立式公共厕所座数)."""
        slots = []
        for row in rows:
            for m in SLOT_RE.finditer(row.value):
                if m.group("kind") == "N" and m.group("label") and m.group("unit"):
                    slots.append((m.group("label"), _base_unit(m.group("unit")), f"{row.name}{m.group('label')}",
                                  row.level2 in (*BENEFIT_LEVEL2, SERVICE_SATISFACTION)))
        project = _word_bigrams(f"{self.brief.name}{self.brief.purpose}")
        for i, q in enumerate(self.quantities):
            if i in self.used:
                continue
            words = _word_bigrams(q.context + q.object)
            # a count of what the money buys or serves (新认定的高新技术企业35家) answers an output row; only a
            # result the user states (净增35家) or a unit no output row counts in may answer an effect row
            outputs = any(same_unit(q.base[1], unit) and not effect for _, unit, _, effect in slots)
            result = bool(_OUTCOME_WORDS.search(q.lead + q.tail)) or not outputs
            # first what the quantity's own words say, then what the whole brief does (改造, not 新建)
            options = [(len(_word_bigrams(text) & words), len(_word_bigrams(text) & project), -n, label)
                       for n, (label, unit, text, effect) in enumerate(slots)
                       if same_unit(q.base[1], unit) and label not in self.bound and (result or not effect)]
            if not options:
                continue
            score, _, _, label = max(options)
            if score > 0:
                self.bound[label] = q
                self.used.add(i)

    def quantity_text(self, q: Quantity, slot_unit: str) -> str:
        """The stated quantity in the slot's unit, keeping 万 as the user wrote it (2万亩)."""
        base_number, base_unit = q.base
        if q.unit[:1] in ("万", "亿") and same_unit(slot_unit, base_unit):
            return f"{number_text(q.number)}{q.unit[0]}{slot_unit}"
        return f"{number_text(base_number)}{slot_unit}"

    def fill(self, text: str) -> str:
        """Replace every slot that the project can fill; leave the others visible. A value "={…}" whose slot a stated
        number fills takes the user's bound (不少于600份 -> ≥600份, 最高每人20万元 -> ≤20万元/人)."""
        year = self.brief.year
        lead: list[str] = []  # the bound of the stated number that fills a slot right after a leading "="

        def bound(m: re.Match, stated: Quantity | Rate) -> None:
            if m.start() == 1 and text.startswith("="):
                lead.append(stated.op)

        def one(m: re.Match) -> str:
            kind, label, unit = m.group("kind"), m.group("label") or "", m.group("unit") or ""
            shift = int(m.group("shift") or 0)
            if kind == "YEAR":
                return f"{year + shift}{unit}"
            if kind == "BUDGET" and self.brief.budget is not None:
                amount = float(self.brief.budget)
                if unit.startswith("万元"):
                    return f"{number_text(amount / 10000)}{unit}"
                if unit.startswith("元"):
                    return f"{number_text(amount)}{unit}"
            if kind == "N":
                q = self._find(unit, label)
                if q is not None:
                    bound(m, q)
                    base = _base_unit(unit) if unit else q.base[1]
                    rest = unit[len(base):] if unit.startswith(base) else ""
                    # in the user's own unit when it counts the same: 286名 stays 名 in a slot written 人
                    return self.quantity_text(q, q.base[1] if same_unit(q.base[1], base) else base) + rest
            if kind in ("X", "UNIT_COST") and "/" in unit and (rate := self._rate(unit, label)):
                rate = self._top_grade(rate)
                bound(m, rate)
                return self.rate_text(rate, unit)
            # with parts of the money stated apart (电费86万元), the budget ÷ a count may include them or not: the
            # sheet's cost rows decide by their names (fact_hints.derive_unit_cost), not this slot
            if kind == "UNIT_COST" and self.brief.budget is not None and "/" in unit and not self.parts:
                money, denominator = unit.split("/", 1)
                q = self._find(denominator, "", reuse=True)
                if q is not None and q.base[0] > 0:
                    per = float(self.brief.budget) / q.base[0]
                    if money == "万元":
                        per /= 10000
                    if money in ("元", "万元"):
                        return f"{cap_text(per)}{unit}"
            if kind == "X" and unit in ("期", "次") and _PAID_WORDS.search(label) \
                    and (every := _PAY_EVERY.search(f"{self.brief.purpose} {self.brief.goal}")):
                return f"{_TIMES_A_YEAR[every.group('every')]}{unit}"  # 按季度支付: 4期 a year
            if kind == "UNIT_COST":  # never shown raw: it becomes a question the user can answer
                return "{X:" + unit_cost_label(unit) + "}" + unit
            return m.group(0)

        out = SLOT_RE.sub(one, text)
        return lead[0] + out[1:] if lead else out
