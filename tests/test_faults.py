"""Rewriting never destroys or silently drops a user's data (issue #17), through the real CLI and real files."""

import argparse
import io
import json
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.batch import Checkpoint, FolderLedger
from assistant.cli import main
from assistant.cli_rewrite import FOLDER_LEDGER, _folder, _summary, folder_outputs
from assistant.documents import read_document, write_document
from assistant.documents.outputs import OutputLock
from assistant.rewrite import ProjectRewrite
from assistant.report import check_project


@pytest.fixture(scope="module")
def small(seed_path):
    doc, _ = read_document(seed_path)
    return doc.model_copy(update={"projects": doc.projects[:1]})


@pytest.fixture(scope="module")
def drafter(tmp_path_factory):
    """The offline drafter on a real store with the fast n-gram embedding (the store is what is under test here)."""
    from assistant.drafters.exemplar import ExemplarDrafter
    from retrieval.store import ExemplarStore

    store = ExemplarStore(path=tmp_path_factory.mktemp("chroma-ngram"), embedding="ngram")
    store.build()
    return ExemplarDrafter(store=store)


def _args(**kw) -> argparse.Namespace:
    base = dict(rewrite_all=False, concurrency=1, resume=False, quiet=True, drafter="exemplar")
    return argparse.Namespace(**{**base, **kw})


def _console():
    from rich.console import Console

    return Console(file=io.StringIO(), width=200)


@pytest.mark.parametrize("fmt", ["txt", "docx", "xlsx", "json"])
def test_output_equal_to_the_input_is_refused(tmp_path, small, fmt, capsys):
    src = write_document(small, tmp_path / f"a.{fmt}")
    before = src.read_bytes()
    for target in (src, src.with_suffix("")):
        assert main(["rewrite", str(src), "-o", str(target), "-q", "--drafter", "exemplar"]) == 2
        assert "会覆盖输入文件" in capsys.readouterr().err
    assert src.read_bytes() == before


def test_output_folder_equal_to_the_input_folder_is_refused(tmp_path, small, capsys):
    write_document(small, tmp_path / "a.docx")
    assert main(["rewrite", str(tmp_path), "-o", str(tmp_path), "-q"]) == 2
    assert "输出文件夹不能是输入文件夹" in capsys.readouterr().err


def test_same_stem_inputs_get_distinct_outputs(tmp_path):
    files = [tmp_path / "a.txt", tmp_path / "a.docx", tmp_path / "b.xlsx"]
    named = folder_outputs(files, tmp_path / "out")
    assert len(set(named.values())) == 3
    assert named[files[2]].name == "b_改写"
    assert {named[files[0]].name, named[files[1]].name} == {"a_txt_改写", "a_docx_改写"}


def test_a_second_run_on_a_locked_output_is_refused(tmp_path, small, capsys):
    src = write_document(small, tmp_path / "in.docx")
    out = tmp_path / "out" / "new"
    with OutputLock(out.with_name(".new.lock")):
        assert main(["rewrite", str(src), "-o", str(out), "-q", "--drafter", "exemplar"]) == 2
    assert "另一个改写任务" in capsys.readouterr().err
    assert not out.with_suffix(".docx").exists()


def test_folder_goes_on_past_a_bad_file_and_resume_skips_finished(tmp_path, small, drafter):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_broken.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    write_document(small, folder / "b.txt")
    write_document(small, folder / "b.docx")
    out = tmp_path / "out"
    console = _console()
    assert _folder(folder, out, lambda: drafter, _args(), console) == 1
    text = console.file.getvalue()
    assert "a_broken.xlsx" in text and "跳过" in text
    assert (out / "b_txt_改写.docx").exists() and (out / "b_docx_改写.docx").exists()
    stamp = (out / "b_txt_改写.docx").stat().st_mtime_ns
    assert len(FolderLedger(out / FOLDER_LEDGER).finished()) == 2
    console = _console()
    assert _folder(folder, out, lambda: drafter, _args(resume=True), console) == 1
    assert console.file.getvalue().count("已完成，跳过") == 2
    assert (out / "b_txt_改写.docx").stat().st_mtime_ns == stamp


def test_torn_checkpoint_line_is_ignored_and_later_lines_stay_whole(tmp_path, small):
    path = tmp_path / "x.checkpoint.jsonl"
    result = ProjectRewrite(index=0, code="c", name="名称", before=check_project(small.projects[0]))
    Checkpoint(path).add("0:a", result)
    whole = path.read_bytes()
    line = json.dumps({"key": "1:b", "result": result.model_dump(mode="json")}, ensure_ascii=False).encode("utf-8")
    cut = line.index("名".encode("utf-8")) + 1  # mid-character, as a full disk leaves it
    path.write_bytes(whole + line[:cut])
    checkpoint = Checkpoint(path)
    assert list(checkpoint.load()) == ["0:a"] and checkpoint.torn == 1
    checkpoint.add("2:c", result)
    again = Checkpoint(path)
    assert sorted(again.load()) == ["0:a", "2:c"] and again.torn == 1


def test_control_characters_are_cleaned_at_read_time_and_reported(tmp_path, small, drafter):
    text = write_document(small, tmp_path / "a.txt").read_text(encoding="utf-8")
    name = small.projects[0].indicators[0].name
    dirty = text.replace(name, name[:2] + "\x03\x00\x1a\x7f" + name[2:], 1)
    (tmp_path / "dirty.txt").write_text(dirty, encoding="utf-8")
    doc, problems = read_document(tmp_path / "dirty.txt")
    assert doc.projects[0].indicators[0].name == name
    assert any("控制字符" in p and "U+0003" in p for p in problems)
    ok, written = _rewrite(tmp_path / "dirty.txt", tmp_path / "out" / "r", drafter)
    assert ok and {p.suffix for p in written} >= {".docx", ".txt", ".xlsx"}


def _rewrite(src, out, drafter):
    from assistant.cli_rewrite import rewrite_file

    return rewrite_file(src, out, drafter, _args(), _console())


def test_outputs_appear_together_and_leave_no_temporary_files(tmp_path, small, drafter):
    src = write_document(small, tmp_path / "in.xlsx")
    ok, written = _rewrite(src, tmp_path / "out" / "new", drafter)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert ok and names == sorted(p.name for p in written)
    assert not [n for n in names if n.startswith(".")]


def test_report_cells_that_look_like_formulas_are_text(tmp_path, small):
    sheet = small.projects[0]
    bad = [i.model_copy(update={"name": v}) for i, v in zip(sheet.indicators, ["=HYPERLINK(\"http://x\")", "+1+1",
                                                                                "-2+3", "@SUM(A1)"])]
    doc = small.model_copy(update={"projects": [sheet.model_copy(update={"indicators": bad})]})
    path = write_document(doc, tmp_path / "f.xlsx")
    with zipfile.ZipFile(path) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in xml
    again, _ = read_document(path)
    assert [i.name for i in again.projects[0].indicators[:4]] == [i.name for i in bad]


def test_summary_cuts_long_names(tmp_path, small):
    sheet = small.projects[0].model_copy(update={"name": "名" * 100_000})
    failed = ProjectRewrite(index=0, code="c", name=sheet.name, status="failed", error="错" * 50_000,
                            before=check_project(small.projects[0]))
    run = SimpleNamespace(projects=[failed], failed=[failed], resumed=0)
    console = _console()
    _summary(console, tmp_path / ("长" * 80 + ".txt"), run, ["问" * 100_000] * 50, [tmp_path / "x.docx"])
    assert len(console.file.getvalue()) < 5000


def test_a_directory_in_place_of_an_output_leaves_no_partial_set(tmp_path, small, drafter, capsys):
    from assistant.cli_rewrite import planned_outputs

    src = write_document(small, tmp_path / "in.txt")
    out = tmp_path / "out" / "new"
    (tmp_path / "out" / "new.report.md").mkdir(parents=True)  # one target is a folder
    with pytest.raises(OSError):
        _rewrite(src, out, drafter)
    present = [p for p in planned_outputs(src, out) if p.is_file() and not p.name.endswith(".checkpoint.jsonl")]
    assert present == [], "nothing of the set is in place (the checkpoint stays, for --resume)"
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


# Bullet "Read-only folders, over-long names, a full disk or a directory as target give tracebacks and leave partial
# or stale output sets that look complete" (the directory case is the test above; these are the other three).
def test_a_full_disk_midway_leaves_no_partial_set_and_the_folder_goes_on(tmp_path, small, drafter, monkeypatch):
    import errno

    import assistant.rewrite_report as rewrite_report

    folder = tmp_path / "in"
    folder.mkdir()
    write_document(small, folder / "a.txt")
    out = tmp_path / "out"
    real = rewrite_report.write_reports

    def full_disk(run, stem):  # the documents are already written when the disk fills
        raise OSError(errno.ENOSPC, "No space left on device", str(stem))

    monkeypatch.setattr(rewrite_report, "write_reports", full_disk)
    console = _console()
    assert _folder(folder, out, lambda: drafter, _args(), console) == 1
    text = console.file.getvalue()
    assert "磁盘空间不足" in text and "Traceback" not in text
    left = [p.name for p in out.iterdir()] if out.exists() else []
    assert not [n for n in left if n.endswith((".docx", ".txt", ".xlsx", ".md"))], left
    assert not [n for n in left if n.startswith(".") and "staging" in n], left
    monkeypatch.setattr(rewrite_report, "write_reports", real)
    assert _folder(folder, out, lambda: drafter, _args(resume=True), _console()) == 0
    assert (out / "a_改写.docx").exists() and (out / "a_改写.report.xlsx").exists()


def test_a_read_only_target_is_one_chinese_line_not_a_traceback(tmp_path, small, drafter, monkeypatch, capsys):
    import errno

    import assistant.draft
    from assistant.documents import outputs

    src = write_document(small, tmp_path / "in.docx")
    out = tmp_path / "ro" / "new"

    def read_only(self):  # root ignores chmod, so the refusal the kernel gives is raised here
        raise PermissionError(errno.EACCES, "Permission denied", str(self.dir))

    monkeypatch.setattr(outputs.Staging, "__enter__", read_only)
    monkeypatch.setattr(assistant.draft, "get_drafter", lambda name=None: drafter)
    code = main(["rewrite", str(src), "-o", str(out), "-q", "--drafter", "exemplar"])
    err = capsys.readouterr().err
    assert code != 0 and "没有写入权限" in err and "Traceback" not in err
    left = [p.name for p in out.parent.iterdir() if not p.name.startswith(".")] if out.parent.exists() else []
    assert [n for n in left if not n.endswith(".checkpoint.jsonl")] == [], left  # the checkpoint is for --resume


def test_over_long_input_names_give_valid_output_names(tmp_path, small, drafter, monkeypatch):
    import assistant.draft

    src = write_document(small, tmp_path / ("绩效目标" * 20 + ".txt"))  # 240 bytes: every derived name is longer
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(assistant.draft, "get_drafter", lambda name=None: drafter)
    assert main(["rewrite", str(src), "-o", str(out), "-q", "--drafter", "exemplar"]) == 0
    names = [p.name for p in out.iterdir() if not p.name.startswith(".")]
    assert {Path(n).suffix for n in names} >= {".docx", ".txt", ".xlsx"}
    assert all(len(n.encode("utf-8")) <= 255 for n in names)
    assert src.exists()
