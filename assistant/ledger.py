"""The facts ledger of a rewrite: every concrete value of the legacy table and where it went."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.repair import implied_unit, is_fact
from assistant.rewrite import ProjectRewrite
from assistant.rules import RULES
from assistant.values import ParsedValue

Fate = Literal["kept", "completed", "moved", "dropped"]
FATE_ZH = {"kept": "原样保留", "completed": "保留并补全", "moved": "移入新指标", "dropped": "删除"}
COUNT_ZH = {"kept": "保留", "completed": "补全", "rewritten": "改写", "added": "新增", "removed": "删除"}


class FactEntry(BaseModel):
    """One value the department stated, and what the rewrite did with it."""

    model_config = ConfigDict(extra="forbid")

    indicator: str = Field(description="原三级指标")
    value: str = Field(description="原指标值")
    fate: Fate = Field(description="kept | completed | moved | dropped")
    where: str = Field("", description="新表中的指标（名称｜指标值）")
    reason: str = Field("", description="删除的理由（审核人员认可的规则）")


def _same_fact(a: ParsedValue, b: ParsedValue) -> bool:
    if a.kind in ("date", "period"):
        return b.deadline == a.deadline and b.period_end == a.period_end
    return a.number is not None and a.number == b.number and a.unit == b.unit and a.upper == b.upper


def facts_ledger(p: ProjectRewrite) -> list[FactEntry]:
    """Each concrete legacy value: kept, kept and completed, moved into a new row, or dropped with its reason."""
    after_rows = (p.after.sheet.indicators if p.after else p.before.sheet.indicators)
    out: list[FactEntry] = []
    for c in p.changes:
        if c.before is not None and c.action == "completed" and c.after is not None \
                and not (is_fact(c.before.parsed_value) or implied_unit(c.before)):
            # one fact of a value that listed several (困难台胞432人、高龄台胞1792人), now a row of its own
            out.append(FactEntry(indicator=c.before.name, value=c.before.value, fate="completed",
                                 where=f"{c.after.name}｜{c.after.value}"))
            continue
        if c.before is None or not (is_fact(c.before.parsed_value) or implied_unit(c.before)):
            continue
        v = c.before.parsed_value
        if c.action in ("kept", "completed"):
            out.append(FactEntry(indicator=c.before.name, value=c.before.value, fate=c.action,
                                 where=f"{c.after.name}｜{c.after.value}" if c.after else ""))
            continue
        home = next((r for r in after_rows if _same_fact(v, r.parsed_value)), None)
        if home is not None:
            out.append(FactEntry(indicator=c.before.name, value=c.before.value, fate="moved",
                                 where=f"{home.name}｜{home.value}"))
            continue
        reasons = [RULES[code].title for code in c.rules if code in RULES] or ["同类指标已由新指标覆盖"]
        out.append(FactEntry(indicator=c.before.name, value=c.before.value, fate="dropped",
                             where=f"{c.after.name}｜{c.after.value}" if c.after else "",
                             reason="；".join(dict.fromkeys(reasons))))
    return out


def action_counts(p: ProjectRewrite) -> dict[str, int]:
    """保留 / 补全 / 改写 / 新增 / 删除 counts of a project's rows."""
    return {a: sum(c.action == a for c in p.changes) for a in COUNT_ZH}
