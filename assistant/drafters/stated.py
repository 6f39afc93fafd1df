"""Targets and deadlines the user stated (合格率不低于95%, 9月底前完成): the row that measures them takes the user's
figure, replacing the type's default or its blank; a target no row measures gets a row of its own.

Counts and parts of the money have their own paths (exemplar._add_stated_quantities, exemplar._add_cost_parts);
this module does the same for rates and dates, for the offline drafter and the model's drafts alike.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from assistant.brief import Brief
from assistant.lexicon import cjk_bigrams
from assistant.models import Indicator
from assistant.rules.names import _process_term
from assistant.taxonomy import ECONOMIC, QUALITY, SERVICE_SATISFACTION, SOCIAL, TIMELINESS, level1_for

# what a stated rate is of: a run ending in a measure word (分类投放准确率, 签约居民满意度, 亩均增收)
_MEASURE = r"(?:率|满意度|密度|比例|占比|比重|增长|增幅|增收|下降|降幅)"
_OPS = (r"(?P<pre>不低于|不少于|不高于|不超过|低于|高于|达到|达|保持在|控制在|稳定在|提高到|提升到|降至|降到|为|在)?"
        r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>%|％|‰)(?P<post>以上|以内|以下|左右)?")
_TARGET_RE = re.compile(r"(?P<what>[\u4e00-\u9fff]{1,14}?" + _MEASURE + r")" + _OPS)
_LEAD = re.compile(r"^.*?(?:确保|实现|力争|使|全年|年度|年底|年末|其中|并|且|后)|^(?:每年|年均|同比|较上年|比上年)+")
_FLOOR_WORDS, _CAP_WORDS = ("不低于", "不少于", "达到", "达", "提高到", "提升到", "高于"), ("不高于", "不超过", "低于", "降至", "降到")
# what a reader wants low: a rate of harm or of breaking rules (受害率, 超限率, 损失率, 发生率, 差错率)
_LOW_IS_GOOD = ("受害", "超限", "损失", "发生", "差错", "违法", "违规", "事故", "投诉", "返工", "空置", "死亡", "流失", "下降",
                "降幅")
_BENEFIT_WORDS = ("增长", "增幅", "增收", "带动", "利用率", "损失率", "受害率", "超限率", "发生率", "下降", "降幅", "覆盖率",
                  "取证率", "就业率", "转化率")


@dataclass(frozen=True)
class Target:
    """'签约居民满意度不低于85%' -> 签约居民满意度, ≥, 85, %."""

    what: str
    op: str
    number: str
    unit: str
    raw: str

    @property
    def value(self) -> str:
        return f"{self.op}{self.number}{self.unit}"


def _low_is_good(what: str) -> bool:
    """受害率 and 超限率 should be low; 事故隐患整改率 should be high: the word just before the measure decides."""
    return any(re.search(w + r"(?:率|比例|占比)$", what) for w in _LOW_IS_GOOD) or what.endswith(("下降", "降幅"))


def _measure_of(what: str) -> str:
    m = re.search(_MEASURE + "$", what)
    return m.group(0) if m else ""


def extract_targets(text: str) -> list[Target]:
    """Rates the user set as targets, with the bound the words give them (控制在0.5%以下 is ≤, 达到93%以上 is ≥)."""
    out: list[Target] = []
    for m in _TARGET_RE.finditer(text or ""):
        what = _LEAD.sub("", m.group("what"))
        if len(what) < 3 or re.fullmatch(_MEASURE, what[-2:]) and len(what) < 4 \
                or what.endswith(("利率", "税率", "费率")) and not m.group("pre"):
            continue
        pre, post = m.group("pre") or "", m.group("post") or ""
        if pre in _FLOOR_WORDS or post == "以上":
            op = "≥"
        elif pre in _CAP_WORDS or post in ("以内", "以下"):
            op = "≤"
        elif pre in ("控制在", "保持在", "稳定在") and not post:
            op = "≤" if _low_is_good(what) else "≥"
        else:
            op = "≤" if _low_is_good(what) else "≥" if post != "左右" else "="
        unit = "‰" if m.group("unit") == "‰" else "%"
        if op == "≥" and m.group("num") in ("100", "100.0"):
            op = "="  # 达到100% is all of them: ≥100% says nothing a reviewer can check
        if not any(t.what == what for t in out):
            out.append(Target(what, op, m.group("num"), unit, m.group(0)))
    return out


@dataclass(frozen=True)
class Deadline:
    """'9月底前完成施工' -> month 9, day 30 (the year is the budget year's), with the words around it."""

    month: int
    day: int
    context: str
    raw: str

    def value(self, year: int) -> str:
        return f"{year}年{self.month}月{self.day}日前"


_DEADLINE_RE = re.compile(r"(?P<month>1[0-2]|[1-9])月(?:(?P<end>底|末)|(?P<day>[1-3]?\d)日)?(?:前|以前|之前)")
_YEAR_END_RE = re.compile(r"(?:年底|年末)(?:前|以前|之前)")


def extract_deadlines(text: str, year: int) -> list[Deadline]:
    """Dates by which the user says work is done (9月底前, 11月30日前, 年底前), in the budget year."""
    out: list[Deadline] = []
    for m in _DEADLINE_RE.finditer(text or ""):
        month = int(m.group("month"))
        last = calendar.monthrange(year, month)[1]
        day = min(int(m.group("day")), last) if m.group("day") else last
        if day < 1:
            continue
        out.append(Deadline(month, day, _clause(text, m.start(), m.end()), m.group(0)))
    for m in _YEAR_END_RE.finditer(text or ""):
        out.append(Deadline(12, 31, _clause(text, m.start(), m.end()), m.group(0)))
    return out


def _clause(text: str, start: int, end: int) -> str:
    left = max(text.rfind(c, 0, start) for c in "，。；,;") + 1
    rights = [i for i in (text.find(c, end) for c in "，。；,;") if i >= 0]
    return text[left:min(rights) if rights else len(text)]


def _share(a: str, b: str, stop: frozenset[str] = frozenset()) -> float:
    ga, gb = cjk_bigrams(a, stop), cjk_bigrams(b, stop)
    return len(ga & gb) / max(len(ga), 1)


# what every deadline and every time row says (完成, 时间, 月底前): they tell no row's work from another's, so
# 3月底前完成招标 is not about 竣工结算审核完成时间
_DATE_WORDS = frozenset({"完成", "成时", "时间", "前完", "底前", "月底", "日前"})


def _level2(what: str) -> str:
    if "满意" in what:
        return SERVICE_SATISFACTION
    if any(w in what for w in ("增收", "增长", "投入", "带动")):
        return ECONOMIC
    if any(w in what for w in _BENEFIT_WORDS):
        return SOCIAL
    return QUALITY


def _formula(name: str) -> str:
    if name.endswith(("增长率", "下降率", "增收幅度", "增幅", "降幅")):
        return "（本年数−上年数）÷上年数×100%"
    if "满意" in name:
        return "评价“满意”“较满意”的有效问卷数÷有效问卷总数×100%"
    return "符合要求的数量÷统计总数×100%"


def keep_targets(brief: Brief, rows: list[Indicator]) -> tuple[list[Indicator], list[str]]:
    """Every stated rate and deadline in the row that measures it; the notes say which rows took the user's figure."""
    text = " ".join(x for x in (brief.purpose, brief.goal) if x)
    rows, notes = list(rows), []
    source = f"计划标准：{brief.name}实施方案确定的目标"
    for t in extract_targets(text):
        if any(t.value == r.value.replace("％", "%") and _share(t.what, r.name) >= 0.5 for r in rows):
            continue
        # the row of the same measure (接听率, not 10秒内接听比例) about most of the same words
        candidates = [(i, _share(t.what, r.name)) for i, r in enumerate(rows)
                      if ("%" in r.value or "‰" in r.value) and _measure_of(t.what) in r.name]
        best = max(candidates, key=lambda c: c[1], default=(None, 0.0))
        basis = f"{source}（{t.raw}）"
        if best[0] is not None and best[1] >= 0.6:
            r = rows[best[0]]
            if r.value != t.value:
                notes.append(f"“{r.name}”按您给出的目标改为{t.value}（原为{r.value}）。")
            rows[best[0]] = r.model_copy(update={"value": t.value, "basis": basis})
        elif _process_term(t.what):  # 资金拨付及时率: how the money is handled, which a reviewer sends back
            notes.append(f"您提出的“{t.raw}”衡量的是资金管理过程，不是资金形成的产出或效果，审核时会被退回，"
                         f"因此未写入表中；如需考核，可放在单位内部管理中。")
        else:
            level2 = _level2(t.what)
            # a change needs its dimension in the name (研发投入增长率, 亩均增收幅度) or it is not measurable
            name = t.what + ("率" if t.what.endswith(("增长", "下降")) else "幅度" if t.what.endswith("增收") else "")
            if level1_for(level2, brief.layout):
                rows.append(Indicator(
                    level1=level1_for(level2, brief.layout) or "", level2=level2, name=name,
                    description=f"{name}按{brief.name}实施方案确定的统计口径计算（{_formula(name)}），"
                                f"以项目年度工作台账和业务记录为准",
                    value=t.value, basis=basis))
    stated_dates: set[int] = set()  # rows that already carry one of the user's deadlines
    for d in extract_deadlines(text, brief.year):
        value = d.value(brief.year)
        if any(r.value == value for r in rows):
            continue
        dated = [(i, _share(d.context, r.name, _DATE_WORDS)) for i, r in enumerate(rows)
                 if r.level2 == TIMELINESS and r.parsed_value.kind == "date" and i not in stated_dates]
        basis = f"{source}（{d.context}）"
        # the work the clause names (招标 in 3月底前完成招标); none (10月底前完成) means the whole project
        what = re.sub(r"^(?:并|且|于|在|计划|力争|确保|完成|全部|组织|开展)+", "", d.context.replace(d.raw, ""))
        i, share = max(dated, key=lambda c: c[1], default=(None, 0.0))
        if i is not None and share == 0 and not what:  # the whole project: the row about finishing the work
            i = next((j for j, _ in dated if re.search(r"完工|完成|竣工|交付|上线|验收", rows[j].name)), dated[0][0])
            share = 1.0
        if i is not None and share > 0:  # the row about the same work (完工 for 11月底前完工)
            notes.append(f"“{rows[i].name}”按您给出的时限改为{value}（原为{rows[i].value}）。")
            rows[i] = rows[i].model_copy(update={"value": value, "basis": basis})
            stated_dates.add(i)
        else:  # no row is about this work (3月底前完成招标): a row of its own, no other date moved
            what = what or "年度任务"
            stated_dates.add(len(rows))
            rows.append(Indicator(level1=level1_for(TIMELINESS, brief.layout) or "", level2=TIMELINESS,
                                  name=f"{what[:12]}完成时间", value=value, basis=basis,
                                  description=f"{what[:12]}全部完成的时间，以验收（完成）资料日期为准"))
    return rows, notes
