"""Errors the caller must fix (bad files, bad settings, unreachable endpoints), under one root.

What a model can fix is not an exception: it is a Finding that goes back into the repair loop.
"""

from __future__ import annotations

import re


class ZhibiaoError(Exception):
    """Root of every error this package raises on purpose; the message is for the user, in Chinese."""


class InputFileError(ZhibiaoError):
    """A file cannot be read as what it claims to be."""

    def __init__(self, path: str, problem: str, expected: str = "") -> None:
        self.path, self.problem, self.expected = str(path), problem, expected
        text = f"无法读取文件 {self.path}：{problem}"
        if expected:
            text += f"（应为：{expected}）"
        super().__init__(text)


class InputError(ZhibiaoError):
    """User input (a brief, an edit, a JSON object) is invalid."""


class ConfigError(ZhibiaoError):
    """Settings are missing or inconsistent."""


class LLMError(ZhibiaoError):
    """The model endpoint could not produce a draft."""


class EndpointError(LLMError):
    """HTTP-level failure after retries: rate limit, server error, timeout, refused connection, bad key."""


class ProtocolError(EndpointError):
    """The endpoint answered with something that is not an OpenAI chat completion (a login page, an error object)."""


class DeadlineError(EndpointError):
    """The overall time budget of one draft ran out before the model produced a usable table."""


class OutputError(LLMError):
    """Every attempt returned something that is not a usable table (malformed, truncated, empty)."""

    def __init__(self, message: str, attempts: list[str]) -> None:
        super().__init__(message)
        self.attempts = attempts


_SECRET_PATTERNS = re.compile(
    r"(?i)(bearer\s+)[^\s\"',;]+|\b(sk-[A-Za-z0-9_\-]{6,})|((?:api[_-]?key|token|authorization)[\"']?\s*[:=]\s*[\"']?(?:bearer\s+)?)"
    r"[^\s\"',;]+")


def redact(text: str, *secrets: str) -> str:
    """The text with configured secrets and anything shaped like a key or bearer token masked."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _SECRET_PATTERNS.sub(lambda m: (m.group(1) or m.group(3) or "") + "***", text)
