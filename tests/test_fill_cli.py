"""`zhibiao fill` as a user runs it: draft JSON or a rewritten document, facts as JSON or the filled *.facts.xlsx."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

pytestmark = pytest.mark.timeout(1800)  # builds the session's library index and rewrites the seed once

from assistant.documents import read_document
from assistant.open_facts import TOKEN_RE, open_facts


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True,
                          timeout=600, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def store_env(default_store, tmp_path_factory) -> dict:
    """The session's library index, shared with the subprocess (no second index build)."""
    from conftest import share_library

    return {"ZHIBIAO_DATA_DIR": str(share_library(default_store, tmp_path_factory.mktemp("data")))}


def answer(fact: dict, year: int = 2026) -> str:
    """A value that fits the fact's kind."""
    return {"count": "12", "rate": "95", "amount": "30", "year": str(year), "date": f"{year}年10月31日",
            "value": "≥95%", "text": "按实施方案执行"}[fact["kind"]]


def _placeholders(sheet) -> list[str]:
    texts = list(sheet.goals) + [getattr(i, f) for i in sheet.indicators for f in ("value", "description", "basis")]
    return [t for t in texts if TOKEN_RE.search(t)]


@pytest.fixture(scope="module")
def draft_file(store_env, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("draft") / "d.json"
    result = run("draft", "--name", "城区公厕提质改造", "--purpose", "对城区公厕进行提质改造，更新洁具和除臭设备",
                 "--budget", "240万元", "--drafter", "exemplar", "--format", "json", "-o", str(out), env=store_env)
    assert result.returncode == 0, result.stderr
    return out


def test_draft_json_carries_open_facts_and_fill_closes_them(draft_file, tmp_path):
    data = json.loads(draft_file.read_text("utf-8"))
    facts = data["open_facts"]
    assert facts and all({"key", "label", "unit", "indicator", "question", "suggestion", "value"} <= set(f) for f in facts)
    facts_file = tmp_path / "f.json"
    facts_file.write_text(json.dumps([{**f, "value": answer(f)} for f in facts], ensure_ascii=False), "utf-8")
    done = tmp_path / "done.json"
    result = run("fill", str(draft_file), "--facts", str(facts_file), "-o", str(done))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "待补充 0 项" in result.stdout
    filled = json.loads(done.read_text("utf-8"))
    assert filled["open_facts"] == []
    from assistant.models import ProjectSheet

    sheet = ProjectSheet.model_validate(filled["sheet"])
    assert _placeholders(sheet) == []
    assert not [f for f in filled["findings"] if f["rule"] == "V20"]
    before = ProjectSheet.model_validate(data["sheet"])
    assert [i.name for i in sheet.indicators] == [i.name for i in before.indicators]
    assert (sheet.name, sheet.budget, sheet.fund_use) == (before.name, before.budget, before.fund_use)


def test_bad_answers_are_refused_and_unknown_keys_are_errors(draft_file, tmp_path):
    facts = json.loads(draft_file.read_text("utf-8"))["open_facts"]
    numeric = next(f for f in facts if f["kind"] in ("count", "amount", "rate"))
    out = tmp_path / "bad.json"
    result = run("fill", str(draft_file), "--set", f"{numeric['key']}=很多", "-o", str(out))
    assert result.returncode == 1
    assert numeric["label"] in result.stdout and "数字" in result.stdout
    kept = json.loads(out.read_text("utf-8"))
    assert kept["sheet"]["indicators"] == json.loads(draft_file.read_text("utf-8"))["sheet"]["indicators"]
    missing = tmp_path / "missing.json"
    result = run("fill", str(draft_file), "--set", "没有这一项=3", "-o", str(missing))
    assert result.returncode == 2 and "没有这一项" in result.stderr and not missing.exists()


@pytest.fixture(scope="module")
def rewritten(store_env, seed_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rewrite") / "新"
    result = run("rewrite", str(seed_path), "-o", str(out), "--drafter", "exemplar", "-q", env=store_env)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_rewrite_writes_a_facts_sheet_and_the_report_carries_open_facts(rewritten):
    report = json.loads(rewritten.with_name("新.report.json").read_text("utf-8"))
    book = openpyxl.load_workbook(rewritten.with_name("新.facts.xlsx"))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0][:7]) == ["项目编码", "项目名称", "指标", "问题", "单位", "建议值", "填写值"]
    per_project = sum(len(p["open_facts"]) for p in report["projects"])
    assert per_project == len(rows) - 1 > 0
    doc, _ = read_document(rewritten.with_name("新.docx"))
    assert sum(len(open_facts(s)) for s in doc.projects) == per_project


def test_a_rewritten_document_is_filled_from_its_facts_xlsx(rewritten, tmp_path):
    book = openpyxl.load_workbook(rewritten.with_name("新.facts.xlsx"))
    ws = book.worksheets[0]
    head = [c.value for c in ws[1]]
    report = json.loads(rewritten.with_name("新.report.json").read_text("utf-8"))
    kinds = {(f["project"], f["key"]): f for p in report["projects"] for f in p["open_facts"]}
    for row in ws.iter_rows(min_row=2):
        fact = kinds[(row[head.index("项目编码")].value or "", row[head.index("编号")].value)]
        row[head.index("填写值")].value = answer(fact)
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    final = tmp_path / "final.docx"
    result = run("fill", str(rewritten.with_name("新.docx")), "--facts", str(filled), "-o", str(final))
    assert result.returncode == 0, result.stdout + result.stderr
    before, _ = read_document(rewritten.with_name("新.docx"))
    after, _ = read_document(final)
    assert [_placeholders(s) for s in after.projects] == [[] for _ in after.projects]
    for old, new in zip(before.projects, after.projects):
        assert (old.code, old.name, old.budget, old.spending_plan) == (new.code, new.name, new.budget, new.spending_plan)
        assert [i.name for i in old.indicators] == [i.name for i in new.indicators]
        assert [i.value for i in old.indicators if "{" not in i.value] == \
            [n.value for o, n in zip(old.indicators, new.indicators) if "{" not in o.value]


def test_a_rewritten_text_document_is_filled_from_the_report_json(rewritten, tmp_path):
    report = json.loads(rewritten.with_name("新.report.json").read_text("utf-8"))
    facts = [{**f, "value": answer(f)} for p in report["projects"] for f in p["open_facts"]]
    facts_file = tmp_path / "f.json"
    facts_file.write_text(json.dumps(facts, ensure_ascii=False), "utf-8")
    final = tmp_path / "final.xlsx"
    result = run("fill", str(rewritten.with_name("新.txt")), "--facts", str(facts_file), "-o", str(final))
    assert result.returncode == 0, result.stdout + result.stderr
    after, _ = read_document(final)
    assert all(open_facts(s) == [] for s in after.projects)
