"""Errors the caller must fix (bad files, bad settings, unreachable endpoints), under one root.

What a model can fix is not an exception: it is a Finding that goes back into the repair loop.
"""

from __future__ import annotations


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
