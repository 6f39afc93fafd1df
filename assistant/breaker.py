"""Sharing one drafter among batch workers: the store made once before the pool, and a circuit breaker that stops
calling a model endpoint after N failures in a row (the projects it skips keep their tables and are reported)."""

from __future__ import annotations

import threading
from typing import Any, Callable

from assistant.errors import ConfigError, EndpointError, LLMError, ZhibiaoError


class Breaker:
    """Counts consecutive model failures; once `threshold` is reached it stays open for the rest of the batch."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.failures = 0
        self.last = ""
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        with self._lock:
            return 0 < self.threshold <= self.failures

    def record(self, exc: BaseException | None) -> None:
        """A model call finished: None on success, else the exception it raised (only model failures count)."""
        with self._lock:
            if exc is None:
                self.failures = 0
            elif isinstance(exc, LLMError):
                self.failures += 1
                self.last = str(exc)

    def error(self) -> EndpointError:
        """The error a skipped project is reported with."""
        return EndpointError(f"模型接口已连续{self.failures}次失败，本次不再调用（最后一次：{self.last}）")

    def guard(self, call: Callable[..., Any]) -> Callable[..., Any]:
        """The call, refused while the breaker is open and recorded when it ends."""

        def guarded(*args: Any, **kwargs: Any) -> Any:
            if self.open:
                raise self.error()
            try:
                result = call(*args, **kwargs)
            except BaseException as exc:
                self.record(exc)
                raise
            self.record(None)
            return result

        return guarded


class Guarded:
    """A drafter whose draft()/rewrite() go through a breaker; everything else is the drafter's own."""

    def __init__(self, inner: Any, breaker: Breaker) -> None:
        self._inner, self._breaker = inner, breaker
        self.name = inner.name

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._inner, attr)
        if attr in ("draft", "rewrite") and callable(value):
            return self._breaker.guard(value)
        return value


def prepared(drafter: Any) -> Guarded:
    """The drafter ready for a worker pool: its store created once here, its model calls behind a breaker."""
    try:
        getattr(drafter, "store", None)  # one store per process, made before the threads race for it
    except ZhibiaoError:
        raise
    except Exception as exc:  # chromadb's own errors, e.g. another process rebuilding the same index
        raise ConfigError(f"无法打开指标库：{type(exc).__name__}: {str(exc)[:200]}（若另一个 zhibiao 进程正在重建同一 "
                          "ZHIBIAO_HOME 下的指标库，请待其完成后重试）") from exc
    settings = getattr(drafter, "settings", None)
    if settings is None:
        from assistant.settings import load_settings

        settings = load_settings()
    return Guarded(drafter, Breaker(settings.breaker))
