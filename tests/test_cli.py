"""The zhibiao command as a user runs it: a real subprocess."""

import json
import subprocess
import sys

import pytest


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_check_json_report_form(seed_path):
    result = run("check", str(seed_path), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) >= {"score", "projects"}
    assert len(report["projects"]) == 9
    first = report["projects"][0]
    assert set(first) >= {"code", "name", "score", "findings", "sheet"}
    assert set(first["findings"][0]) >= {"rule", "severity", "indicator", "message"}
    assert first["findings"][0]["severity"] in ("error", "warning", "info")
    sheet = first["sheet"]
    assert set(sheet) >= {"code", "name", "department", "year", "layout", "budget", "fund_use", "spending_plan",
                          "goals", "indicators"}
    assert sheet["budget"]["total"] == "295900.00"
    assert set(sheet["indicators"][0]) >= {"level1", "level2", "name", "description", "value", "basis"}


def test_check_table_and_report_file(seed_path, tmp_path):
    out = tmp_path / "report.md"
    result = run("check", str(seed_path), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "本级公建热力费" in result.stdout and "文档总分" in result.stdout
    assert "# 绩效目标表检查报告" in out.read_text(encoding="utf-8")


def test_fail_under_gates(seed_path):
    assert run("check", str(seed_path), "--format", "json", "--fail-under", "60").returncode == 3
    assert run("check", str(seed_path), "--format", "json", "--fail-under", "0").returncode == 0


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04broken"])
def test_bad_file_one_line_error(tmp_path, content):
    path = tmp_path / "x.docx"
    path.write_bytes(content)
    result = run("check", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith("错误：") and str(path) in result.stderr
    assert "Traceback" not in result.stderr


def test_help_explains_commands():
    result = run("--help")
    assert result.returncode == 0 and "check" in result.stdout and "离线" in result.stdout


def test_check_does_not_import_heavy_packages(seed_path):
    code = ("import sys; from assistant.cli import main; main(['check', %r, '--format', 'json']);"
            "heavy = [m for m in ('gradio', 'chromadb', 'langchain_core', 'openai', 'docx', 'openpyxl') if m in sys.modules];"
            "print('HEAVY', heavy)") % str(seed_path)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "HEAVY []" in result.stdout


def test_draft_json_offline(tmp_path, built_home):
    result = run("draft", "--name", "农村公路养护", "--purpose", "养护县乡村道186公里", "--budget", "560万元",
                 "--year", "2025", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"sheet", "score", "findings", "sources", "trace"}
    assert data["score"] >= 80 and data["trace"]["drafter"] == "exemplar"
    assert data["sub_scores"]["readiness"] in ("可提交", "待补充") and data["sub_scores"]["grade"] in ("优", "良")
    assert any("186公里" in i["value"] for i in data["sheet"]["indicators"] if i["level2"] == "数量指标")


def test_draft_docx_output(tmp_path, built_home):
    out = tmp_path / "draft.docx"
    result = run("draft", "--name", "公务用车购置", "--purpose", "购置2辆应急保障用车", "-o", str(out), "--format", "docx")
    assert result.returncode == 0, result.stderr
    from assistant.documents import read_document

    doc, _ = read_document(out)
    assert doc.projects[0].name == "公务用车购置" and len(doc.projects[0].indicators) >= 9


def test_draft_empty_name_is_refused():
    result = run("draft", "--name", "  ")
    assert result.returncode == 2 and "项目名称不能为空" in result.stderr
