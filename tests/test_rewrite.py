"""Batch rewriting of legacy documents, end to end through real files and the real CLI."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from seed_text import first_projects

from assistant.batch import Checkpoint, rewrite_document
from assistant.documents import read_document, write_document
from assistant.rewrite import goal_is_empty, rewrite_sheet
from openai_server import ScriptedServer


@pytest.fixture(scope="module")
def drafter(exemplar_drafter):
    return exemplar_drafter


@pytest.fixture(scope="module")
def seed_run(drafter, seed_path):
    doc, problems = read_document(seed_path)
    return doc, rewrite_document(doc, drafter, problems=problems)


def test_seed_rewrite_scores_and_errors(seed_run):
    _, run = seed_run
    assert not run.failed
    for p in run.projects:
        assert p.before.score < 60 and p.before.sub_scores.grade == "差"
        # every fact kept, every error gone; what only the department knows is asked for, not invented
        assert p.after.score > p.before.score, p.name
        assert p.after.sub_scores.readiness in ("可提交", "待补充"), p.name
        assert not [f for f in p.after.findings if f.severity == "error"], p.name


def test_metadata_is_untouched(seed_run):
    doc, run = seed_run
    for original, new in zip(doc.projects, run.document.projects):
        for field in ("code", "name", "department", "fund_use", "spending_plan", "title", "year"):
            assert getattr(original, field) == getattr(new, field)
        assert str(original.budget.total) == str(new.budget.total)
        assert original.budget == new.budget
    assert run.document.preface == doc.preface


def test_no_project_text_leaks_into_another(seed_run):
    doc, run = seed_run
    for i, new in enumerate(run.document.projects):
        text = json.dumps([ind.model_dump(mode="json") for ind in new.indicators] + new.goals, ensure_ascii=False)
        for j, other in enumerate(doc.projects):
            if i != j:
                assert other.name not in text and other.code not in text and other.fund_use not in text


def test_changes_record_the_rules_that_triggered_them(seed_run):
    _, run = seed_run
    fuel = run.projects[0]
    rewritten = [c for c in fuel.changes if c.action == "rewritten"]
    assert rewritten and all(c.rules for c in rewritten)
    first = next(c for c in rewritten if c.before.name == "相关支出次数")
    assert {"N02", "V03"} <= set(first.rules) and first.after.level2 == "数量指标"


def test_goal_that_repeats_the_name_is_rewritten(seed_run):
    doc, run = seed_run
    assert goal_is_empty(doc.projects[0])
    assert run.projects[0].goal_rewritten
    goal = run.document.projects[0].goals[0]
    assert goal.startswith("2023年") and len(goal) > 30


def test_good_indicators_are_kept(drafter, seed_path):
    doc, _ = read_document(seed_path)
    sheet = doc.projects[1]
    rows = list(sheet.indicators)
    good = rows[0].model_copy(update={"name": "供暖建筑面积", "description": "供热合同约定的计费供暖面积",
                                      "value": "=42000平方米", "basis": "其他标准：2023年供热合同"})
    rows[0] = good
    result = rewrite_sheet(sheet.model_copy(update={"indicators": rows}), drafter)
    assert result.changes[0].action == "kept" and good in result.after.sheet.indicators
    everything = rewrite_sheet(sheet.model_copy(update={"indicators": rows}), drafter, keep_good=False)
    assert not [c for c in everything.changes if c.action == "kept"]


def test_docx_and_xlsx_inputs_keep_their_format(tmp_path, seed_path, built_home):
    doc, _ = read_document(seed_path)
    small = doc.model_copy(update={"projects": doc.projects[:2]})
    for fmt in ("docx", "xlsx"):
        src = write_document(small, tmp_path / f"in.{fmt}")
        out = tmp_path / f"out_{fmt}"
        result = subprocess.run([sys.executable, "-m", "assistant.cli", "rewrite", str(src), "-o", str(out), "-q"],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        new, _ = read_document(out.with_suffix(f".{fmt}"))
        assert [p.code for p in new.projects] == [p.code for p in small.projects]
        report = json.loads(out.with_name(out.name + ".report.json").read_text(encoding="utf-8"))
        assert report["score"] >= report["score_before"] + 20 and report["score_before"] < 50
        assert {"before", "after", "changes", "score", "score_before", "findings"} <= set(report["projects"][0])
        for suffix in (".report.md", ".report.html", ".report.xlsx"):
            assert out.with_name(out.name + suffix).exists()


def test_folder_with_a_corrupt_file(tmp_path, seed_path, built_home):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "seed.txt").write_text(seed_path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 broken")
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "rewrite", str(folder), "-o", str(tmp_path / "out"), "-q"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "broken.docx" in result.stdout and "跳过" in result.stdout
    new, _ = read_document(tmp_path / "out" / "seed_改写.docx")
    assert len(new.projects) == 9


def test_unreadable_project_inside_a_good_file(tmp_path, seed_path, drafter):
    text = seed_path.read_text(encoding="utf-8").replace("\t本级公建热力费\n", "\t\n", 1)
    path = tmp_path / "partly.txt"
    path.write_text(text, encoding="utf-8")
    doc, problems = read_document(path)
    run = rewrite_document(doc, drafter, problems=problems)
    assert problems and len(run.projects) == 8 and not run.failed
    assert all(p.after.sub_scores.errors == 0 and p.after.score > p.before.score for p in run.projects)


def _env(server) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ZHIBIAO_"))}
    env.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="k", ZHIBIAO_MAX_RETRIES="0", ZHIBIAO_TIMEOUT="10",
               ZHIBIAO_HOME=os.environ["ZHIBIAO_HOME"], NO_PROXY="127.0.0.1,localhost")
    return env


def test_llm_failure_for_one_project_leaves_the_others(tmp_path, seed_path, drafter):
    doc, _ = read_document(seed_path)
    small = doc.model_copy(update={"projects": doc.projects[:4]})
    from assistant.drafters.llm import LLMDrafter
    from assistant.settings import load_settings

    with ScriptedServer(["valid", "server_error", "valid", "valid"]) as srv:
        llm = LLMDrafter(load_settings(base_url=srv.base_url, api_key="k", max_retries=0), store=drafter.store)
        run = rewrite_document(small, llm)
    assert [p.status for p in run.projects] == ["ok", "failed", "ok", "ok"]
    assert "500" in run.projects[1].error
    assert run.document.projects[1] == small.projects[1], "a failed project keeps its original table"


def test_killed_run_resumes_to_the_same_output(tmp_path, seed_path, built_home):
    from seed_text import first_projects

    source = tmp_path / "六个项目.txt"  # six projects show a kill and a resume as well as nine
    source.write_text(first_projects(seed_path.read_text(encoding="utf-8"), 6), encoding="utf-8")
    with ScriptedServer(["slow"], slow_seconds=0.6) as srv:
        env = _env(srv)
        cmd = [sys.executable, "-m", "assistant.cli", "rewrite", str(source), "--drafter", "llm", "-q"]
        # uninterrupted reference run
        ref = subprocess.run(cmd + ["-o", str(tmp_path / "ref")], env=env, capture_output=True, text=True, timeout=300)
        assert ref.returncode == 0, ref.stderr
        ref_calls = len(srv.requests)
        # a run killed half way
        out = tmp_path / "run"
        proc = subprocess.Popen(cmd + ["-o", str(out)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        checkpoint = Checkpoint(out.with_name(out.name + ".checkpoint.jsonl"))
        deadline = time.time() + 120
        while time.time() < deadline and len(checkpoint.load()) < 3:
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        finished = len(checkpoint.load())
        assert 3 <= finished < 6
        assert not out.with_suffix(".docx").exists()
        before_resume = len(srv.requests)
        resumed = subprocess.run(cmd + ["-o", str(out), "--resume"], env=env, capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr
        assert f"续跑 {finished} 个" in resumed.stdout
        assert len(srv.requests) - before_resume == ref_calls - finished, "finished projects are not redone"
    a, _ = read_document(tmp_path / "ref.docx")
    b, _ = read_document(out.with_suffix(".docx"))
    assert [p.model_dump() for p in a.projects] == [p.model_dump() for p in b.projects]
    assert not checkpoint.path.exists(), "a completed run removes its checkpoint"


def test_year_comes_from_the_document_else_from_year_else_is_said_to_be_assumed(tmp_path, seed_path,
                                                                                seed_without_year, built_home):
    import re
    from datetime import date

    source = seed_without_year
    env = {**os.environ, "ZHIBIAO_HOME": str(built_home)}

    def run(out: str, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
        done = subprocess.run([sys.executable, "-m", "assistant.cli", "rewrite", str(source), "-o", str(tmp_path / out),
                               "-q", "--drafter", "exemplar", *extra], capture_output=True, text=True, env=env,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        return done, json.loads((tmp_path / f"{out}.report.json").read_text(encoding="utf-8"))

    done, report = run("assumed")
    this_year = date.today().year
    assert {(p["year"], p["year_source"]) for p in report["projects"]} == {(this_year, "assumed")}
    assert "文档未写明预算年度" in done.stdout and "--year" in done.stdout
    done, report = run("given", "--year", "2024")
    assert {(p["year"], p["year_source"]) for p in report["projects"]} == {(2024, "option")}
    assert "文档未写明预算年度" not in done.stdout
    dates = [r["value"] for p in report["projects"] for r in p["after"]["indicators"] if re.search(r"\d{4}年\d+月", r["value"])]
    assert dates and all("2024年" in d for d in dates), dates
    # a document that names its year keeps it, whatever --year says
    named = tmp_path / "有年度.txt"
    named.write_text(first_projects(seed_path.read_text(encoding="utf-8"), 3), encoding="utf-8")
    kept = subprocess.run([sys.executable, "-m", "assistant.cli", "rewrite", str(named), "-o", str(tmp_path / "seed"),
                           "-q", "--drafter", "exemplar", "--year", "2030"], capture_output=True, text=True, env=env,
                          timeout=300)
    assert kept.returncode == 0, kept.stderr
    seed = json.loads((tmp_path / "seed.report.json").read_text(encoding="utf-8"))
    assert {(p["year"], p["year_source"]) for p in seed["projects"]} == {(2023, "document")}
    assert "审核状态：" in kept.stdout


def test_year_option_refuses_what_is_not_a_year(tmp_path, seed_path):
    done = subprocess.run([sys.executable, "-m", "assistant.cli", "rewrite", str(seed_path), "-o", str(tmp_path / "x"),
                           "--year", "二〇二四"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "年度应为四位数字" in done.stderr
