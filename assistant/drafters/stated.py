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
from assistant.rules.value_rules import AFTER_USE_WORDS, finishes_after_use
from assistant.taxonomy import ECONOMIC, QUALITY, QUANTITY, SERVICE_SATISFACTION, SOCIAL, TIMELINESS, level1_for

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
    period: bool = False  # said as a period (暑假期间, 上半年): an explicit date for the same work wins over it

    def value(self, year: int) -> str:
        return f"{year}年{self.month}月{self.day}日前"


_DEADLINE_RE = re.compile(r"(?P<month>1[0-2]|[1-9])月(?:(?P<end>底|末)|(?P<day>[1-3]?\d)日)?(?:前|以前|之前)")
_YEAR_END_RE = re.compile(r"(?:年底|年末)(?:前|以前|之前)")


# periods a user names instead of a date, as the last day of the period: work done 利用暑假 is done before the autumn
# term (9月1日), 上半年 by 6月30日; 下半年 and 年内 say no more than the budget year does
_PERIODS = (
    (re.compile(r"(?:利用)?暑假(?:期间)?|暑期(?:期间)?|秋季开学前"), 8, 31),
    (re.compile(r"(?:利用)?寒假(?:期间)?"), 2, 0),
    (re.compile(r"上半年"), 6, 30),
    (re.compile(r"(?<![每])(?:第)?[一1]季度"), 3, 31),
    (re.compile(r"(?<![每])(?:第)?[二2]季度"), 6, 30),
    (re.compile(r"(?<![每])(?:第)?[三3]季度"), 9, 30),
    (re.compile(r"国庆(?:节)?(?:前|以前|之前)"), 9, 30),
    (re.compile(r"元旦(?:前|以前|之前)"), 12, 31),
)


def extract_deadlines(text: str, year: int) -> list[Deadline]:
    """Dates by which the user says work is done (9月底前, 11月30日前, 年底前, 暑假期间, 上半年), in the budget year, in
    the order the text gives them."""
    found: list[tuple[int, Deadline]] = []
    for pattern, month, day in _PERIODS:
        for m in pattern.finditer(text or ""):
            found.append((m.start(), Deadline(month, day or calendar.monthrange(year, month)[1],
                                              _clause(text, m.start(), m.end()), m.group(0), True)))
    for m in _DEADLINE_RE.finditer(text or ""):
        month = int(m.group("month"))
        last = calendar.monthrange(year, month)[1]
        day = min(int(m.group("day")), last) if m.group("day") else last
        if day < 1:
            continue
        found.append((m.start(), Deadline(month, day, _clause(text, m.start(), m.end()), m.group(0))))
    for m in _YEAR_END_RE.finditer(text or ""):
        found.append((m.start(), Deadline(12, 31, _clause(text, m.start(), m.end()), m.group(0))))
    return [d for _, d in sorted(found, key=lambda f: f[0])]


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


# what a clause says when it dates the works themselves (利用暑假期间完成施工), not one step of them (招标)
_WHOLE_WORK = frozenset({"施工", "建设", "工程", "改造", "建成", "完工", "竣工", "工程建设", "工程施工", "项目", "全部工程"})


def _insert(rows: list[Indicator], row: Indicator) -> int:
    """Put a new row after the last of its 二级 (else of its 一级), where a reader looks for it; return its index."""
    at = max((i for i, r in enumerate(rows) if r.level2 == row.level2), default=None)
    if at is None:
        at = max((i for i, r in enumerate(rows) if r.level1 == row.level1), default=len(rows) - 1)
    rows.insert(at + 1, row)
    return at + 1


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


@dataclass(frozen=True)
class Duration:
    """'每人每月服务不少于8小时' -> 服务, per 每人每月, ≥ 8 小时; '2小时内到达现场' -> a time limit, ≤ 2 小时."""

    what: str
    per: str
    op: str
    number: str
    unit: str
    limit: bool  # a time limit (内, 工期, 时限): a 时效 row; otherwise an amount of work or service: a 数量 row
    context: str

    @property
    def value(self) -> str:
        return f"{self.op}{self.number}{self.unit}"

    @property
    def name(self) -> str:
        if self.limit:
            return self.what if self.what.endswith(("工期", "时限", "周期", "时间")) else f"{self.what}时限"
        return f"{self.per}{self.what}{'天数' if self.unit in ('天', '个工作日') else '时长'}"


_DURATION_RE = re.compile(r"(?P<pre>不少于|不低于|至少|不超过|不高于|最多|最长|累计)?"
                          r"(?P<num>\d+(?:\.\d+)?|[一二两三四五六七八九十]{1,3})\s*"
                          r"(?P<unit>个工作日|工作日|小时|分钟|天|周|个月)(?P<post>以上|以内|之内|内)?")
_PER_RUN = re.compile(r"每(?:[人户名生班次场批期位]|个[^\d]{0,2}?)?(?:每?[年月周天日]|学期)?")
_DURATION_LEAD = re.compile(r"^(?:组织|开展|进行|实施|完成|确保|保证|力争|全年|年度|共|为|对|在|于|并|且)+")
_DURATION_TRAIL = re.compile(r"(?:在|于|须|需|应|要|均|达到|达|时间|时长)+$")
_TIME_UNITS = {"工作日": "个工作日", "个工作日": "个工作日", "天": "天", "日": "天", "小时": "小时", "分钟": "分钟",
               "周": "周", "个月": "个月"}


def extract_durations(text: str) -> list[Duration]:
    """Time the user says the work takes or may take: 集中训练15天, 每人每月服务不少于8小时, 接到报修后2小时内到达现场,
    施工工期90天. Not a date (9月1日), not 第3天, not the whole year (365天, 12个月) and not a round-the-clock
    service (24小时值守, 7×24小时)."""
    from assistant.brief import _UNITS, cn_number

    out: list[Duration] = []
    for m in _DURATION_RE.finditer(text or ""):
        start = m.start("num")
        before = text[max(0, start - 1):start]
        unit = _TIME_UNITS[m.group("unit")]
        number = cn_number(m.group("num"))
        if number is None or number <= 0 or before in ("第", "×", "*", "x", "X", "月") or before.isdigit() \
                or (unit == "天" and number >= 360) or (unit == "个月" and number >= 12) \
                or (unit == "小时" and number == 24 and not m.group("pre")):
            continue
        clause = _clause(text, m.start(), m.end())
        seg = text[max(text.rfind(c, 0, m.start()) for c in "，。；,;：:、") + 1:m.start()]
        runs = re.findall(r"[\u4e00-\u9fff×]+", seg)
        run = runs[-1] if runs and seg.endswith(runs[-1]) else ""
        if run and seg[:len(seg) - len(run)].rstrip()[-1:].isdigit():  # 民兵160人集中训练: the count's unit goes
            run = re.sub("^(?:" + "|".join(map(re.escape, _UNITS)) + ")", "", run)
        per_m = None
        for pm in _PER_RUN.finditer(run):
            per_m = pm if len(pm.group(0)) > 1 else per_m
        per = per_m.group(0) if per_m else ""
        what = run[per_m.end():] if per_m else run
        what = _DURATION_TRAIL.sub("", _DURATION_LEAD.sub("", what))
        following = re.match(r"[\u4e00-\u9fff]+", text[m.end():])
        following = following.group(0) if following else ""
        limit = bool(m.group("post") and m.group("post") != "以上") or what.endswith(("工期", "时限", "周期", "用时"))
        if limit and (seg.endswith("后") or not what):  # 接到报修后2小时内到达现场: the limit is for 到达现场
            what = re.sub(r"^(?:完成|予以|进行|给予)", "", following)[:8] or what
        if len(what) < 2 or len(what) > 12:
            continue  # no work named, or a whole sentence: nothing a row could be named by
        if not limit and following and not following.startswith(("以上", "的")) and not m.group("post"):
            continue  # 15天集中训练 reads either way; the user is asked, not guessed at
        pre, post = m.group("pre") or "", m.group("post") or ""
        if pre in ("不少于", "不低于", "至少", "累计") or post == "以上":
            op = "≥"
        elif pre in ("不超过", "不高于", "最多", "最长") or limit:
            op = "≤"
        else:
            op = "="
        num = m.group("num") if m.group("num")[0].isdigit() else str(int(number))
        out.append(Duration(what, per, op, num, unit, limit, clause))
    return out


def _time_unit(unit: str) -> str:
    return _TIME_UNITS.get((unit or "").split("/")[0], "")


# what every duration row's name says (天数, 时长, 时间): no row's work is told from another's by them
_DURATION_STOP = frozenset({"天数", "时长", "时间", "时限", "小时", "工时"})
# a row that measures time per person, month or visit (每人每月服务时长, 人均培训天数)
_PER_ROW = re.compile(r"每|人均|户均|月均|次均|单次")


def keep_durations(brief: Brief, rows: list[Indicator]) -> tuple[list[Indicator], list[str]]:
    """Every stated duration in the row that measures it (集中训练天数 ≥{X}天 takes =15天), or a row of its own."""
    text = " ".join(x for x in (brief.purpose, brief.goal) if x)
    rows, notes = list(rows), []
    source = stated_source(brief)
    taken: set[int] = set()
    for d in extract_durations(text):
        if any(r.value == d.value and _share(d.what, r.name) > 0 for r in rows):
            continue
        level2 = TIMELINESS if d.limit else QUANTITY

        def fits(r: Indicator) -> bool:
            pv = r.parsed_value
            same_per = bool(_PER_ROW.search(r.name)) == bool(d.per)
            return (r.level2 == TIMELINESS) == d.limit and _time_unit(pv.unit_raw or pv.unit or "") == d.unit \
                and same_per and pv.kind in ("number", "placeholder")

        candidates = [(i, _share(d.what, r.name, _DURATION_STOP)) for i, r in enumerate(rows)
                      if i not in taken and fits(r)]
        i, share = max(candidates, key=lambda c: c[1], default=(None, 0.0))
        basis = f"{source}（{d.context}）"
        if i is not None and share > 0:
            notes.append(f"“{rows[i].name}”按您给出的{'时限' if d.limit else '时长'}改为{d.value}（原为{rows[i].value}）。")
            rows[i] = rows[i].model_copy(update={"value": d.value, "basis": basis})
            taken.add(i)
            continue
        if not level1_for(level2, brief.layout):
            continue
        description = (f"自{d.context.split(d.number)[0].rstrip('后在于') or '任务下达'}起至{d.what}的时间，以工作台账登记时间为准"
                       if d.limit else
                       f"{d.per}{d.what}的实际{'天数' if d.unit == '天' else '时长'}，以{brief.name}工作台账（签到、工单）记录为准")
        at = _insert(rows, Indicator(level1=level1_for(level2, brief.layout) or "", level2=level2, name=d.name,
                                     description=description, value=d.value, basis=basis))
        taken = {j + (j >= at) for j in taken} | {at}
    return rows, notes


def finish_before_use(rows: list[Indicator], stated: set[int]) -> tuple[list[Indicator], list[str]]:
    """Works finish before they are put to use: a drafted 完工时间 11月30日 under the user's 9月1日前交付使用 moves to the
    user's date. Only rows the user did not date, and not what comes after use (结算, 审计, 绩效评价)."""
    found = finishes_after_use(rows, stated)
    if found is None:
        return rows, []
    j, late = found
    rows, notes = list(rows), []
    for i in late:
        if i not in stated:
            notes.append(f"“{rows[i].name}”原为{rows[i].value}，晚于您给出的“{rows[j].name}”{rows[j].value}，已改为同一时限。")
            rows[i] = rows[i].model_copy(update={"value": rows[j].value, "basis": rows[j].basis})
    return rows, notes


def stated_source(brief: Brief) -> str:
    """The basis a row gets when its figure is the user's (the clause follows in brackets)."""
    return f"计划标准：{brief.name}实施方案确定的目标"


def proposed_dates_note(brief: Brief, rows: list[Indicator], whose: str) -> str:
    """The dates the user did not give: the proposals of `whose` (示范指标库, 通用框架, 模型), named so the user checks
    them against the plan instead of submitting a schedule nobody set. Empty when every date is the user's."""
    mine = stated_source(brief) + "（"
    proposed = [f"“{r.name}”{r.value}" for r in rows
                if r.level2 == TIMELINESS and r.parsed_value.kind == "date" and not r.basis.startswith(mine)]
    if not proposed:
        return ""
    return (f"{'、'.join(proposed[:4])}是{whose}的建议时间，您未提供；请按项目实施方案（合同工期、上级文件）核实后修改，"
            f"或在简介中写明时间节点（如“10月底前完工”）。")


def keep_targets(brief: Brief, rows: list[Indicator]) -> tuple[list[Indicator], list[str]]:
    """Every stated rate and deadline in the row that measures it; the notes say which rows took the user's figure."""
    text = " ".join(x for x in (brief.purpose, brief.goal) if x)
    rows, notes = list(rows), []
    source = stated_source(brief)
    for t in extract_targets(text):
        same = [i for i, r in enumerate(rows) if t.value == r.value.replace("％", "%") and _share(t.what, r.name) >= 0.5]
        if same:  # the type says what the user says: the user's plan is where the figure comes from
            rows[same[0]] = rows[same[0]].model_copy(update={"basis": f"{source}（{t.raw}）"})
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
                _insert(rows, Indicator(
                    level1=level1_for(level2, brief.layout) or "", level2=level2, name=name,
                    description=f"{name}按{brief.name}实施方案确定的统计口径计算（{_formula(name)}），"
                                f"以项目年度工作台账和业务记录为准",
                    value=t.value, basis=basis))
    stated_dates: set[int] = set()  # rows that already carry one of the user's deadlines
    finished = False  # a stated date already dates the works themselves
    # explicit dates first: 暑假期间施工 with 8月25日前完工 finishes on the 25th, and the period moves no other row
    for d in sorted(extract_deadlines(text, brief.year), key=lambda d: d.period):
        value = d.value(brief.year)
        same = [i for i, r in enumerate(rows) if r.value == value and i not in stated_dates]
        if same:  # the draft already has the date: it is the user's, and cited so
            rows[same[0]] = rows[same[0]].model_copy(update={"basis": f"{source}（{d.context}）"})
            stated_dates.add(same[0])
            continue
        dated = [(i, _share(d.context, r.name, _DATE_WORDS)) for i, r in enumerate(rows)
                 if r.level2 == TIMELINESS and r.parsed_value.kind == "date" and i not in stated_dates]
        basis = f"{source}（{d.context}）"
        # the work the clause names (招标 in 3月底前完成招标); none (10月底前完成) means the whole project
        what = re.sub(r"^(?:并|且|于|在|计划|力争|确保|完成|全部|组织|开展)+", "", d.context.replace(d.raw, ""))
        i, share = max(dated, key=lambda c: c[1], default=(None, 0.0))
        whole = not what or what in _WHOLE_WORK or what in brief.name  # 完成施工, 完成加固 (抗震加固): the works
        if whole and finished and d.period:
            continue  # the works are dated already, by the user's own date
        if i is not None and share == 0 and whole:  # the whole project: the row about finishing the work
            # never what follows the works (竣工结算审核, 审计): the works are done before them
            ends = [j for j, _ in dated if re.search(r"完工|完成|竣工|交付|上线|验收", rows[j].name)
                    and not AFTER_USE_WORDS.search(rows[j].name)]
            i = ends[0] if ends else dated[0][0]
            share = 1.0
        finished = finished or whole
        if i is not None and share > 0:  # the row about the same work (完工 for 11月底前完工)
            notes.append(f"“{rows[i].name}”按您给出的时限改为{value}（原为{rows[i].value}）。")
            rows[i] = rows[i].model_copy(update={"value": value, "basis": basis})
            stated_dates.add(i)
        else:  # no row is about this work (3月底前完成招标): a row of its own, no other date moved
            what = (what or "年度任务")[:12]
            use = re.search(r"(?:交付|投入|启用|开放|上线|投用|运行)(?:使用)?$", what)
            at = _insert(rows, Indicator(
                level1=level1_for(TIMELINESS, brief.layout) or "", level2=TIMELINESS,
                name=f"{what}时间" if use else f"{what}完成时间", value=value, basis=basis,
                description=f"{what}的时间，以交付（启用）资料日期为准" if use else
                f"{what}全部完成的时间，以验收（完成）资料日期为准"))
            stated_dates = {j + (j >= at) for j in stated_dates} | {at}
    rows, moved = finish_before_use(rows, stated_dates)
    rows, timed = keep_durations(brief, rows)
    return rows, notes + moved + timed
