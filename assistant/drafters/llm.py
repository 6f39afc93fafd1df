"""The LLM drafter: any OpenAI-compatible endpoint, grounded in retrieved exemplars, with a structured-output
capability fallback and a validate-and-repair loop inside one overall deadline per draft.

Structured output is tried in order json_schema -> function_calling -> json_mode -> text; every reply is read by
our own parser (assistant/drafters/replies.py). The first method that gives a usable reply is remembered per
(base_url, model); the HTTP side (retries, typed errors, the cache) is assistant/drafters/endpoint.py.
"""

from __future__ import annotations

import json
import re
import time
from typing import Iterator

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import prompts
from assistant.brief import Brief
from assistant.repair import is_fact
from assistant.draft import Draft, Source, Trace, register
from assistant.drafters.endpoint import METHODS, Deadline, Endpoint, Rejected, Reply, chat_json
from assistant.drafters.replies import extract_json
from assistant.errors import DeadlineError, EndpointError, LLMError, OutputError
from assistant.models import Indicator, ProjectSheet
from assistant.rules import Finding
from assistant.settings import Settings
from assistant.taxonomy import QUANTITY, TAXONOMY, level1_for, normalize_level2

__all__ = ["LLMDrafter", "LLMError", "EndpointError", "OutputError", "DeadlineError", "chat_json", "extract_json"]

_UNSUPPORTED = re.compile(
    r"response_format|json_schema|json_object|does not support|not supported|unsupported|unavailable|tool_choice|"
    r"tools|function|must contain the word", re.I)
_REASK = ("上面的回复不是完整有效的 json（可能被截断或格式错误）。请重新输出完整的 json 对象，"
          "只包含 goal 和 indicators 两个字段，指标不超过15个，每个字段尽量简洁。")


class ReplyIndicator(BaseModel):
    """一个三级指标：一级指标、二级指标、名称、指标解释、指标值和指标值确定依据，均为必填。"""

    model_config = ConfigDict(extra="forbid")

    level1: str = Field(description="一级指标，如 产出指标、效益指标、满意度指标")
    level2: str = Field(description="二级指标，如 数量指标、质量指标、时效指标、成本指标")
    name: str = Field(description="三级指标名称")
    description: str = Field(description="指标解释：计算公式或统计口径")
    value: str = Field(description="指标值：运算符+数值+单位，或完成时限，或分级定性值")
    basis: str = Field(description="指标值确定依据：类别：具体来源")


class SheetReply(BaseModel):
    """绩效目标表：年度绩效目标和三级指标。"""

    model_config = ConfigDict(extra="forbid")

    goal: str = Field(description="年度绩效目标")
    indicators: list[ReplyIndicator] = Field(description="三级指标，9～15个")


SCHEMA = SheetReply.model_json_schema()
_SCHEMA_EXAMPLE = json.dumps({"goal": "2025年……", "indicators": [
    {"level1": "产出指标", "level2": "数量指标", "name": "购置公务用车数量", "description": "年度内完成采购、验收并登记入账的车辆数",
     "value": "=2辆", "basis": "计划标准：2025年公务用车更新计划批复"}]}, ensure_ascii=False, indent=1)


def parse_reply(reply: Reply | str) -> SheetReply | None:
    """The table in a reply, or None when it is cut off, not JSON, or not shaped like a table."""
    if isinstance(reply, Reply):
        if reply.finish == "length":
            return None
        reply = reply.text
    try:
        data = extract_json(reply)
        data.setdefault("goal", "")
        return SheetReply.model_validate(data)
    except (ValueError, ValidationError):
        return None


class LLMDrafter:
    """Draft with a model, grounded in retrieved exemplars, validated and repaired in bounded rounds."""

    name = "llm"

    def __init__(self, settings: Settings, store=None, endpoint: Endpoint | None = None) -> None:
        settings.require_llm()
        self.settings = settings
        self._store = store
        self.endpoint = endpoint or Endpoint(settings)

    @property
    def store(self):
        if self._store is None:
            from assistant.drafters.exemplar import default_store

            self._store = default_store()
        return self._store

    # -- prompts ----------------------------------------------------------------------------------
    def messages(self, brief: Brief, exemplar_text: str, template: str = "draft", **extra: str) -> list[tuple[str, str]]:
        layout_rule = ("2021版（财预〔2021〕101号）：一级指标为成本指标（经济成本指标、社会成本指标、生态环境成本指标）、"
                       "产出指标（数量、质量、时效）、效益指标（经济、社会、生态效益，可持续影响）、满意度指标（服务对象满意度指标）"
                       if brief.layout == "2021" else
                       "2015版：一级指标为产出指标（数量指标、质量指标、时效指标、成本指标）、效益指标（经济效益指标、社会效益指标、"
                       "生态效益指标、可持续影响指标）、满意度指标（服务对象满意度指标）")
        system = prompts.render("system", layout_rule=layout_rule, schema_example=_SCHEMA_EXAMPLE)
        budget = f"{float(brief.budget):,.2f}元" if brief.budget is not None else "未提供"
        values = dict(name=brief.name, purpose=brief.purpose or "（未提供）", budget=budget, year=brief.year,
                      department=brief.department or "（未提供）", exemplars=exemplar_text,
                      extra=("已有年度目标：" + brief.goal + "\n") if brief.goal else "", goal=brief.goal or "（无）")
        values["stated"] = stated_facts(brief)
        values.update(extra)
        return [("system", system), ("human", prompts.render(template, **values))]

    def exemplars(self, brief: Brief, k: int = 2) -> tuple[str, list[Source]]:
        """The fitting exemplar sets, or the composed skeleton when none fits (assistant/drafters/exemplar.py)."""
        from assistant.drafters.exemplar import grounding

        return grounding(brief, self.store, k)

    # -- one structured call ----------------------------------------------------------------------
    def _structured(self, messages: list, trace: Trace, deadline: Deadline) -> tuple[SheetReply | None, str]:
        """Call with the known method; with none known, one worker probes the chain while the others wait."""
        known = self.endpoint.known_method()
        if known is not None:
            try:
                return self._with(known, messages, trace, deadline)
            except Rejected as exc:  # the endpoint no longer accepts it (model or server changed)
                if not self._unsupported(exc):
                    raise
                trace.events.append(f"{known} no longer accepted: {self.endpoint.short(exc.detail)}")
                self.endpoint.remember(None)
        lock = self.endpoint.probe_lock()
        if not lock.acquire(timeout=max(0.0, deadline.check())):
            deadline.check()
        try:
            known = self.endpoint.known_method()  # another worker may have probed meanwhile
            return self._with(known, messages, trace, deadline) if known else self._probe(messages, trace, deadline)
        finally:
            lock.release()

    def _probe(self, messages: list, trace: Trace, deadline: Deadline) -> tuple[SheetReply | None, str]:
        """Try each method in turn; remember the first whose reply is a usable table."""
        last: Rejected | None = None
        for method in METHODS:
            try:
                return self._with(method, messages, trace, deadline)
            except Rejected as exc:
                if method == "text" or not self._unsupported(exc):
                    raise
                last = exc
                trace.events.append(f"{method} unsupported: {self.endpoint.short(exc.detail)}")
        raise EndpointError(f"模型接口不支持任何结构化输出方式：{self.endpoint.short(last)}")

    def _with(self, method: str, messages: list, trace: Trace, deadline: Deadline) -> tuple[SheetReply | None, str]:
        reply = self.endpoint.request(messages, method, SCHEMA, trace, deadline)
        trace.method = method
        parsed = parse_reply(reply)
        if parsed is None:
            why = "cut off at the token limit" if reply.finish == "length" else "no usable table"
            trace.events.append(f"{method}: {why}")
        elif self.endpoint.known_method() != method:
            self.endpoint.remember(method)
        return parsed, reply.text

    @staticmethod
    def _unsupported(exc: Rejected) -> bool:
        """True when a 400/422 refuses the structured-output method rather than the request itself."""
        return exc.status == 422 or bool(_UNSUPPORTED.search(exc.detail))

    # -- the loop ---------------------------------------------------------------------------------
    def draft(self, brief: Brief) -> Draft:
        start = time.perf_counter()
        exemplar_text, sources = self.exemplars(brief)
        deadline = Deadline(self.settings.deadline)  # the model's time budget; local retrieval is not counted
        base = self.messages(brief, exemplar_text)
        return self._loop(brief, base, sources, start, deadline, keep=True)

    def _loop(self, brief: Brief, base: list, sources: list[Source], start: float, deadline: Deadline,
              first: tuple[SheetReply | None, str] | None = None, trace: Trace | None = None,
              keep: bool = False) -> Draft:
        """Call, validate, and repair from the best reply so far, until no error or the repairs or time run out."""
        trace = trace or Trace(drafter=self.name, attempts=0)
        best: tuple[Draft, SheetReply] | None = None
        raws: list[str] = []
        messages = list(base)
        for attempt in range(self.settings.max_repairs + 1):
            if best is not None and deadline.remaining() <= 0.05:
                trace.events.append("deadline reached: the best attempt so far is returned")
                break
            trace.attempts = attempt + 1
            reply, raw = first if (first is not None and attempt == 0) else self._structured(messages, trace, deadline)
            raws.append(raw)
            if reply is None or not reply.indicators:
                trace.events.append(f"attempt {attempt + 1}: no usable table")
                if best is None:  # with a table in hand, the next round repairs that table again instead
                    messages = list(base) + [("ai", raw[:4000] or "（空）"), ("human", _REASK)]
                continue
            candidate = Draft.build(self._sheet(brief, reply, keep), sources, trace)
            errors = [f for f in candidate.findings if f.severity == "error"]
            trace.events.append(f"attempt {attempt + 1}: score {candidate.score:.0f}, {len(errors)} errors")
            if best is None or candidate.score > best[0].score:
                best = (candidate, reply)
            if not errors:
                break
            messages = list(base) + [("ai", best[1].model_dump_json()),
                                     ("human", prompts.render("repair", findings=_findings_text(best[0].findings)))]
        trace.latency_ms = (time.perf_counter() - start) * 1000
        if best is None:
            if trace.method and self.endpoint.known_method() == trace.method:
                self.endpoint.remember(None)  # a method that gave nothing usable this time is probed again next time
            raise OutputError(f"模型连续{len(raws)}次没有返回可用的绩效目标表（格式错误或输出被截断）", raws)
        done = _finished(best[0], trace)
        if keep:  # a new draft: the dates the model proposed and the user never gave are named as proposals
            from assistant.drafters.stated import proposed_dates_note

            note = proposed_dates_note(brief, done.sheet.indicators, "模型")
            done = done.model_copy(update={"notes": done.notes + [note]}) if note else done
        return done

    def _sheet(self, brief: Brief, reply: SheetReply, keep: bool = False) -> ProjectSheet:
        """The reply as a sheet; for a new draft (`keep`), with every number the brief stated kept (keep_stated)."""
        sheet = self._reply_sheet(brief, reply)
        if not keep:  # a rewrite keeps the legacy's own facts; a revision may remove a row on purpose
            return sheet
        return sheet.model_copy(update={"indicators": keep_stated(brief, sheet.indicators)})

    def _reply_sheet(self, brief: Brief, reply: SheetReply) -> ProjectSheet:
        rows = []
        allowed = {l2 for l2s in TAXONOMY[brief.layout].values() for l2 in l2s}
        for r in reply.indicators:
            level2 = normalize_level2(r.level2)
            level1 = level1_for(level2, brief.layout) if level2 in allowed else r.level1
            rows.append(Indicator(level1=level1 or r.level1, level2=level2, name=r.name.strip(),
                                  description=r.description.strip(), value=r.value.strip(), basis=r.basis.strip()))
        return ProjectSheet(code=brief.code, name=brief.name, department=brief.department, year=brief.year,
                            layout=brief.layout, budget={"total": brief.budget, "fiscal": brief.budget},
                            fund_use=brief.purpose, goals=[reply.goal.strip()] if reply.goal.strip() else [],
                            indicators=rows)

    def rewrite(self, brief: Brief, legacy: ProjectSheet, findings: list[Finding]) -> Draft:
        """Rewrite a legacy table: the model sees every legacy row with the rules it broke (prompts/rewrite.md)."""
        start = time.perf_counter()
        exemplar_text, sources = self.exemplars(brief)
        deadline = Deadline(self.settings.deadline)  # the model's time budget; local retrieval is not counted
        by_row: dict[int, list[str]] = {}
        for f in findings:
            if f.index is not None and f.severity in ("error", "warning"):
                by_row.setdefault(f.index, []).append(f"{f.rule} {f.message}")
        lines = []
        for n, ind in enumerate(legacy.indicators):
            problems = "；".join(by_row.get(n, [])) or "无问题（保留）"
            lines.append(f"{n + 1}. {ind.level1}/{ind.level2}/{ind.name}｜解释：{ind.description}｜指标值：{ind.value}｜"
                         f"依据：{ind.basis}｜问题：{problems}")
        sheet_level = [f"{f.rule} {f.message}" for f in findings if f.index is None and f.severity != "info"]
        legacy_text = "\n".join(lines) + ("\n整表问题：" + "；".join(sheet_level) if sheet_level else "")
        facts = [f"- {ind.name}：{ind.value}" for ind in legacy.indicators if is_fact(ind.parsed_value)]
        base = self.messages(brief, "以下为同类项目的示范指标，供参考：\n" + exemplar_text, template="rewrite",
                             legacy=legacy_text, goal="；".join(legacy.goals) or "（无）",
                             facts="\n".join(facts) or "（原表没有具体数值）")
        return self._loop(brief, base, sources, start, deadline)

    def revise(self, sheet: ProjectSheet, instruction: str) -> Draft:
        """Apply a user's request to an existing table (chat refinement), validated like a draft."""
        brief = Brief(name=sheet.name, purpose=sheet.fund_use, budget=sheet.budget.total, year=sheet.year or 2026,
                      layout=sheet.layout, department=sheet.department, code=sheet.code)
        current = json.dumps({"goal": "；".join(sheet.goals), "indicators": [
            {k: getattr(i, k) for k in ("level1", "level2", "name", "description", "value", "basis")}
            for i in sheet.indicators]}, ensure_ascii=False)
        base = self.messages(brief, "（略）")[:1] + [
            ("human", f"当前的绩效目标表（json）：\n{current}\n\n用户的修改要求：{instruction}\n\n"
                      "请按要求修改，其余内容保持不变，输出修改后完整的 json。")]
        draft = self._loop(brief, base, [], time.perf_counter(), Deadline(self.settings.deadline))
        return draft.model_copy(update={"sheet": draft.sheet.model_copy(update={
            "title": sheet.title, "spending_plan": sheet.spending_plan, "budget": sheet.budget})})

    def stream(self, brief: Brief) -> Iterator[str | Draft]:
        """Yield the model's text as it arrives, then the validated Draft (a defective reply is repaired from)."""
        start = time.perf_counter()
        exemplar_text, sources = self.exemplars(brief)
        deadline = Deadline(self.settings.deadline)  # the model's time budget; local retrieval is not counted
        base = self.messages(brief, exemplar_text)
        trace = Trace(drafter=self.name, method="stream", attempts=0)
        text = ""
        for piece in self.endpoint.stream(base, trace, deadline):
            text += piece
            yield piece
        yield self._loop(brief, base, sources, start, deadline, first=(parse_reply(text), text), trace=trace,
                         keep=True)


def stated_facts(brief: Brief) -> str:
    """The numbers the user stated, one per line, for the prompt: counts, standards, parts of the money, target rates,
    deadlines and durations."""
    from assistant.drafters.stated import extract_deadlines, extract_durations, extract_targets

    lines = [f"- {q.object or '数量'}：{q.raw}" for q in brief.quantities()]
    lines += [f"- 标准：{r.raw}" for r in brief.rates()]
    lines += [f"- 分项金额：{p.item}{p.raw}" for p in brief.cost_parts()]
    text = " ".join(x for x in (brief.purpose, brief.goal) if x)
    lines += [f"- 目标：{t.what}{t.value}" for t in extract_targets(text)]
    lines += [f"- 时限：{d.value(brief.year)}（{d.context}）" for d in extract_deadlines(text, brief.year)]
    lines += [f"- {'时限' if d.limit else '时长'}：{d.name}{d.value}（{d.context}）" for d in extract_durations(text)]
    return "\n".join(lines) or "（未提供具体数字）"


def keep_stated(brief: Brief, rows: list[Indicator]) -> list[Indicator]:
    """The model's rows with every stated count, part of the money, standard, target rate and deadline kept: a count no
    row states gets its 数量指标, a part or a standard its 成本指标, a rate or date the row that measures it, as in the
    offline drafter
    (a model may drop or round what the user said)."""
    from assistant.drafters.compose import quantity_row
    from assistant.drafters.exemplar import MAX_STATED_ROWS, _add_cost_parts, _add_stated_rates, _holds
    from assistant.drafters.stated import keep_targets

    rows = list(rows)
    for q in brief.quantities():
        counts = [i for i, r in enumerate(rows) if r.level2 == QUANTITY]
        if not any(_holds(r, q) for r in rows) and len(counts) < MAX_STATED_ROWS:
            rows.insert((counts[-1] + 1) if counts else 0, quantity_row(q, brief, brief.layout))
    return keep_targets(brief, _add_stated_rates(brief, _add_cost_parts(brief, rows)))[0]


def _finished(best: Draft, trace: Trace) -> Draft:
    """The winning draft with its trace; one that still has errors carries a note and partial=True."""
    errors = [f for f in best.findings if f.severity == "error"]
    update: dict = {"trace": trace}
    if errors:
        update["partial"] = True
        update["notes"] = best.notes + [f"模型经{trace.attempts}轮起草和修改后，表中仍有{len(errors)}个错误未解决，"
                                        "请逐条核对修改后再提交（需修改）"]
    return best.model_copy(update=update)


def _findings_text(findings: list[Finding]) -> str:
    lines = []
    for n, f in enumerate([f for f in findings if f.severity in ("error", "warning")], 1):
        where = f"“{f.indicator}”" if f.indicator else "整表"
        lines.append(f"{n}. [{f.rule}] {where}：{f.message} 修改建议：{f.hint}")
    return "\n".join(lines) or "（无）"


@register("llm")
def _factory(settings: Settings) -> LLMDrafter:
    return LLMDrafter(settings)
