"""One OpenAI-compatible endpoint: requests with counted retries inside a deadline, typed errors, the capability
cache. The only module that imports openai and langchain-openai.

Every request goes through the SDK's plain `create` (the structured-output parameters ride in `extra_body`), so
the raw reply can always be read by our own parser, and the SDK's hidden retries are off: retries happen here,
where they are counted, bounded by the draft's deadline and described honestly.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from assistant.draft import Trace
from assistant.errors import DeadlineError, EndpointError, ProtocolError, redact
from assistant.settings import Settings

METHODS = ("json_schema", "function_calling", "json_mode", "text")
CACHE_TTL = 7 * 24 * 3600      # a remembered method is probed again after a week
MAX_WAIT = 60.0                # the longest Retry-After worth waiting for inside one draft
_CACHE_LOCK = threading.Lock()
_GUARD = threading.Lock()
_KNOWN: dict[str, str] = {}                 # (endpoint, model) -> method, for this process
_PROBES: dict[str, threading.Lock] = {}     # one capability probe per endpoint at a time


class Deadline:
    """The time left for one draft."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def check(self) -> float:
        """The seconds left; DeadlineError when none are."""
        left = self.remaining()
        if left <= 0.05:
            raise DeadlineError(f"起草超过总时限 {self.seconds:g} 秒（ZHIBIAO_DEADLINE），已停止调用模型")
        return left


class Rejected(EndpointError):
    """A 400/422 answer: the endpoint refused the request as sent (perhaps only this structured-output method)."""

    def __init__(self, message: str, status: int, detail: str) -> None:
        super().__init__(message)
        self.status, self.detail = status, detail


@dataclass
class Reply:
    """What one request returned: the text (or tool arguments) and why the model stopped."""

    text: str
    finish: str = ""


def request_options(method: str, schema: dict[str, Any], name: str) -> dict[str, Any]:
    """The body fields that ask for structured output by one method."""
    if method == "json_schema":
        return {"response_format": {"type": "json_schema",
                                    "json_schema": {"name": name, "schema": schema, "strict": True}}}
    if method == "function_calling":
        return {"tools": [{"type": "function", "function": {"name": name, "description": schema.get("description", ""),
                                                            "parameters": schema}}],
                "tool_choice": {"type": "function", "function": {"name": name}}}
    if method == "json_mode":
        return {"response_format": {"type": "json_object"}}
    return {}


class Endpoint:
    """An OpenAI-compatible chat endpoint, shared safely by worker threads."""

    def __init__(self, settings: Settings, temperature: float | None = None) -> None:
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.key = f"{settings.base_url or 'openai'}|{settings.model}"
        self.llm = ChatOpenAI(
            model=settings.model, base_url=settings.base_url or None,
            api_key=settings.api_key or "not-needed",  # keyless local servers still need a value here
            timeout=settings.timeout, max_retries=0, max_tokens=settings.max_tokens,
            temperature=settings.temperature if temperature is None else temperature)

    def short(self, exc: object) -> str:
        """An error's text, shortened, with the configured key and anything key-shaped masked."""
        text = redact(str(exc or ""), self.settings.api_key)
        return text[:200] + ("…" if len(text) > 200 else "")

    # -- one request, retried -----------------------------------------------------------------------
    def request(self, messages: list, method: str, schema: dict[str, Any], trace: Trace, deadline: Deadline) -> Reply:
        """One structured request; 429/5xx/timeouts/refused connections are retried within the deadline."""
        import openai

        retries = 0
        while True:
            timeout = min(self.settings.timeout, deadline.check())
            trace.model_calls += 1
            try:
                msg = self.llm.invoke(messages, extra_body=request_options(method, schema, "SheetReply"),
                                      timeout=timeout)
            except (openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError) as exc:
                wait = self._wait(exc, retries)
                if wait is None or wait >= deadline.remaining() - 0.5:
                    error = self._translate(exc, retries, timeout)
                    if wait is not None:
                        error = DeadlineError(f"{error}；起草的总时限 {deadline.seconds:g} 秒（ZHIBIAO_DEADLINE）已不够再试一次")
                    raise error from exc
                trace.events.append(f"{method}: {type(exc).__name__}, retry {retries + 1} in {wait:.1f}s")
                time.sleep(wait)
                retries += 1
                continue
            except openai.APIError as exc:
                raise self._translate(exc, retries, timeout) from exc
            except Exception as exc:  # the SDK or langchain could not read the body as a chat completion
                raise ProtocolError("模型接口返回的不是有效的对话补全（可能是登录页、代理错误页、错误对象或空的 choices）："
                                    f"{type(exc).__name__}: {self.short(exc)}") from exc
            return self._reply(msg, trace)

    def _wait(self, exc: Exception, retries: int) -> float | None:
        """Seconds to wait before the next retry, or None when no retry should be made (retries used up, or the
        server asks for a longer wait than MAX_WAIT)."""
        if retries >= self.settings.max_retries:
            return None
        after = _retry_after(exc)
        wait = after if after is not None else min(8.0, 0.5 * 2 ** retries) * (1 + random.random() / 4)
        return None if wait > MAX_WAIT else wait

    def _translate(self, exc: Exception, retries: int, timeout: float) -> EndpointError:
        """The typed Chinese error for what the endpoint did, saying how many retries were really made."""
        import openai

        tried = f"已重试{retries}次" if retries else "未重试"
        after = _retry_after(exc)
        if isinstance(exc, openai.RateLimitError):
            if after is not None and after > MAX_WAIT and retries < self.settings.max_retries:
                return EndpointError(f"模型接口请求过多（429），服务器要求 {after:g} 秒后再试，超过可等待的时间，{tried}；请稍后再试")
            return EndpointError(f"模型接口请求过多（429），{tried}仍失败，请稍后再试")
        if isinstance(exc, openai.APITimeoutError):
            return EndpointError(f"模型接口超时（每次 {timeout:.0f} 秒），{tried}")
        if isinstance(exc, openai.APIConnectionError):
            return EndpointError(f"无法连接模型接口 {self.settings.base_url or 'OpenAI'}，{tried}：{self.short(exc)}")
        if isinstance(exc, openai.AuthenticationError):
            return EndpointError("模型接口认证失败（401）：请检查 API Key")
        if isinstance(exc, openai.PermissionDeniedError):
            return EndpointError(f"模型接口拒绝访问（403）：{self.short(exc)}")
        if isinstance(exc, (openai.BadRequestError, openai.UnprocessableEntityError)):
            status = exc.status_code
            return Rejected(f"模型接口拒绝请求（{status}）：{self.short(exc)}", status, str(exc))
        if isinstance(exc, openai.APIStatusError):
            return EndpointError(f"模型接口错误（{exc.status_code}），{tried}：{self.short(exc)}")
        return ProtocolError(f"模型接口返回了无法识别的响应：{self.short(exc)}")

    @staticmethod
    def _reply(msg, trace: Trace) -> Reply:
        """The answer text of a message: its content, else its tool-call arguments (reasoning_content is ignored)."""
        usage = getattr(msg, "usage_metadata", None) or {}
        trace.prompt_tokens += int(usage.get("input_tokens", 0) or 0)
        trace.completion_tokens += int(usage.get("output_tokens", 0) or 0)
        finish = str((getattr(msg, "response_metadata", None) or {}).get("finish_reason") or "")
        text = msg.content if isinstance(msg.content, str) else ""
        calls = getattr(msg, "tool_calls", None) or getattr(msg, "invalid_tool_calls", None)
        if calls:
            args = calls[0].get("args")
            text = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
        return Reply(text=text, finish=finish)

    def stream(self, messages: list, trace: Trace, deadline: Deadline) -> Iterator[str]:
        """The reply's text as it arrives (one request, no retries), with errors translated."""
        import openai

        timeout = min(self.settings.timeout, deadline.check())
        trace.model_calls += 1
        try:
            for chunk in self.llm.stream(messages, timeout=timeout):
                piece = chunk.content if isinstance(chunk.content, str) else ""
                if piece:
                    yield piece
        except openai.APIError as exc:
            raise self._translate(exc, 0, timeout) from exc

    # -- the capability cache -----------------------------------------------------------------------
    def _cache_path(self) -> Path:
        return self.settings.data_path / "capabilities.json"

    def _read_cache(self) -> dict[str, Any]:
        try:
            data = json.loads(self._cache_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def known_method(self) -> str | None:
        """The method this endpoint has produced a usable reply with (this process, else the fresh file cache)."""
        with _GUARD:
            if self.key in _KNOWN:
                return _KNOWN[self.key]
        entry = self._read_cache().get(self.key)
        if isinstance(entry, dict) and entry.get("method") in METHODS \
                and time.time() - float(entry.get("at", 0)) < CACHE_TTL:
            with _GUARD:
                _KNOWN[self.key] = entry["method"]
            return entry["method"]
        return None

    def remember(self, method: str | None) -> None:
        """Record (or, with None, drop) the method for this endpoint, in memory and on disk."""
        with _GUARD:
            if method:
                _KNOWN[self.key] = method
            else:
                _KNOWN.pop(self.key, None)
        with _CACHE_LOCK:
            data = self._read_cache()
            if method:
                data[self.key] = {"method": method, "at": time.time()}
            elif data.pop(self.key, None) is None:
                return
            path = self._cache_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
            tmp.replace(path)

    def probe_lock(self) -> threading.Lock:
        """The lock that lets one worker probe this endpoint while the others wait for its answer."""
        with _GUARD:
            return _PROBES.setdefault(self.key, threading.Lock())


def reset_capabilities(settings: Settings) -> None:
    """Forget every remembered method (in this process and on disk), so the next draft probes again."""
    with _GUARD:
        _KNOWN.clear()
    with _CACHE_LOCK:
        (settings.data_path / "capabilities.json").unlink(missing_ok=True)


def _retry_after(exc: Exception) -> float | None:
    """The Retry-After header of an error response, in seconds, when it is a number."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    value = headers.get("retry-after") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def chat_json(settings: Settings, message: str) -> dict[str, Any]:
    """One plain chat call whose reply is a JSON object (used by the evaluation judge)."""
    from assistant.drafters.replies import extract_json

    settings.require_llm()
    endpoint = Endpoint(settings, temperature=0.7)
    trace = Trace(drafter="judge")
    reply = endpoint.request([("human", message)], "text", {}, trace, Deadline(settings.deadline))
    try:
        return extract_json(reply.text, key="")
    except ValueError:
        return {}
