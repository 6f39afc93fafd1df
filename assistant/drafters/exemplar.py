"""The offline drafter: the nearest exemplar set, made the project's own.

It takes the best-matching project type's indicator set, fills the slots from the brief (stated quantities by
unit and label, the budget year, unit costs from the budget), adds a 数量指标 for every stated quantity no row
took, and leaves every number it cannot know as a visible {…} placeholder.
"""

from __future__ import annotations

import json
import re
import threading
import time

from assistant.brief import Brief, Quantity
from assistant.draft import Draft, Source, Trace, register
from assistant.drafters.slots import SlotFiller
from assistant.drafters.compose import compose, composition_note, cost_part_row, quantity_row
from assistant.drafters.stated import keep_targets, proposed_dates_note
from assistant.drafters.fit import fit, rank_by_fit
from assistant.fact_hints import derive_unit_cost
from assistant.lexicon import cjk_bigrams
from assistant.models import Indicator, ProjectSheet
from assistant.report import ProjectReport, check_project
from assistant.settings import Settings
from assistant.taxonomy import QUANTITY, TIMELINESS, is_cost_level2
from assistant.values import same_unit

MAX_QUANTITY_ROWS = 4
MAX_STATED_ROWS = 7  # count rows a brief's stated quantities may reach


_STORE_LOCK = threading.Lock()
_STORES: list = []


def default_store():
    """The process's one exemplar store, created (and built on first use) once even when worker threads race."""
    with _STORE_LOCK:
        if not _STORES:
            from retrieval.store import ExemplarStore

            _STORES.append(ExemplarStore().ensure())
        return _STORES[0]


def _forget_store() -> None:
    with _STORE_LOCK:
        _STORES.clear()


default_store.cache_clear = _forget_store  # type: ignore[attr-defined]  (the lru_cache interface tests rely on)


def _library_by_id() -> dict:
    from retrieval.library import load_library

    return {s.id: s for s in load_library()}


def match_is_weak(brief: Brief, exemplar) -> bool:
    """True when the type's rows do not measure the brief's objects (see assistant/drafters/fit.py)."""
    return not fit(brief, exemplar.id).fits


def compose_goal(brief: Brief, rows: list[Indicator]) -> str:
    """An annual goal in the standard form: year, what the money does, and the key targets that are known."""
    def known(ind: Indicator) -> bool:
        return "{" not in ind.value and ind.value.strip() != ""

    picks: list[Indicator] = []
    for level2 in ("数量指标", "质量指标", "时效指标", "社会效益指标", "服务对象满意度指标"):
        picks.extend([i for i in rows if i.level2 == level2 and known(i)][: 2 if level2 == "数量指标" else 1])
    targets = "，".join(f"{i.name}{_readable(i.value)}" for i in picks)
    what = brief.purpose.strip().rstrip("。；;") or f"实施{brief.name}"
    return f"{brief.year}年，{what}，实现以下目标：{targets}。" if targets else f"{brief.year}年，{what}。"


def _readable(value: str) -> str:
    v = value.strip()
    if v.startswith("="):
        return v[1:]
    if re.match(r"^\d{4}年", v):
        return f"为{v}"
    return {"≥": "不低于", "≤": "不高于", ">": "高于", "<": "低于"}.get(v[:1], "") + v[1:] if v[:1] in "≥≤<>" else v


def _holds(row: Indicator, q: Quantity) -> bool:
    """The row already states the quantity: the same number in the same unit, about what the quantity counts (a
    type's ≥2个 about something else does not take the user's 2个 away from its own row)."""
    pv = row.parsed_value
    return pv.kind == "number" and pv.number is not None and same_unit(pv.unit or "", q.unit) \
        and abs(pv.number - q.number) < 1e-9 \
        and bool((cjk_bigrams(row.name) - _MEASURE_GRAMS) & cjk_bigrams(q.object + q.context))


def _open_row_for(q: Quantity, rows: list[Indicator], open_rows: list[int], crowded: bool) -> int | None:
    """The unfilled 数量 row a stated quantity answers: same unit, most words shared with what it counts; when the
    table already has enough count rows, the unfilled row the brief says least about."""
    def shared(i: int) -> int:
        return len(cjk_bigrams(rows[i].name) & cjk_bigrams(q.object + q.context))

    same = [i for i in open_rows if same_unit(rows[i].parsed_value.unit or "", q.base[1])]
    if same:
        return max(same, key=lambda i: (shared(i), -i))
    if crowded and open_rows:
        return min(open_rows, key=lambda i: (shared(i), -i))
    return None


_MEASURE_GRAMS = {"数量", "人数", "面积", "长度", "次数", "场次", "户数", "人次", "完成", "年度", "项目", "全年", "累计"}


def _without_unasked_counts(brief: Brief, rows: list[Indicator]) -> list[Indicator]:
    """A brief that states its quantities names its outputs: a blank 数量 row about something it never mentions is
    another project's output, left out rather than asked (when at least two stated counts remain)."""
    counts = [i for i, r in enumerate(rows) if r.level2 == QUANTITY]
    if sum("{" not in rows[i].value for i in counts) < 2:
        return rows
    words = cjk_bigrams(f"{brief.name} {brief.purpose}") - _MEASURE_GRAMS
    drop = {i for i in counts if "{" in rows[i].value and not (cjk_bigrams(rows[i].name) - _MEASURE_GRAMS) & words}
    # the same for every other 二级: a blank about nothing the brief names goes when the 二级 keeps a row with a value
    for level2 in {r.level2 for r in rows} - {QUANTITY}:
        group = [i for i, r in enumerate(rows) if r.level2 == level2]
        filled = [i for i in group if "{" not in rows[i].value]
        if filled:
            drop |= {i for i in group if "{" in rows[i].value
                     and not (cjk_bigrams(rows[i].name) - _MEASURE_GRAMS) & words}
    return [r for i, r in enumerate(rows) if i not in drop]


_BUILD_NEW = ("新建", "新增建设")
_RENOVATE = ("改造", "提质", "提升", "维修", "修缮", "翻新", "更新", "更换", "加固")


def _without_contradicted(brief: Brief, rows: list[Indicator]) -> list[Indicator]:
    """A blank row the brief contradicts is left out, not asked: a 新建 count or cost when the brief only renovates
    (对城区24座公厕进行提质改造), an 改造 one when it only builds new. Rows with a value, and the last row of a
    二级, are kept."""
    text = f"{brief.name} {brief.purpose} {brief.goal}"
    builds = any(w in text for w in _BUILD_NEW) or ("建设" in text and "建设改造" not in text)
    renovates = any(w in text for w in _RENOVATE)
    if builds == renovates:
        return rows

    def contradicted(r: Indicator) -> bool:
        if "{" not in r.value:
            return False
        name = r.name
        return (not builds and any(w in name for w in _BUILD_NEW)) or \
            (not renovates and any(w in name for w in ("改造", "提升改造", "维修", "修缮")) and "新建" not in name)

    kept = list(rows)
    for r in rows:
        if not contradicted(r):
            continue
        if sum(x.level2 == r.level2 for x in kept) > 1:
            kept = [x for x in kept if x is not r]
        elif not builds:  # the last row of its 二级 stays, about the work the brief does: 新建公厕… -> 改造公厕…
            name = r.name
            for w in _BUILD_NEW:
                name = name.replace(w, "改造")
            kept = [x.model_copy(update={"name": name}) if x is r else x for x in kept]
    return kept


# what running a service says (运营补助, 运行维护, 保洁管护); what building one says in a row's name
_RUNS = ("运营", "运行", "运维", "管护", "保洁", "维护")
_BUILD_ROW = re.compile(r"新建|新增|建设补|建设资金|建设完成|建成|建设验收|建设进度")


def _without_building_rows(brief: Brief, rows: list[Indicator]) -> list[Indicator]:
    """A brief that only runs a service (为12个社区老年食堂给予运营补助) builds nothing: the type's rows that count,
    date or cost new building (单个助餐点建设补贴标准, 新建助餐点投入运营完成时间) measure another project, and go,
    whatever value the library or a budget division gave them. A row that holds the user's own number stays, and so
    does the last row of a 二级; 质量 rows (明厨亮灶建设率: a standard the running points meet) are not touched."""
    text = f"{brief.name} {brief.purpose} {brief.goal}"
    if not any(w in text for w in _RUNS) or any(w in text for w in (*_BUILD_NEW, "建设", "建成", "购置", *_RENOVATE)):
        return rows
    stated = _stated_numbers(brief)
    kept = list(rows)
    for r in rows:
        if r.level2 not in (QUANTITY, TIMELINESS) and not is_cost_level2(r.level2):
            continue
        # a date here is the library's (the user's deadlines are kept later, by keep_targets): its 9 of 9月 is no 9万人次
        holds_user = r.parsed_value.kind != "date" and bool(_numbers(r.value) & stated)
        if not _BUILD_ROW.search(r.name) or holds_user:
            continue
        if sum(x.level2 == r.level2 for x in kept) > 1:
            kept = [x for x in kept if x is not r]
    return kept


class ExemplarDrafter:
    """Offline drafting grounded in the exemplar library."""

    name = "exemplar"
    cpu_bound = True  # pure Python under the GIL: threads only contend (c4 took 6.9 s against 5.5 s for c1)

    def __init__(self, settings: Settings | None = None, store=None) -> None:
        self.settings = settings
        self._store = store

    @property
    def store(self):
        return self._store or default_store()

    def retrieve(self, brief: Brief, k: int = 3):
        """The k best types for the brief, ranked by fit to its objects (each hit carries `.fit`)."""
        return rank_by_fit(brief, self.store.search_sets(brief.text, k=max(k, 10)))[:k]

    def draft(self, brief: Brief) -> Draft:
        start = time.perf_counter()
        hits = self.retrieve(brief)
        primary, best = _library_by_id()[hits[0].id], hits[0].fit
        filler = SlotFiller(brief)
        if best.fits:
            rows, sources, notes = self._library_rows(brief, primary, filler), None, []
        else:
            comp = compose(brief, self.store, filler)
            rows, sources = comp.rows, _composed_sources(comp)
            notes = [composition_note(brief, comp, primary.name, best)]
        rows = self._add_stated_quantities(brief, rows, filler)
        rows = _without_building_rows(brief, rows)  # an 运营补助 builds nothing: no 新建 dates or 建设补贴 caps
        rows = _add_cost_parts(brief, rows)
        rows = _add_stated_rates(brief, rows)
        rows, kept = keep_targets(brief, rows)  # 合格率不低于95%, 9月底前完成: the user's figure, not the type's
        proposed = proposed_dates_note(brief, rows, "示范指标库" if best.fits else "通用框架")
        kept += [proposed] if proposed else []
        sheet = ProjectSheet(code=brief.code, name=brief.name, department=brief.department, year=brief.year,
                             layout=brief.layout, budget={"total": brief.budget, "fiscal": brief.budget},
                             fund_use=brief.purpose, goals=[brief.goal or compose_goal(brief, rows)], indicators=rows)
        # budget (or the stated part a row names) ÷ the stated quantity: a cap the user's figures answer
        sheet, derived = derive_unit_cost(sheet, brief.cost_parts())
        notes += kept + derived
        report = self._checked_without_clashes(sheet, brief)
        if sources is None:
            sources = [Source(id=primary.id, name=primary.name, category=primary.category,
                              score=round(hits[0].score, 5), references=primary.sources,
                              indicators=[r.name for r in report.sheet.indicators])]
        matched = f"matched {primary.id} (fit {best.score:.2f})" if best.fits else \
            f"composed {sources[0].id}: nearest {primary.id} fit {best.score:.2f}, missing {'、'.join(best.missing[:5])}" \
            + (f", work {best.clash}" if best.clash else "") + (f", kind {best.kind}" if best.kind else "") \
            + (f", unmeasured {best.unmeasured}" if best.unmeasured else "")
        trace = Trace(drafter=self.name, latency_ms=(time.perf_counter() - start) * 1000,
                      retrieval=[{"id": h.id, "name": h.metadata.get("name", ""), "score": round(h.score, 5),
                                  "fit": h.fit.score} for h in hits],
                      events=[matched, f"filled {len(filler.bound)} quantity slots"])
        return Draft.from_report(report, sources, trace, notes)

    @staticmethod
    def _library_rows(brief: Brief, primary, filler: SlotFiller) -> list[Indicator]:
        """The fitting type's rows with the brief's slots filled."""
        filler.prebind(primary.rows(brief.layout))
        return [r.model_copy(update={"value": filler.fill(r.value), "basis": filler.fill(r.basis),
                                     "description": filler.fill(r.description)}) for r in primary.rows(brief.layout)]

    def _add_stated_quantities(self, brief: Brief, rows: list[Indicator], filler: SlotFiller) -> list[Indicator]:
        """Every quantity the user stated appears in the 数量指标 that measures it, never as a stray blank."""
        stated = [q for i, q in enumerate(filler.quantities) if i not in filler.used]
        for q in stated:
            if any(_holds(r, q) for r in rows):  # 每个书屋补充不少于60种: the type's 品种数 ≥60种 already says it
                continue
            count_rows = [i for i, r in enumerate(rows) if r.level2 == QUANTITY]
            open_rows = [i for i in count_rows if "{" in rows[i].value]
            target = _open_row_for(q, rows, open_rows, crowded=len(count_rows) > MAX_QUANTITY_ROWS)
            if target is not None:
                rows[target] = quantity_row(q, brief, brief.layout)
            elif len(count_rows) < MAX_STATED_ROWS:
                rows.insert((count_rows[-1] + 1) if count_rows else 0, quantity_row(q, brief, brief.layout))
        rows = _without_contradicted(brief, rows)
        return _without_unasked_counts(brief, rows) if filler.quantities else rows

    @staticmethod
    def _checked_without_clashes(sheet: ProjectSheet, brief: Brief) -> ProjectReport:
        """The checked sheet; a filled row that clashes with this project (e.g. a unit cost above the budget) is
        left out and the rest checked again. A row that carries a number the user stated stays, with its finding,
        unless another row still says that number: the user's figures conflict, and only the user can say which
        is wrong (每公里8000元 against a budget of 5000元)."""
        report = check_project(sheet)
        bad = {f.index for f in report.findings if f.severity == "error" and f.index is not None
               and f.rule in ("V17", "V10", "V06", "S06")}
        if bad:
            stated = _stated_numbers(brief)
            rows = report.sheet.indicators
            for i in sorted(bad):
                mine = _numbers(rows[i].value) & stated
                elsewhere = set().union(*(_numbers(r.value) for j, r in enumerate(rows) if j != i and j not in bad))
                if mine - elsewhere:
                    bad.discard(i)
        if not bad:
            return report
        return check_project(sheet.model_copy(update={
            "indicators": [r for i, r in enumerate(report.sheet.indicators) if i not in bad]}))


def _add_cost_parts(brief: Brief, rows: list[Indicator]) -> list[Indicator]:
    """Every amount the user stated for a part of the money (电费86万元, 其中设备购置费40万元) in a cost row: an open
    cost row that names the part takes it, else a row of its own follows the other cost rows."""
    from assistant.fact_hints import names_part

    def total(r: Indicator) -> float | None:  # a money total (≤86万元), not a unit cost (元/盏)
        pv = r.parsed_value
        return pv.in_yuan() if pv.kind == "number" and "/" not in (pv.unit or "") else None

    rows = list(rows)
    for part in brief.cost_parts():
        if any((t := total(r)) is not None and abs(t - part.amount) < 0.5 for r in rows):
            continue
        costs = [i for i, r in enumerate(rows) if is_cost_level2(r.level2)]
        open_total = next((i for i in costs if "{" in rows[i].value and "/" not in rows[i].value
                           and names_part(rows[i].name, part)), None)
        row = cost_part_row(part, brief, brief.layout)
        if open_total is not None:
            rows[open_total] = rows[open_total].model_copy(update={"value": row.value, "basis": row.basis})
        else:
            _after_costs(rows, row)
    return rows


def _after_costs(rows: list[Indicator], row: Indicator) -> None:
    """Insert a new cost row after the last cost row (at the end when there is none)."""
    costs = [i for i, r in enumerate(rows) if is_cost_level2(r.level2)]
    rows.insert((costs[-1] + 1) if costs else len(rows), row)


def _add_stated_rates(brief: Brief, rows: list[Indicator]) -> list[Indicator]:
    """Every per-unit standard the user stated (每人慰问金500元, 人均年工资5.4万元) in a cost row: when no row's value
    holds it (a slot it filled, or the same amount per the same unit), a row of its own follows the other cost rows."""
    from assistant.drafters.compose import rate_row
    from assistant.drafters.slots import per_same

    def holds(r: Indicator, rate) -> bool:  # the same amount per the same unit (3元/人次 holds 每餐3元)
        pv = r.parsed_value
        if pv.kind != "number" or "/" not in (pv.unit or "") or pv.in_yuan() is None:
            return False
        return per_same(rate.per, pv.unit.split("/", 1)[1]) and abs(pv.in_yuan() - rate.amount) < 0.5

    rows = list(rows)
    for rate in brief.rates():
        if any(holds(r, rate) or rate.raw in r.basis for r in rows):
            continue
        _after_costs(rows, rate_row(rate, brief, brief.layout))
    return rows


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _numbers(text: str) -> set[str]:
    """The numbers a text writes, without thousands separators or trailing zeros (3,500.0 -> 3500)."""
    out = set()
    for n in _NUMBER.findall((text or "").replace(",", "").replace("，", "")):
        out.add(n.rstrip("0").rstrip(".") if "." in n else n)
    return out


def _stated_numbers(brief: Brief) -> set[str]:
    """The numbers of the user's own quantities and standards, as written (2000人 is one; the year 2025 is not)."""
    return set().union(*(_numbers(x.raw) for x in [*brief.quantities(), *brief.rates()]))


def _rows_json(rows: list[Indicator]) -> str:
    return json.dumps([{"level1": r.level1, "level2": r.level2, "name": r.name, "description": r.description,
                        "value": r.value, "basis": r.basis} for r in rows], ensure_ascii=False)


def grounding(brief: Brief, store, k: int = 2) -> tuple[str, list[Source]]:
    """What a model drafts from: the fitting types' sets, or, when none fits, the composed skeleton with the
    single indicators whose objects are the brief's own. The first source says which grounding was used."""
    hits = rank_by_fit(brief, store.search_sets(brief.text, k=max(k, 10)))
    fitting = [h for h in hits if h.fit.fits][:k]
    library = _library_by_id()
    if fitting:
        sets = [(library[h.id], h) for h in fitting]
        text = "\n\n".join(f"【{s.name}】（对象吻合度{h.fit.score:.0%}）\n" + _rows_json(s.rows(brief.layout)) for s, h in sets)
        return text, [Source(id=s.id, name=s.name, category=s.category, score=round(h.score, 5), references=s.sources)
                      for s, h in sets]
    comp = compose(brief, store, SlotFiller(brief))
    head = (f"【组合框架：{comp.archetype['name']}】示范指标库中没有对象相符的项目类型，以下按资金用途组合，"
            f"行中对象为本项目的“{comp.obj}”，请按本项目实际改写，不要引入其他项目的对象")
    return head + "\n" + _rows_json(comp.rows), _composed_sources(comp)


def _composed_sources(comp) -> list[Source]:
    """The archetype first, then every library set a single retrieved row came from."""
    sources = [Source(id=f"archetype:{comp.archetype['id']}", name=f"组合起草：{comp.archetype['name']}",
                      indicators=comp.composed)]
    by_set: dict[str, Source] = {}
    for name, set_id, set_name in comp.retrieved:
        by_set.setdefault(set_id, Source(id=set_id, name=set_name)).indicators.append(name)
    return sources + list(by_set.values())


@register("exemplar")
def _factory(settings: Settings) -> ExemplarDrafter:
    return ExemplarDrafter(settings)
