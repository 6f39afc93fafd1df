"""What the page shows, without a browser: a chat request read as a brief, warnings, paths, type names, the 评估
summary and chart font (ui/present.py)."""

import re
import shutil
import subprocess

import pytest

from ui.present import (METRIC_ZH, chart_font, eval_charts, eval_summary_zh, parse_chat_brief, public_message, type_name,
                        year_conflict)

REQUEST_WORDS = re.compile(r"帮我|请|起草|编制|预算|绩效目标表|[，,。]")


@pytest.mark.parametrize("message, budget, year", [
    ("帮我起草2025年开平区农村公路养护项目，预算50万元", "50万元", 2025),
    ("请帮我编制一个关于校舍维修改造的绩效目标表，预算资金为120万元，维修教学楼3栋", "120万元", None),
    ("城区公厕提质改造，对城区公厕进行提质改造，更新洁具", None, None),
])
def test_a_chat_request_gives_a_project_name_not_the_sentence(message, budget, year):
    brief = parse_chat_brief(message)
    assert brief.name and brief.name in message and not REQUEST_WORDS.search(brief.name)
    assert brief.budget == budget and brief.year == year
    assert brief.name not in brief.purpose or brief.purpose == ""


def test_the_rest_of_the_request_is_the_purpose():
    brief = parse_chat_brief("请帮我编制一个关于校舍维修改造的绩效目标表，预算资金为120万元，维修教学楼3栋")
    assert "教学楼3栋" in brief.purpose and "预算" not in brief.purpose


def test_a_year_in_the_name_other_than_the_budget_year_is_named():
    warning = year_conflict("2025年开平区农村公路养护项目", 2026)
    assert "2025年" in warning and "2026年" in warning
    assert year_conflict("2026年开平区农村公路养护项目", 2026) == ""
    assert year_conflict("开平区农村公路养护项目", 2026) == ""
    assert year_conflict("2024—2026年高标准农田建设项目", 2025) == ""
    assert "2027年" in year_conflict("2024—2026年高标准农田建设项目", 2027)


def test_server_paths_become_file_names():
    text = public_message("无法读取文件 /tmp/gradio/3f2a9c/部门预算.docx：Word 文档已损坏（应为：.docx 格式的 Word 文件）")
    assert "部门预算.docx" in text and "/tmp" not in text and "gradio" not in text
    assert "C:\\" not in public_message(r"无法读取文件 C:\Users\x\AppData\Local\Temp\a.xlsx：已损坏")


def test_types_are_named_in_chinese():
    from retrieval.library import load_library

    for s in load_library()[:40]:
        shown = type_name(s.id)
        assert s.name in shown and s.id not in shown
    assert "archetype" not in type_name("archetype:operation", "组合起草：运行维护")


def _eval_run(tmp_path):
    from eval.harness import EvalRun
    from eval.scorers import SCORERS

    rows = [{"id": f"d{n:03d}", "kind": kind, "sector": sector, "name": f"2025年某项目{n}", "error": "",
             "scores": {m: 0.5 + n / 10 for m in SCORERS}}
            for n, (kind, sector) in enumerate([("draft", "教育"), ("rewrite", "卫生健康"), ("draft", "农林水")])]
    return EvalRun(tmp_path, "exemplar", rows)


def test_eval_summary_names_every_metric_in_chinese(tmp_path):
    from eval.scorers import SCORERS

    summary = eval_summary_zh(_eval_run(tmp_path).summary_markdown())
    assert not [m for m in SCORERS if re.search(rf"\|\s*{m}\s*\|", summary)]
    assert all(METRIC_ZH[m] in summary for m in SCORERS)
    assert "exemplar" not in summary and not re.search(r"(?m)^- d\d{3} ", summary)


def _cjk_font_installed() -> bool:
    fc = shutil.which("fc-list")
    return bool(fc) and bool(subprocess.run([fc, ":lang=zh"], capture_output=True, text=True).stdout.strip())


@pytest.mark.skipif(not _cjk_font_installed(), reason="no CJK font installed (fonts-noto-cjk)")
def test_charts_use_a_font_that_has_chinese_glyphs(tmp_path):
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    font = chart_font()
    assert font
    face = FT2Font(font_manager.findfont(font_manager.FontProperties(family=font), fallback_to_default=False))
    assert all(face.get_char_index(ord(ch)) for ch in "规则得分分领域")
    paths = eval_charts(_eval_run(tmp_path), tmp_path)
    assert len(paths) == 2 and all(p.stat().st_size > 5000 for p in paths)
