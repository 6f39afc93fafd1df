"""Terminal output fits the terminal: every line within its width (Chinese takes two columns), a table from 120
columns, a vertical layout below, findings with their rule titles, argparse in Chinese, and `| head` is no error."""

import io
import os
import subprocess
import sys

import pytest

from assistant.documents import read_document
from assistant.report import check_document
from assistant.terminal import Out, cell_width, print_draft, print_report, wrap


@pytest.fixture(scope="module")
def seed_report(seed_path):
    doc, problems = read_document(seed_path)
    return check_document(doc, problems)


def _render(report, width, verbose=False):
    buf = io.StringIO()
    print_report(report, verbose=verbose, out=Out(buf, width=width, color=False))
    return buf.getvalue().splitlines()


@pytest.mark.parametrize("width", [60, 80, 100, 119, 120, 160])
def test_check_lines_fit_the_width(seed_report, width):
    lines = _render(seed_report, width, verbose=True)
    assert max(cell_width(line) for line in lines) <= width
    text = "\n".join(lines)
    for p in seed_report.projects:  # every project and every non-info finding is still printed, cut or not
        assert p.name[:8] in text
    shown = sum(line.lstrip().startswith(("V", "N", "B", "D", "S", "C", "X")) and " 错误 " in line for line in lines)
    assert shown == sum(f.severity == "error" for p in seed_report.projects for f in p.findings)


def test_wide_terminal_gets_a_table_and_narrow_a_vertical_layout(seed_report):
    wide, narrow = _render(seed_report, 140), _render(seed_report, 80)
    assert any("项目编码" in line and "可行性" in line for line in wide)  # a header row
    assert not any("项目编码" in line for line in narrow)
    assert any(line.strip().startswith("完整性") for line in narrow)


def test_findings_carry_rule_titles(seed_report):
    text = "\n".join(_render(seed_report, 200))
    assert "V07 错误" in text and "“≥100%”式指标值" in text


def test_wrap_keeps_numbers_and_closing_marks_whole():
    lines = wrap("检测合格的新装消防设施系统数÷新装系统总数×100%，以检测报告为准", 30)
    assert all(cell_width(line) <= 30 for line in lines)
    assert "100%" in "".join(lines) and any("100%" in line for line in lines)
    assert not any(line.startswith(("，", "。", "%")) for line in lines)
    assert "".join(lines) == "检测合格的新装消防设施系统数÷新装系统总数×100%，以检测报告为准"


def test_draft_lines_fit_80_columns(exemplar_drafter):
    from assistant.brief import Brief

    result = exemplar_drafter.draft(Brief(name="乡镇敬老院消防安全改造", purpose="为5所敬老院配备灭火器480具"))
    buf = io.StringIO()
    print_draft(result, out=Out(buf, width=80, color=False))
    lines = buf.getvalue().splitlines()
    assert max(cell_width(line) for line in lines) <= 80
    assert all(ind.name in buf.getvalue() for ind in result.sheet.indicators)


def test_colour_only_on_request(seed_report):
    buf = io.StringIO()
    print_report(seed_report, out=Out(buf, width=100, color=True))
    assert "\x1b[" in buf.getvalue()
    assert "\x1b[" not in "\n".join(_render(seed_report, 100))


def _cli(*args, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_argparse_speaks_chinese():
    result = _cli("check", "--help")
    assert result.returncode == 0
    assert "用法：" in result.stdout and "显示本帮助并退出" in result.stdout
    assert "usage:" not in result.stdout and "show this help" not in result.stdout
    missing = _cli("draft")
    assert missing.returncode == 2 and "缺少必填参数" in missing.stderr and "required" not in missing.stderr


def test_pipe_width_follows_columns(seed_path):
    result = _cli("check", str(seed_path), env_extra={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert max(cell_width(line) for line in result.stdout.splitlines()) <= 80


def test_reader_leaving_early_is_not_an_error(seed_path):
    cmd = f"{sys.executable} -m assistant.cli check {seed_path} -v | head -3"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "错误：" not in result.stderr and "Traceback" not in result.stderr
