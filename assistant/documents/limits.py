"""Hard limits every reader checks before the work, and the cleaning of text that no output format can hold."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from assistant.errors import InputFileError

MAX_FILE_BYTES = 50 * 1024 * 1024  # a .docx/.xlsx with pictures
MAX_TEXT_BYTES = 8 * 1024 * 1024  # a .txt/.json: a department's whole budget text is a few MB
MAX_PROJECTS = 1000  # a department's document holds tens to a few hundred
MAX_ZIP_MEMBERS = 2000
MAX_PART_BYTES = 48 * 1024 * 1024  # one decompressed XML part (document.xml, a sheet, sharedStrings)
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_CELLS = 200_000  # table cells of a whole document
MAX_COLUMNS = 64  # Word allows 63 columns; a target table has 6 to 10
MAX_ROWS = 100_000
MAX_JSON_DEPTH = 40

# C0 controls except tab/newline/return, DEL, C1 controls, lone surrogates and the two non-characters
_UNSAVABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def check_zip(path: Path, kind: str, expected: str) -> None:
    """Refuse a zip package whose declared contents exceed the limits, before anything is decompressed."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputFileError(path, f"不是有效的{kind}（文件已损坏或不是 zip 格式）", expected) from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise InputFileError(path, f"{kind}内部文件过多（{len(members)} 个，上限 {MAX_ZIP_MEMBERS}）", expected)
    total = 0
    for info in members:
        total += info.file_size
        if info.filename.endswith((".xml", ".rels")) and info.file_size > MAX_PART_BYTES:
            raise InputFileError(path, f"{kind}内容解压后过大（{info.filename} 为 {info.file_size / 1048576:.0f} MB，"
                                       f"上限 {MAX_PART_BYTES // 1048576} MB），疑似压缩炸弹", expected)
    if total > MAX_UNPACKED_BYTES:
        raise InputFileError(path, f"{kind}解压后过大（{total / 1048576:.0f} MB，上限 {MAX_UNPACKED_BYTES // 1048576} MB），"
                                   "疑似压缩炸弹", expected)


class TextCleaner:
    """Removes characters no format can store (NUL, control characters) and remembers what it removed."""

    def __init__(self) -> None:
        self.removed: dict[str, int] = {}

    def __call__(self, text: str) -> str:
        if not text or not _UNSAVABLE.search(text):
            return text
        for ch in _UNSAVABLE.findall(text):
            code = f"U+{ord(ch):04X}"
            self.removed[code] = self.removed.get(code, 0) + 1
        return _UNSAVABLE.sub("", text)

    def clean_data(self, data: Any, depth: int = 0) -> Any:
        """The same for every string inside parsed JSON; refuses nesting no target table has."""
        if depth > MAX_JSON_DEPTH:
            raise RecursionError("nesting")
        if isinstance(data, str):
            return self(data)
        if isinstance(data, list):
            return [self.clean_data(x, depth + 1) for x in data]
        if isinstance(data, dict):
            return {self(str(k)): self.clean_data(v, depth + 1) for k, v in data.items()}
        return data

    def problem(self) -> str | None:
        """The change as one reading problem for the report, or None when nothing was removed."""
        if not self.removed:
            return None
        count = sum(self.removed.values())
        codes = "、".join(list(self.removed)[:5]) + ("等" if len(self.removed) > 5 else "")
        return f"已删除 {count} 个无法保存的控制字符（{codes}），其余文字不变"


def printable(text: str) -> str:
    """Text as a writer can store it: the same cleaning, for documents that did not come from a reader."""
    return _UNSAVABLE.sub("", text) if text else text


def display_path(path: Path) -> str:
    """A path as printable text: bytes of a non-UTF-8 file name become U+FFFD instead of breaking JSON or a terminal."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
