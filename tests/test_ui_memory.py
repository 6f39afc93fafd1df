"""What a long-running UI server keeps (issue #17): its temporary folders go after their TTL, the debug report works.

RSS itself is measured by scripts/ui_memory.py (docs/benchmarks.md), never asserted in a test.
"""

from __future__ import annotations

import os
import time


def test_old_temporary_folders_are_pruned_and_new_ones_kept(tmp_path, monkeypatch):
    import tempfile

    from ui import tempfiles

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old, new = tempfiles.new_dir(), tempfiles.new_dir()
    (old / "表.docx").write_bytes(b"x")
    past = time.time() - tempfiles.DEFAULT_TTL - 60
    os.utime(old, (past, past))
    assert old.parent == new.parent == tmp_path / "zhibiao-ui"
    assert tempfiles.prune() == 1
    assert not old.exists() and new.is_dir()
    monkeypatch.setenv("ZHIBIAO_UI_TEMP_TTL", "0")
    assert tempfiles.ttl() == 0
    time.sleep(0.05)
    assert tempfiles.prune() == 1 and not new.exists()


def test_memory_debug_report_is_written_only_when_asked(tmp_path, monkeypatch):
    from ui import memdebug

    log = tmp_path / "mem.log"
    monkeypatch.delenv("ZHIBIAO_UI_MEMORY_DEBUG", raising=False)
    memdebug.maybe_report()
    assert not log.exists()
    monkeypatch.setenv("ZHIBIAO_UI_MEMORY_DEBUG", str(log))
    memdebug.maybe_report()
    text = log.read_text(encoding="utf-8")
    # the report lists live objects' reprs, which may hold any word ("testsfailed=0"): look for its own failure line
    assert "memory report" in text and "RSS" in text and "gc objects" in text and "memory report failed" not in text
    assert "threads:" in text and "pymalloc:" in text and "sparse heap regions:" in text
