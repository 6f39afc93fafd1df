"""The LLM drafter: any OpenAI-compatible endpoint through langchain, with a structured-output capability
fallback and a validate-and-repair loop. The only module that imports openai/langchain.

Structured output is tried in order json_schema -> function_calling -> json_mode -> text (JSON extracted from the
reply); the first method an endpoint accepts is cached per (base_url, model) in $ZHIBIAO_HOME/data/capabilities.json.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import prompts
from assistant.brief import Brief
from assistant.draft import Draft, Source, Trace, register
from assistant.errors import ZhibiaoError
from assistant.models import Indicator, ProjectSheet
from assistant.rules import Finding
from assistant.settings import Settings
from assistant.taxonomy import TAXONOMY, level1_for, normalize_level2

METHODS = ("json_schema", "function_calling", "json_mode", "text")
_UNSUPPORTED = re.compile(
    r"response_format|json_schema|json_object|does not support|not supported|unsupported|unavailable|tool_choice|"
    r"tools|function|must contain the word", re.I)


class LLMError(ZhibiaoError):
    """The model endpoint could not produce a draft."""


class EndpointError(LLMError):
    """HTTP-level failure after retries: rate limit, server error, timeout, refused connection, bad key."""


class OutputError(LLMError):
    """Every attempt returned something that is not a usable table (malformed, truncated, empty)."""

    def __init__(self, message: str, attempts: list[str]) -> None:
        super().__init__(message)
        self.attempts = attempts


class ReplyIndicator(BaseModel):
    """One indicator as the model writes it (every field required, so strict json_schema accepts it)."""

    model_config = ConfigDict(extra="forbid")

    level1: str = Field(description="一级指标")
    level2: str = Field(description="二级指标")
    name: str = Field(description="三级指标名称")
    description: str = Field(description="指标解释：计算公式或统计口径")
    value: str = Field(description="指标值：运算符+数值+单位，或完成时限，或分级定性值")
    basis: str = Field(description="指标值确定依据：类别：具体来源")


class SheetReply(BaseModel):
    """The model's whole answer: an annual goal and the indicators."""

    model_config = ConfigDict(extra="forbid")

    goal: str = Field(description="年度绩效目标")
    indicators: list[ReplyIndicator] = Field(description="三级指标，9～15个")


_SCHEMA_EXAMPLE = json.dumps({"goal": "2025年……", "indicators": [
    {"level1": "产出指标", "level2": "数量指标", "name": "购置公务用车数量", "description": "年度内完成采购、验收并登记入账的车辆数",
     "value": "=2辆", "basis": "计划标准：2025年公务用车更新计划批复"}]}, ensure_ascii=False, indent=1)
_CACHE_LOCK = threading.Lock()


def extract_json(text: str) -> dict[str, Any]:
    """The JSON object in a reply: the whole text, a ```json fence, or the outermost {...}."""
    text = (text or "").strip()
    fence = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.S)
    candidates = [text, fence.group(1) if fence else ""]
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        candidates.append(text[start:end + 1])
    for candidate in candidates:
        if not candidate:
            continue
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            return data
    raise ValueError("回复中没有完整的 JSON 对象")


class LLMDrafter:
    """Draft with a model, grounded in retrieved exemplars, validated and repaired in bounded rounds."""

    name = "llm"

    def __init__(self, settings: Settings, store=None, client=None) -> None:
        settings.require_llm()
        self.settings = settings
        self._store = store
        self._llm = client

    # -- plumbing ---------------------------------------------------------------------------------
    @property
    def llm(self):
        if self._llm is None:
            from langchain_openai import ChatOpenAI

            self._llm = ChatOpenAI(
                model=self.settings.model, base_url=self.settings.base_url or None,
                api_key=self.settings.api_key or "not-needed",  # keyless local servers still need a value here
                timeout=self.settings.timeout, max_retries=self.settings.max_retries,
                temperature=self.settings.temperature)
        return self._llm

    @property
    def store(self):
        if self._store is None:
            from assistant.drafters.exemplar import default_store

            self._store = default_store()
        return self._store

    def _cache_path(self) -> Path:
        return self.settings.data_path / "capabilities.json"

    def _cache_key(self) -> str:
        return f"{self.settings.base_url or 'openai'}|{self.settings.model}"

    def _cached_method(self) -> str | None:
        try:
            return json.loads(self._cache_path().read_text(encoding="utf-8")).get(self._cache_key())
        except (OSError, ValueError):
            return None

    def _remember(self, method: str) -> None:
        with _CACHE_LOCK:
            path = self._cache_path()
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            data[self._cache_key()] = method
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

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
        values.update(extra)
        return [("system", system), ("human", prompts.render(template, **values))]

    def exemplars(self, brief: Brief, k: int = 2) -> tuple[str, list[Source]]:
        from assistant.drafters.exemplar import _library_by_id

        hits = self.store.search_sets(brief.text, k=k)
        library = _library_by_id()
        blocks, sources = [], []
        for h in hits:
            s = library[h.id]
            rows = [{"level1": r.level1, "level2": r.level2, "name": r.name, "description": r.description,
                     "value": r.value, "basis": r.basis} for r in s.rows(brief.layout)]
            blocks.append(f"【{s.name}】\n" + json.dumps(rows, ensure_ascii=False))
            sources.append(Source(id=s.id, name=s.name, category=s.category, score=round(h.score, 5),
                                  references=s.sources))
        return "\n\n".join(blocks), sources

    # -- one model call ---------------------------------------------------------------------------
    def _call(self, messages: list, method: str, trace: Trace) -> tuple[SheetReply | None, str]:
        """One structured call; returns (parsed reply or None, raw text). A reply that cannot be parsed (broken
        JSON, cut off at max_tokens, not JSON at all) is (None, raw): the loop asks again. HTTP errors raise."""
        import openai

        try:
            return self._call_once(messages, method, trace)
        except openai.LengthFinishReasonError as exc:
            trace.events.append(f"{method}: output cut off at the token limit")
            choice = exc.completion.choices[0] if exc.completion and exc.completion.choices else None
            return None, (choice.message.content or "") if choice else ""
        except openai.ContentFilterFinishReasonError:
            trace.events.append(f"{method}: output withheld by the content filter")
            return None, ""
        except (ValidationError, ValueError, AttributeError, TypeError) as exc:
            trace.events.append(f"{method}: unparsable reply ({type(exc).__name__})")
            return None, _short(exc)

    def _call_once(self, messages: list, method: str, trace: Trace) -> tuple[SheetReply | None, str]:
        trace.model_calls += 1
        if method == "text":
            msg = self.llm.invoke(messages)
            self._count(msg, trace)
            raw = msg.content if isinstance(msg.content, str) else json.dumps(msg.content, ensure_ascii=False)
            return self._parse(raw), raw
        kwargs: dict[str, Any] = {"method": method, "include_raw": True}
        if method == "json_schema":
            kwargs["strict"] = True
        runnable = self.llm.with_structured_output(SheetReply, **kwargs)
        out = runnable.invoke(messages)
        raw_msg = out.get("raw")
        self._count(raw_msg, trace)
        raw = ""
        if raw_msg is not None:
            raw = raw_msg.content if isinstance(raw_msg.content, str) else ""
            calls = getattr(raw_msg, "tool_calls", None) or getattr(raw_msg, "invalid_tool_calls", None)
            if not raw and calls:
                args = calls[0].get("args")
                raw = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
        parsed = out.get("parsed")
        if parsed is None and raw:
            parsed = self._parse(raw)
        if isinstance(parsed, dict):
            parsed = self._parse(json.dumps(parsed, ensure_ascii=False))
        return parsed, raw

    @staticmethod
    def _count(msg, trace: Trace) -> None:
        usage = getattr(msg, "usage_metadata", None) or {}
        trace.prompt_tokens += int(usage.get("input_tokens", 0) or 0)
        trace.completion_tokens += int(usage.get("output_tokens", 0) or 0)

    @staticmethod
    def _parse(raw: str) -> SheetReply | None:
        try:
            data = extract_json(raw)
            data.setdefault("goal", "")
            return SheetReply.model_validate(data)
        except (ValueError, ValidationError):
            return None

    def _structured(self, messages: list, trace: Trace) -> tuple[SheetReply | None, str]:
        """Call with the cached method, or probe the fallback chain once and remember what worked."""
        import openai

        cached = self._cached_method()
        order = [cached] + [m for m in METHODS if m != cached] if cached in METHODS else list(METHODS)
        last_error: Exception | None = None
        for method in order:
            try:
                result = self._call(messages, method, trace)
            except openai.BadRequestError as exc:  # 400: the endpoint does not speak this method
                last_error = exc
                if method == "text" or not _UNSUPPORTED.search(str(exc)):
                    raise EndpointError(f"模型接口拒绝请求（400）：{_short(exc)}") from exc
                trace.events.append(f"{method} unsupported: {_short(exc)}")
                continue
            except openai.UnprocessableEntityError as exc:  # 422, as DeepSeek answers json_schema
                last_error = exc
                trace.events.append(f"{method} unsupported: {_short(exc)}")
                continue
            except openai.RateLimitError as exc:
                raise EndpointError(f"模型接口请求过多（429），已重试{self.settings.max_retries}次仍失败，请稍后再试") from exc
            except openai.APITimeoutError as exc:
                raise EndpointError(f"模型接口超时（{self.settings.timeout:g}秒），已重试{self.settings.max_retries}次") from exc
            except openai.AuthenticationError as exc:
                raise EndpointError("模型接口认证失败（401）：请检查 API Key") from exc
            except openai.APIConnectionError as exc:
                raise EndpointError(f"无法连接模型接口 {self.settings.base_url or 'OpenAI'}：{_short(exc)}") from exc
            except openai.APIStatusError as exc:
                raise EndpointError(f"模型接口错误（{exc.status_code}）：{_short(exc)}") from exc
            if method != cached:
                self._remember(method)
            trace.method = method
            return result
        raise EndpointError(f"模型接口不支持任何结构化输出方式：{_short(last_error)}")

    # -- the loop ---------------------------------------------------------------------------------
    def draft(self, brief: Brief) -> Draft:
        start = time.perf_counter()
        exemplar_text, sources = self.exemplars(brief)
        base = self.messages(brief, exemplar_text)
        return self._loop(brief, base, sources, start)

    def _loop(self, brief: Brief, base: list, sources: list[Source], start: float) -> Draft:
        trace = Trace(drafter=self.name, attempts=0)
        best: Draft | None = None
        raws: list[str] = []
        messages = list(base)
        for attempt in range(self.settings.max_repairs + 1):
            trace.attempts = attempt + 1
            reply, raw = self._structured(messages, trace)
            raws.append(raw)
            if reply is None or not reply.indicators:
                trace.events.append(f"attempt {attempt + 1}: no usable table")
                messages = list(base) + [("ai", raw[:4000] or "（空）"),
                                         ("human", "上面的回复不是完整有效的 json（可能被截断或格式错误）。请重新输出完整的 json 对象，"
                                                   "只包含 goal 和 indicators 两个字段，指标不超过15个，每个字段尽量简洁。")]
                continue
            candidate = Draft.build(self._sheet(brief, reply), sources, trace)
            errors = [f for f in candidate.findings if f.severity == "error"]
            trace.events.append(f"attempt {attempt + 1}: score {candidate.score:.0f}, {len(errors)} errors")
            if best is None or candidate.score > best.score:
                best = candidate
            if not errors:
                break
            messages = list(base) + [("ai", reply.model_dump_json()),
                                     ("human", prompts.render("repair", findings=_findings_text(candidate.findings)))]
        if best is None:
            raise OutputError(f"模型连续{len(raws)}次没有返回可用的绩效目标表（格式错误或输出被截断）", raws)
        trace.latency_ms = (time.perf_counter() - start) * 1000
        return best.model_copy(update={"trace": trace})

    def _sheet(self, brief: Brief, reply: SheetReply) -> ProjectSheet:
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
        base = self.messages(brief, "以下为同类项目的示范指标，供参考：\n" + exemplar_text, template="rewrite",
                             legacy=legacy_text, goal="；".join(legacy.goals) or "（无）")
        return self._loop(brief, base, sources, start)

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
        draft = self._loop(brief, base, [], time.perf_counter())
        return draft.model_copy(update={"sheet": draft.sheet.model_copy(update={
            "title": sheet.title, "spending_plan": sheet.spending_plan, "budget": sheet.budget})})

    def stream(self, brief: Brief) -> Iterator[str | Draft]:
        """Yield the model's text as it arrives, then the validated (and, if needed, repaired) Draft."""
        start = time.perf_counter()
        exemplar_text, sources = self.exemplars(brief)
        base = self.messages(brief, exemplar_text)
        trace = Trace(drafter=self.name, model_calls=1, method="stream")
        text = ""
        for chunk in self.llm.stream(base):
            piece = chunk.content if isinstance(chunk.content, str) else ""
            text += piece
            if piece:
                yield piece
        reply = self._parse(text)
        if reply is not None and reply.indicators:
            first = Draft.build(self._sheet(brief, reply), sources, trace)
            if not [f for f in first.findings if f.severity == "error"]:
                yield first.model_copy(update={"trace": trace.model_copy(update={
                    "latency_ms": (time.perf_counter() - start) * 1000})})
                return
        yield self._loop(brief, base, sources, start)


def chat_json(settings: Settings, message: str) -> dict[str, Any]:
    """One plain chat call whose reply is a JSON object (used by the evaluation judge)."""
    from langchain_openai import ChatOpenAI

    settings.require_llm()
    llm = ChatOpenAI(model=settings.model, base_url=settings.base_url or None, api_key=settings.api_key or "not-needed",
                     timeout=settings.timeout, max_retries=settings.max_retries, temperature=0.7)
    reply = llm.invoke([("human", message)])
    try:
        return extract_json(reply.content if isinstance(reply.content, str) else "")
    except ValueError:
        return {}


def _short(exc: Exception | None) -> str:
    text = str(exc or "")
    return text[:200] + ("…" if len(text) > 200 else "")


def _findings_text(findings: list[Finding]) -> str:
    lines = []
    for n, f in enumerate([f for f in findings if f.severity in ("error", "warning")], 1):
        where = f"“{f.indicator}”" if f.indicator else "整表"
        lines.append(f"{n}. [{f.rule}] {where}：{f.message} 修改建议：{f.hint}")
    return "\n".join(lines) or "（无）"


@register("llm")
def _factory(settings: Settings) -> LLMDrafter:
    return LLMDrafter(settings)
