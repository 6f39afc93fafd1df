"""Rewriting one legacy sheet: keep what is good, replace what is vague, never touch the project's metadata."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.brief import Brief
from assistant.drafters.exemplar import compose_goal
from assistant.lexicon import jaccard, normalize_name
from assistant.models import Indicator, ProjectSheet
from assistant.repair import canonical_level2, carry_facts, complete, must_replace, prepare, split_compound
from assistant.report import ProjectReport, check_project
from assistant.taxonomy import BENEFIT_LEVEL2, QUALITY, QUANTITY, SOCIAL, clean

Action = Literal["kept", "completed", "rewritten", "added", "removed"]
MIN_OUTPUT_ROWS = 2
# warnings that completing a row in place fixes (operator, name dimension, 解释, 依据)
_COMPLETABLE = frozenset({"V02", "N01", "D00", "D01", "D07", "D04", "B00", "B01", "B02", "B03", "B04"})
_YEAR = re.compile(r"(20[0-9]{2})\s*年")


def sheet_year(sheet: ProjectSheet) -> int | None:
    """The budget year the document states: its 年度 cell, else the year most named in title, name, goal and rows."""
    if sheet.year:
        return sheet.year
    text = " ".join([sheet.title, sheet.name, *sheet.goals, *(i.value for i in sheet.indicators)])
    years = [int(y) for y in _YEAR.findall(text)] + [i.parsed_value.deadline.year for i in sheet.indicators
                                                    if i.parsed_value.deadline and i.parsed_value.deadline.year > 1900]
    return max(set(years), key=years.count) if years else None


YearSource = Literal["document", "option", "assumed"]
YEAR_SOURCE_ZH = {"document": "取自文档", "option": "文档未写明，按指定年度", "assumed": "文档未写明，假定为今年，请核对；可用 --year 指定"}


class Change(BaseModel):
    """What happened to one indicator row."""

    model_config = ConfigDict(extra="forbid")

    action: Action
    level2: str
    before: Indicator | None = None
    after: Indicator | None = None
    rules: list[str] = Field(default_factory=list, description="finding codes that triggered the rewrite")
    done: list[str] = Field(default_factory=list, description="what completing the row added, in Chinese")


class ProjectRewrite(BaseModel):
    """A project before and after, with every row's fate."""

    model_config = ConfigDict(extra="forbid")

    index: int
    code: str
    name: str
    status: Literal["ok", "failed"] = "ok"
    error: str = ""
    before: ProjectReport
    after: ProjectReport | None = None
    changes: list[Change] = Field(default_factory=list)
    goal_rewritten: bool = False
    drafter: str = ""
    sources: list[str] = Field(default_factory=list)
    year: int | None = Field(None, description="the budget year the rewrite used")
    year_source: YearSource = Field("document", description="where that year came from")




def budget_year(sheet: ProjectSheet, year: int | None = None) -> tuple[int, YearSource]:
    """The year a rewrite uses: the document's own, else the one the user gave, else this year (said so)."""
    found = sheet_year(sheet)
    if found:
        return found, "document"
    if year:
        return year, "option"
    return date.today().year, "assumed"


def brief_for(sheet: ProjectSheet, year: int | None = None) -> Brief:
    """The project's own context as a brief: name, 资金用途, goal, budget, year, and its legacy indicator names."""
    legacy = " ".join(dict.fromkeys(i.name for i in sheet.indicators if i.name))
    goal = " ".join(sheet.goals)
    return Brief(name=sheet.name, purpose=sheet.fund_use[:4000], budget=sheet.budget.total or sheet.budget.fiscal,
                 year=sheet_year(sheet) or year or date.today().year, layout=sheet.layout, department=sheet.department, code=sheet.code,
                 goal="" if goal_is_empty(sheet) else goal[:4000], context=legacy[:2000])


def goal_is_empty(sheet: ProjectSheet) -> bool:
    """A goal that only repeats the project name (or 资金用途) says nothing measurable."""
    text = clean(" ".join(sheet.goals))
    core = normalize_name(re.sub(r"^\s*\d+[.、．]\s*", "", text))
    if not core:
        return True
    name, use = normalize_name(sheet.name), normalize_name(sheet.fund_use)
    if core in (name, use) or core in name or (len(core) < 40 and (name in core or jaccard(core, name) > 0.6)):
        return not re.search(r"\d+(\.\d+)?\s*(%|个|次|人|辆|台|套|平方米|㎡|公里|亩|户|场)", text)
    return False


def _similarity(a: Indicator, b: Indicator) -> float:
    return jaccard(a.name, b.name)


def merge(legacy: ProjectSheet, draft_rows: list[Indicator], bad: dict[int, list[str]],
          keep_good: bool = True, findings: list | None = None,
          force: frozenset[int] = frozenset(), year: int | None = None, originals: list[Indicator] | None = None,
          notes: list[list[str]] | None = None) -> tuple[list[Indicator], list[Change]]:
    """A legacy row whose value is a fact is kept and completed in place (operator, 解释, 依据); only rows that
    measure nothing or the wrong thing are replaced by the most similar unused drafted row of the same 二级 (or
    removed when there is none); 二级 the table still lacks are then added from the draft."""
    rows: list[Indicator] = []
    year = year or sheet_year(legacy)
    # `legacy` may hold rows prepared for the check (0.97比例 -> 97%); each Change names the row as printed
    orig = originals or legacy.indicators
    notes = notes or [[] for _ in legacy.indicators]
    changes: list[Change] = []
    used: set[int] = set()
    kept_names: set[str] = set()
    by_row: dict[int, list] = {}
    for f in findings or []:
        if f.index is not None:
            by_row.setdefault(f.index, []).append(f)
    replace = {i for i, ind in enumerate(legacy.indicators)
               if not keep_good or i in force or must_replace(ind, by_row.get(i, []))}
    # a heading the checker does not accept (数量目标, 社会效益目标, 产出指标) is read as the 二级 it stands for
    level2 = [canonical_level2(ind, legacy.layout) for ind in legacy.indicators]
    for i, ind in enumerate(legacy.indicators):
        if i in replace:
            continue
        row, done = complete(ind, by_row.get(i, []), draft_rows, year, legacy.name, legacy.layout)
        rows.append(row)
        kept_names.add(normalize_name(row.name))
        done = notes[i] + done
        changes.append(Change(action="completed" if done else "kept", level2=row.level2, before=orig[i], after=row,
                              rules=bad.get(i, []), done=done))
    for i, ind in enumerate(legacy.indicators):
        if i not in replace:
            continue
        parts = split_compound(ind) if keep_good and i not in force else []
        if parts:  # 困难台胞432人、高龄台胞1792人: one completed row per stated fact, nothing replaced
            for part in parts:
                row, done = complete(part, [], draft_rows, year, legacy.name, legacy.layout)
                rows.append(row)
                kept_names.add(normalize_name(row.name))
                changes.append(Change(action="completed", level2=row.level2, before=orig[i], after=row,
                                      rules=bad.get(i, []), done=notes[i] + [f"由原指标值“{ind.value}”拆分"] + done))
            continue
        options = [(n, r) for n, r in enumerate(draft_rows) if n not in used and r.level2 == level2[i]
                   and normalize_name(r.name) not in kept_names]
        if not options:
            changes.append(Change(action="removed", level2=level2[i], before=orig[i], rules=bad.get(i, [])))
            continue
        n, best = max(options, key=lambda o: (_similarity(ind, o[1]), -o[0]))
        used.add(n)
        rows.append(best)
        kept_names.add(normalize_name(best.name))
        changes.append(Change(action="rewritten", level2=level2[i], before=orig[i], after=best, rules=bad.get(i, [])))
    present = {r.level2 for r in rows}
    for n, r in enumerate(draft_rows):
        if n in used or normalize_name(r.name) in kept_names:
            continue
        missing_level2 = r.level2 not in present
        needs_benefit = r.level2 in BENEFIT_LEVEL2 and not present & set(BENEFIT_LEVEL2)
        # 产出 is judged on quantity and quality: a reviewer expects at least two of each where the type has them
        thin_output = r.level2 in ("数量指标", "质量指标") and sum(x.level2 == r.level2 for x in rows) < MIN_OUTPUT_ROWS
        if missing_level2 or needs_benefit or thin_output:
            rows.append(r)
            present.add(r.level2)
            kept_names.add(normalize_name(r.name))
            used.add(n)
            changes.append(Change(action="added", level2=r.level2, after=r))
    order = {l2: k for k, l2 in enumerate(dict.fromkeys([r.level2 for r in draft_rows] + level2))}
    rows.sort(key=lambda r: order.get(r.level2, 99))
    return rows, changes


_MAX_ROUNDS = 4
# a drafted row with one of these is about another project (C01) or cannot be read as a target (any row error)
_MISFIT_RULES = frozenset({"C01"})


def _misfits(report: ProjectReport, rows: list[Indicator], changes: list[Change]) -> list[Indicator]:
    """The drafted rows (added or replacing a legacy row) that the re-check finds in error or unrelated."""
    drafted = [c.after for c in changes if c.action in ("added", "rewritten") and c.after is not None]
    flagged = {f.index for f in report.findings if f.index is not None
               and (f.severity == "error" or f.rule in _MISFIT_RULES)}
    return [rows[k] for k in sorted(flagged) if k < len(rows) and any(rows[k] is d for d in drafted)]


def _prepared(legacy: ProjectSheet, findings: list) -> tuple[ProjectSheet, list[list[str]], list]:
    """The legacy rows with their facts in a form the checker reads (see repair.prepare), and their findings."""
    by_row: dict[int, list] = {}
    for f in findings:
        if f.index is not None:
            by_row.setdefault(f.index, []).append(f)
    pairs = [prepare(ind, by_row.get(i, []), legacy.name, legacy.layout) for i, ind in enumerate(legacy.indicators)]
    notes = [done for _, done in pairs]
    if not any(notes):
        return legacy, notes, findings
    prepared = legacy.model_copy(update={"indicators": [row for row, _ in pairs]})
    return prepared, notes, check_project(prepared).findings


def _recheck(legacy: ProjectSheet, brief: Brief, rows: list[Indicator], context: str) -> ProjectReport:
    goals = legacy.goals
    if goal_is_empty(legacy):
        goals = [compose_goal(brief, rows)]
    # the project's own facts are copied from the input: code, name, budget, 资金用途, spending plan, title
    return check_project(legacy.model_copy(update={"indicators": rows, "goals": goals}), context=context)


def _broken_legacy(report: ProjectReport, rows: list[Indicator], changes: list[Change],
                   legacy: ProjectSheet) -> dict[int, list[str]]:
    """Legacy rows, kept or completed, that the re-check finds in error: their index in the legacy table and rules."""
    errors: dict[int, list[str]] = {}
    for f in report.findings:
        if f.index is not None and f.severity == "error" and f.index < len(rows):
            errors.setdefault(f.index, []).append(f.rule)
    out: dict[int, list[str]] = {}
    for k, codes in errors.items():
        c = next((c for c in changes if c.after is rows[k] and c.action in ("kept", "completed")), None)
        if c is None or c.before is None:
            continue
        i = next((i for i, x in enumerate(legacy.indicators) if x is c.before), None)
        if i is not None:
            out[i] = codes
    return out


_CORE = {"缺少数量指标": QUANTITY, "缺少质量指标": QUALITY}


def _missing_core(report: ProjectReport) -> set[str]:
    """The core 二级 (数量, 质量, a benefit) the re-checked table still lacks (S01)."""
    out = set()
    for f in report.findings:
        if f.rule == "S01":
            out |= {l2 for key, l2 in _CORE.items() if f.message.startswith(key)}
            if f.message.startswith("缺少效益指标"):
                out |= {SOCIAL}
    return out


def _archetype_rows(brief: Brief) -> list[Indicator]:
    from assistant.drafters.compose import archetype_rows, choose_archetype, object_phrase
    from assistant.drafters.slots import SlotFiller

    rows = archetype_rows(brief, choose_archetype(brief), object_phrase(brief), SlotFiller(brief))
    seen: set[str] = set()
    out = []
    for r in rows:  # one row per missing 二级 is enough to make the table whole
        if r.level2 not in seen:
            seen.add(r.level2)
            out.append(r)
    return out


def rewrite_sheet(sheet: ProjectSheet, drafter, index: int = 0, keep_good: bool = True,
                  year: int | None = None) -> ProjectRewrite:
    """Check, rewrite what has errors (or everything), re-check. Metadata is copied, never regenerated.
    `year` is the budget year to use when the document names none (the CLI's --year)."""
    before = check_project(sheet)
    legacy = before.sheet
    bad: dict[int, list[str]] = {}
    for f in before.findings:
        if f.severity == "error" and f.index is not None:
            bad.setdefault(f.index, []).append(f.rule)
    sheet_errors = [f for f in before.findings if f.severity == "error" and f.index is None]
    used_year, year_source = budget_year(legacy, year)
    result = ProjectRewrite(index=index, code=sheet.code, name=sheet.name, before=before, drafter=drafter.name,
                            year=used_year, year_source=year_source)
    incomplete = {f.rule for f in before.findings} & _COMPLETABLE
    if keep_good and not bad and not sheet_errors and not incomplete and not goal_is_empty(legacy):
        result.after = before
        result.changes = [Change(action="kept", level2=i.level2, before=i, after=i) for i in legacy.indicators]
        return result
    brief = brief_for(legacy, used_year)
    if hasattr(drafter, "rewrite"):
        draft = drafter.rewrite(brief, legacy, before.findings)
    else:
        draft = drafter.draft(brief)
    # the department's own indicators describe the project's objects as much as its name does
    context = " ".join(i.name for i in legacy.indicators)
    offered = list(draft.sheet.indicators)
    prepared, notes, findings = _prepared(legacy, before.findings) if keep_good else (legacy, None, before.findings)
    force: set[int] = set()
    for _ in range(_MAX_ROUNDS):
        rows, changes = merge(prepared, offered, bad, keep_good, findings, frozenset(force), used_year,
                              legacy.indicators, notes)
        after = _recheck(legacy, brief, rows, context)
        refused = _misfits(after, rows, changes)
        # a legacy row that completing put under its proper 二级 may now show an error there (100% as a 成本):
        # it measures the wrong thing after all, and is replaced like any other
        broken = _broken_legacy(after, rows, changes, legacy)
        for i, codes in broken.items():
            bad[i] = list(dict.fromkeys(bad.get(i, []) + codes))
        if not refused and not broken.keys() - force:
            break
        force |= broken.keys()
        # a drafted row that carries an error or is about another project's objects is worse than none: the
        # next drafted row of the same 二级 is tried, or the legacy row's place stays empty
        offered = [r for r in offered if all(r is not x for x in refused)]
    carried = False
    for c in changes:  # a replaced row's own numbers go into its replacement's open slot (70村 -> {N:…}村)
        if c.action == "rewritten" and c.before is not None and c.after is not None:
            new, notes = carry_facts(c.before, c.after)
            if notes:
                rows = [new if r is c.after else r for r in rows]
                c.after, c.done, carried = new, c.done + notes, True
    if carried:
        after = _recheck(legacy, brief, rows, context)
    missing = _missing_core(after)
    if missing:  # no drafted row of a core 二级 fits: the archetype's rows, naming the project's own object
        extra = [r for r in _archetype_rows(brief) if r.level2 in missing]
        if extra:
            rows = rows + extra
            changes = changes + [Change(action="added", level2=r.level2, after=r) for r in extra]
            after = _recheck(legacy, brief, rows, context)
    result.goal_rewritten = goal_is_empty(legacy)
    result.after = after
    result.changes = changes
    result.sources = [s.id for s in draft.sources]
    return result
