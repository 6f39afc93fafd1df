"""Terminal rendering of check reports and drafts: plain text sized to the terminal.

No rich here: a check of a nine-project document printed ~1,400 findings through rich tables in 0.6 s, more than the
check itself. Lines are wrapped by display width (a Chinese character takes two columns), a table layout is used
from 120 columns up and a vertical one below, and colour is added only when stdout is a terminal.
"""

from __future__ import annotations

import os
import shutil
import sys
import unicodedata
from typing import TextIO

from assistant.report import SEVERITY_ZH, CheckReport, rule_title

WIDE_LAYOUT = 120  # columns from which the summary is a table
_ANSI = {"red": "31", "yellow": "33", "green": "32", "dim": "2", "bold": "1"}
_SEVERITY_COLOR = {"error": "red", "warning": "yellow", "info": "dim"}


class Out:
    """Where lines go: the stream, its width and whether to colour."""

    def __init__(self, stream: TextIO | None = None, width: int | None = None, color: bool | None = None):
        self.stream = stream or sys.stdout
        tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        if width is None:
            width = shutil.get_terminal_size((100, 24)).columns if tty else int(os.environ.get("COLUMNS") or 100)
        self.width = max(40, width)
        self.color = tty and not os.environ.get("NO_COLOR") if color is None else color

    def paint(self, text: str, style: str) -> str:
        return f"\x1b[{_ANSI[style]}m{text}\x1b[0m" if self.color and style in _ANSI else text

    def line(self, text: str = "") -> None:
        self.stream.write(text + "\n")

    def fit(self, plain: str, painted: str | None = None, indent: int = 0) -> None:
        """A line that is painted when it fits, wrapped (unpainted) when it does not."""
        if cell_width(plain) <= self.width:
            self.line(painted if painted is not None and self.color else plain)
        else:
            lines = wrap(plain, self.width)
            self.line(lines[0])
            rest = "".join(lines[1:])
            for part in (wrap(rest, self.width - indent) if rest else []):
                self.line(" " * indent + part)


def cell_width(text: str) -> int:
    """Display columns of a text: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in text)


_NO_LINE_START = set("。，、；：？！）」』”’》〉】…%")


def _carry(current: list[str], ch: str) -> list[str]:
    """What moves down with `ch` at a line break: a number or Latin word is not split, a closing mark not orphaned."""
    if ch.isascii() and (ch.isalnum() or ch in ".%-/"):
        start = len(current)
        while start > 0 and current[start - 1].isascii() and (current[start - 1].isalnum() or current[start - 1] in ".%-/"):
            start -= 1
        if 0 < start and len(current) - start < 16:
            carry = current[start:]
            del current[start:]
            return carry
        return []
    return [current.pop()] if ch in _NO_LINE_START and len(current) > 1 else []


def wrap(text: str, width: int) -> list[str]:
    """A text cut into lines of at most `width` display columns (Chinese has no spaces to break at)."""
    lines, current, used = [], [], 0
    for ch in text.replace("\r", "").replace("\t", " "):
        if ch == "\n":
            lines.append("".join(current))
            current, used = [], 0
            continue
        w = cell_width(ch)
        if used + w > width and current:
            carry = _carry(current, ch)
            lines.append("".join(current))
            current, used = carry, sum(cell_width(c) for c in carry)
        current.append(ch)
        used += w
    lines.append("".join(current))
    return lines


def pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - cell_width(text))
    return gap + text if right else text + gap


def cut(text: str, width: int) -> str:
    """A text shortened to `width` display columns, with … where it was cut."""
    if cell_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _title(code: str) -> str:
    """The rule's title without its code (the code already heads the line)."""
    return rule_title(code).removeprefix(code).strip() or code


def _score_style(score: float) -> str:
    return "green" if score >= 90 else "yellow" if score >= 60 else "red"


def _hang(out: Out, head: str, text: str, indent: int = 4, head_style: str = "", style: str = "") -> None:
    """`head` then `text` wrapped, continuation lines indented under the text; styles are painted after wrapping."""
    first = out.width - cell_width(head)
    painted = out.paint(head, head_style) if head_style else head
    if first < 20:
        out.line(painted)
        painted, first = " " * indent, out.width - indent
    lines = wrap(text, first)
    out.line(painted + (out.paint(lines[0], style) if style else lines[0]))
    rest = "".join(lines[1:])
    for more in (wrap(rest, out.width - indent) if rest else []):
        out.line(" " * indent + (out.paint(more, style) if style else more))


_SUMMARY = ("#", "项目编码", "项目名称", "得分", "等级", "审核状态", "完整性", "相关性", "适当性", "可行性", "错误", "警告")


def _summary_rows(report: CheckReport) -> list[list[str]]:
    rows = []
    for i, p in enumerate(report.projects, 1):
        s = p.sub_scores
        rows.append([str(i), p.code, p.name, f"{p.score:.0f}", s.grade, s.verdict, f"{s.completeness:.0f}",
                     f"{s.relevance:.0f}", f"{s.appropriateness:.0f}", f"{s.feasibility:.0f}", str(s.errors),
                     str(s.warnings)])
    return rows


def _print_summary_table(out: Out, report: CheckReport) -> None:
    rows = _summary_rows(report)
    widths = [max([cell_width(h)] + [cell_width(r[i]) for r in rows]) for i, h in enumerate(_SUMMARY)]
    fixed = sum(w for i, w in enumerate(widths) if i != 2) + 2 * (len(widths) - 1)
    widths[2] = max(8, min(widths[2], out.width - fixed))
    numeric = {0, 3, 6, 7, 8, 9, 10, 11}
    out.line("  ".join(pad(h, widths[i], i in numeric) for i, h in enumerate(_SUMMARY)))
    out.line(out.paint("─" * min(out.width, sum(widths) + 2 * (len(widths) - 1)), "dim"))
    for p, r in zip(report.projects, rows):
        r[2] = cut(r[2], widths[2])
        cells = [pad(c, widths[i], i in numeric) for i, c in enumerate(r)]
        cells[3] = out.paint(cells[3], _score_style(p.score))
        out.line("  ".join(cells))


def _print_summary_vertical(out: Out, report: CheckReport) -> None:
    for i, p in enumerate(report.projects, 1):
        s = p.sub_scores
        code = f"［{p.code}］" if p.code else ""
        _hang(out, f"{i}. ", f"{p.name}{code}", indent=3)
        out.line(f"   得分 {out.paint(f'{p.score:.0f}', _score_style(p.score))}（{s.grade}，{s.verdict}）"
                 f"  错误 {s.errors}  警告 {s.warnings}")
        out.line(f"   完整性 {s.completeness:.0f}  相关性 {s.relevance:.0f}  适当性 {s.appropriateness:.0f}"
                 f"  可行性 {s.feasibility:.0f}")


def print_report(report: CheckReport, verbose: bool = False, out: Out | None = None) -> None:
    """The summary of every project, then each project's findings (hints only with `verbose`)."""
    out = out or Out()
    for problem in report.problems:
        _hang(out, "读取问题：", problem, head_style="yellow")
    _hang(out, "绩效目标表检查：", report.source, indent=2, head_style="bold")
    (_print_summary_table if out.width >= WIDE_LAYOUT else _print_summary_vertical)(out, report)
    tail = (f"（各项目平均，{report.grade}）  可提交 {report.ready} 个，待补充 {report.pending} 个，"
            f"需修改 {report.failing} 个")
    out.fit(f"文档总分：{report.score:.1f}{tail}",
            f"文档总分：{out.paint(f'{report.score:.1f}', _score_style(report.score))}{tail}", 2)
    for p in report.projects:
        rows = [f for f in p.findings if verbose or f.severity != "info"]
        if not rows:
            continue
        out.line()
        _hang(out, "■ ", f"{p.name}（{p.score:.0f}分，{p.sub_scores.grade}，{p.sub_scores.verdict}）", indent=2,
              style="bold")
        for f in rows:
            _hang(out, f"  {f.rule} {SEVERITY_ZH[f.severity]} ", f"{f.indicator or '（整表）'}：{f.message}（{_title(f.rule)}）",
                  indent=6, head_style=_SEVERITY_COLOR[f.severity])
            if verbose and f.hint:
                _hang(out, "      建议：", f.hint, indent=10)


def print_draft(draft, out: Out | None = None) -> None:
    """A drafted sheet with its score, findings and sources: one block per indicator, open facts marked."""
    out = out or Out()
    sheet = draft.sheet
    layout = "2021版" if sheet.layout == "2021" else "2015版"
    tail = f"（{draft.sub_scores.grade}）  {draft.sub_scores.verdict}"
    out.fit(f"{sheet.name}（{sheet.year}年，{layout}指标体系）  得分 {draft.score:.0f}{tail}",
            f"{out.paint(sheet.name, 'bold')}（{sheet.year}年，{layout}指标体系）"
            f"  得分 {out.paint(f'{draft.score:.0f}', _score_style(draft.score))}{tail}", 2)
    for note in draft.notes:
        _hang(out, "注意：", note, head_style="yellow")
    for goal in sheet.goals:
        _hang(out, "年度目标：", goal)
    last = (None, None)
    for i, ind in enumerate(sheet.indicators, 1):
        if (ind.level1, ind.level2) != last:
            out.line()
            out.fit(f"【{ind.level1} / {ind.level2}】", out.paint(f"【{ind.level1} / {ind.level2}】", "bold"), 2)
            last = (ind.level1, ind.level2)
        _hang(out, f"{i:>2}. ", f"{ind.name}　{ind.value}", indent=4, style="yellow" if "{" in ind.value else "")
        if ind.description:
            _hang(out, "    解释：", ind.description, indent=10)
        if ind.basis:
            _hang(out, "    依据：", ind.basis, indent=10)
    if draft.findings:
        out.line()
    for f in draft.findings:
        _hang(out, f"{f.rule} {SEVERITY_ZH[f.severity]} ", f"{f.indicator or '（整表）'}：{f.message}", indent=4,
              head_style=_SEVERITY_COLOR[f.severity])
    if draft.sources:
        out.line()
        _hang(out, "参考示范：", "；".join(s.name for s in draft.sources))
