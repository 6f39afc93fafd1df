"""Scorers in a registry. Each takes (case, outcome) and returns a number; quality scorers lie in [0, 1]."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from assistant.lexicon import cjk_bigrams, expand_synonyms, jaccard, normalize_name
from assistant.models import ProjectSheet
from assistant.rules import Finding
from eval.cases import Case


@dataclass
class Outcome:
    """What a drafter produced for a case (or why it could not)."""

    sheet: ProjectSheet | None
    findings: list[Finding] = field(default_factory=list)
    score: float = 0.0
    sources: list[str] = field(default_factory=list)
    latency_ms: float = 0.0
    model_calls: int = 0
    tokens: int = 0
    error: str = ""
    before: ProjectSheet | None = None  # rewriting: the legacy sheet


Scorer = Callable[[Case, Outcome], float]
SCORERS: dict[str, Scorer] = {}
QUALITY: list[str] = []  # scorers in [0, 1], higher is better


def scorer(name: str, quality: bool = True):
    def wrap(func: Scorer) -> Scorer:
        SCORERS[name] = func
        if quality:
            QUALITY.append(name)
        return func
    return wrap


@scorer("schema_valid")
def schema_valid(case: Case, out: Outcome) -> float:
    """A sheet came back and has indicators with 一级/二级/三级 filled."""
    if out.sheet is None or not out.sheet.indicators:
        return 0.0
    return float(all(i.level1 and i.level2 and i.name for i in out.sheet.indicators))


@scorer("validator_score")
def validator_score(case: Case, out: Outcome) -> float:
    return out.score / 100 if out.sheet is not None else 0.0


@scorer("error_free")
def error_free(case: Case, out: Outcome) -> float:
    return float(out.sheet is not None and not any(f.severity == "error" for f in out.findings))


@scorer("errors", quality=False)
def errors(case: Case, out: Outcome) -> float:
    return float(sum(f.severity == "error" for f in out.findings))


_MEASURABLE = {"number": 1.0, "range": 1.0, "date": 1.0, "period": 1.0, "grade": 1.0, "placeholder": 0.5}


@scorer("measurability")
def measurability(case: Case, out: Outcome) -> float:
    """Share of indicators whose value parses into operator+number+unit, a date, or a graded value
    (a visible placeholder with its operator and unit counts half)."""
    if out.sheet is None or not out.sheet.indicators:
        return 0.0
    values = [i.parsed_value for i in out.sheet.indicators]
    return sum(_MEASURABLE.get(v.kind, 0.0) for v in values) / len(values)


_GENERIC = set("指标 完成 保障 服务 工作 项目 情况 管理 质量 数量 时间 合格 满意 比例 年度 本级 全年 实际 计划 "
               "按时 及时 正常 运行 验收 达标 任务 目标 单位 部门 费用 资金 经费 支出 用于 成本 标准 次数 人数".split())


def _grams(text: str) -> set[str]:
    return cjk_bigrams(text, _GENERIC)


@scorer("relevance")
def relevance(case: Case, out: Outcome) -> float:
    """Share of 产出 indicators (数量/质量) that name an object of the brief."""
    if out.sheet is None:
        return 0.0
    own = _grams(expand_synonyms(case.as_brief().text))
    rows = [i for i in out.sheet.indicators if i.level2 in ("数量指标", "质量指标")]
    if not rows:
        return 0.0
    return sum(bool(_grams(i.name + i.description) & own) for i in rows) / len(rows)


@scorer("quantity_use")
def quantity_use(case: Case, out: Outcome) -> float:
    """Share of the quantities stated in the brief that appear in a 数量指标 value."""
    if not case.quantities:
        return 1.0
    if out.sheet is None:
        return 0.0
    def plain(text: str) -> str:  # 3,500页 is 3500页
        return re.sub(r"(?<=\d)[,，](?=\d{3})", "", text)

    counts = plain(" ".join(i.value for i in out.sheet.indicators if i.level2 == "数量指标"))
    money = plain(" ".join(i.value for i in out.sheet.indicators))  # a stated 标准 (元) belongs in a cost row
    return sum(plain(q) in (money if q.endswith("元") else counts) for q in case.quantities) / len(case.quantities)


def match_reference(case: Case, out: Outcome, threshold: float = 0.3) -> tuple[int, int, int]:
    """(matched, drafted, reference) with a greedy one-to-one match on name similarity within the same 二级 family."""
    if out.sheet is None:
        return 0, 0, len(case.reference)
    drafted = out.sheet.indicators
    pairs = []
    for i, d in enumerate(drafted):
        for j, r in enumerate(case.reference):
            a, b = normalize_name(d.name), normalize_name(r.name)
            sim = 1.0 if (a and b and (a in b or b in a)) else jaccard(a, b)
            same_family = _family(d.level2) == _family(r.level2)
            if sim >= threshold and same_family:
                pairs.append((sim, i, j))
    used_d, used_r, matched = set(), set(), 0
    for sim, i, j in sorted(pairs, reverse=True):
        if i not in used_d and j not in used_r:
            used_d.add(i)
            used_r.add(j)
            matched += 1
    return matched, len(drafted), len(case.reference)


def _family(level2: str) -> str:
    if "成本" in level2:
        return "成本"
    if "效益" in level2 or "可持续" in level2:
        return "效益"
    return level2


@scorer("coverage_precision")
def coverage_precision(case: Case, out: Outcome) -> float:
    matched, drafted, _ = match_reference(case, out)
    return matched / drafted if drafted else 0.0


@scorer("coverage_recall")
def coverage_recall(case: Case, out: Outcome) -> float:
    matched, _, reference = match_reference(case, out)
    return matched / reference if reference else 0.0


@scorer("coverage_f1")
def coverage_f1(case: Case, out: Outcome) -> float:
    p, r = coverage_precision(case, out), coverage_recall(case, out)
    return 2 * p * r / (p + r) if p + r else 0.0


@scorer("no_duplicates")
def no_duplicates(case: Case, out: Outcome) -> float:
    if out.sheet is None or not out.sheet.indicators:
        return 0.0
    names = [normalize_name(i.name) for i in out.sheet.indicators]
    dupes = sum(c - 1 for c in Counter(names).values())
    near = sum(1 for a in range(len(names)) for b in range(a + 1, len(names))
               if names[a] != names[b] and jaccard(names[a], names[b]) > 0.8)
    return max(0.0, 1 - (dupes + near) / len(names))


@lru_cache(maxsize=1)
def _distinctive() -> dict[str, set[str]]:
    from retrieval.library import load_library

    sets = load_library()
    owners = Counter(k for s in sets for k in set(s.keywords))
    return {s.id: {k for k in s.keywords if owners[k] == 1 and len(k) >= 3} for s in sets}


@scorer("no_contamination")
def no_contamination(case: Case, out: Outcome) -> float:
    """1 when the table uses no word that belongs only to another project type (and is not in the brief)."""
    if out.sheet is None:
        return 0.0
    brief = case.as_brief().text + " " + (case.legacy.model_dump_json() if case.legacy else "")
    own = set(out.sources[:1])
    text = " ".join(f"{i.name}{i.description}{i.basis}" for i in out.sheet.indicators)
    own_text = _source_text(out.sources[:1])
    leaked = [w for sid, words in _distinctive().items() if sid not in own for w in words
              if w in text and w not in brief and w not in own_text]
    return 0.0 if leaked else 1.0


def _case_objects(case: Case) -> list[str]:
    """The case's labelled objects, else the object words the fit test reads in its brief."""
    if case.objects:
        return case.objects
    from assistant.drafters.fit import project_objects

    return list(project_objects(case.as_brief()))


@scorer("own_objects")
def own_objects(case: Case, out: Outcome) -> float:
    """Share of all rows whose name or 解释 names one of the brief's own objects (issue #16, goal ≥ 0.8)."""
    if out.sheet is None or not out.sheet.indicators:
        return 0.0
    from assistant.drafters.fit import _found

    objects = _case_objects(case)
    rows = out.sheet.indicators
    return sum(any(_found(o, f"{i.name} {i.description}") for o in objects) for i in rows) / len(rows)


def _source_text(sources: list[str]) -> str:
    """The text of a draft's own sources: its library sets' rows, and the archetypes it was composed from (their
    wording, 培训费 or 行政处罚, is the kind of work's, not another type's)."""
    from assistant.drafters.compose import archetypes
    from retrieval.library import load_library

    own = " ".join(s.text + " ".join(f"{i.name}{i.description}{i.basis}" for i in s.indicators)
                   for s in load_library() if s.id in set(sources))
    return own + " ".join(json.dumps(a, ensure_ascii=False) for a in archetypes() if f"archetype:{a['id']}" in sources)


def foreign_rows_of(case: Case, out: Outcome) -> list[tuple[str, list[str]]]:
    """(row name, words) for rows that carry another project type's own keywords the brief never mentions."""
    if out.sheet is None:
        return []
    from assistant.drafters.compose import foreign_words

    brief = case.as_brief().text + " " + (case.legacy.model_dump_json() if case.legacy else "")
    own = _source_text(out.sources)
    found = [(i.name, foreign_words(f"{i.name}{i.description}", brief + own)) for i in out.sheet.indicators]
    return [(name, words) for name, words in found if words]


@scorer("foreign_rows", quality=False)
def foreign_rows(case: Case, out: Outcome) -> float:
    """Number of rows naming another project type's objects (issue #16, goal 0)."""
    return float(len(foreign_rows_of(case, out)))


@scorer("composed", quality=False)
def composed(case: Case, out: Outcome) -> float:
    """1 when the draft was composed (no library type fitted the brief)."""
    return float(any(s.startswith("archetype:") for s in out.sources[:1]))


@scorer("kept_good", quality=True)
def kept_good(case: Case, out: Outcome) -> float:
    """Rewriting: share of legacy rows without error findings that survive: the same row, or the row completed in
    place (its value kept, an operator, 解释 or 依据 added, its name given a dimension) (1 for drafting)."""
    if case.legacy is None or out.before is None:
        return 1.0
    if out.sheet is None:
        return 0.0
    from assistant.rules import check_sheet

    legacy = case.legacy.normalized()
    bad = {f.index for f in check_sheet(legacy) if f.severity == "error" and f.index is not None}
    good = [i for n, i in enumerate(legacy.indicators) if n not in bad]
    if not good:
        return 1.0
    after = out.sheet.indicators

    def survives(g) -> bool:
        if g in after:
            return True
        gv = g.parsed_value
        return any((same_fact(gv, r.parsed_value) if gv.kind != "unparsed" else g.value.strip() == r.value.strip())
                   and (normalize_name(g.name) in normalize_name(r.name) or jaccard(g.name, r.name) >= 0.5)
                   for r in after)

    return sum(survives(g) for g in good) / len(good)


def stated_facts(legacy: ProjectSheet) -> list:
    """The concrete values a legacy table states: a number with a unit, a date, a range, a grade, a count whose
    name gives its unit, and each fact of a value that lists several (困难台胞432人、高龄台胞1792人)."""
    from assistant.repair import implied_unit, is_fact, split_compound

    out = []
    for ind in legacy.indicators:
        if is_fact(ind.parsed_value) or implied_unit(ind):
            out.append(ind.parsed_value)
        else:
            out += [part.parsed_value for part in split_compound(ind)]
    return out


def same_fact(a, b) -> bool:
    """The same stated value: number and unit (a bare count matches any unit), or the same date; a deadline printed
    without its year (11月底前) matches that month and day in any year."""
    if a.kind in ("date", "period"):
        if a.deadline and a.deadline.year == 1900:
            return b.deadline is not None and (b.deadline.month, b.deadline.day) == (a.deadline.month, a.deadline.day)
        return a.deadline == b.deadline and a.period_end == b.period_end
    if a.unit_raw in ("比例", "比率") and b.is_percent and a.number is not None and b.number is not None:
        return abs(a.number * 100 - b.number) < 1e-9  # 0.97比例 written as 97%
    return a.number == b.number and (a.unit == b.unit or a.unit is None) and a.upper == b.upper


@scorer("facts_kept")
def facts_kept(case: Case, out: Outcome) -> float:
    """Rewriting: share of the legacy table's stated values that stand in the rewritten table (1 for drafting)."""
    if case.legacy is None or out.before is None:
        return 1.0
    facts = stated_facts(case.legacy)
    if not facts:
        return 1.0
    if out.sheet is None:
        return 0.0
    after = [i.parsed_value for i in out.sheet.indicators]
    return sum(any(same_fact(f, v) for v in after) for f in facts) / len(facts)


@scorer("latency_ms", quality=False)
def latency_ms(case: Case, out: Outcome) -> float:
    return out.latency_ms


@scorer("model_calls", quality=False)
def model_calls(case: Case, out: Outcome) -> float:
    return float(out.model_calls)


@scorer("tokens", quality=False)
def tokens(case: Case, out: Outcome) -> float:
    return float(out.tokens)


def score_all(case: Case, out: Outcome) -> dict[str, float]:
    return {name: round(func(case, out), 4) for name, func in SCORERS.items()}
