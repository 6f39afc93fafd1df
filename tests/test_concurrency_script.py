"""scripts/concurrency_runs.py with N=1, a short server delay and the seed cut to 3 projects (the full seed
took 107 s of the suite) and the llm drafter only: every configuration reports all projects done."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from seed_text import first_projects

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_concurrency_script_reports_every_project_done(tmp_path):
    small = tmp_path / "three.txt"
    small.write_text(first_projects((ROOT / "eval" / "cases" / "legacy_seed.txt").read_text(encoding="utf-8"), 3),
                     encoding="utf-8")
    doc = tmp_path / "conc.md"
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "concurrency_runs.py"), "--runs", "1",
                        "--delay", "0.05", "--drafters", "llm", "--input", str(small), "--doc", str(doc)],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "Traceback" not in p.stdout + p.stderr
    assert "sk-test-SECRETKEY123" not in p.stdout + p.stderr
    rows = [line for line in doc.read_text(encoding="utf-8").splitlines() if re.match(r"\| (llm|exemplar) c[14] ", line)]
    # llm × fresh c4, warm c4, warm c1 (the offline drafter's c4 runs are test_llm_batch's)
    assert len(rows) == 3, rows
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == "1/1" and cells[2] == "3/3", row  # passed, projects done
        assert cells[3] == "0" and cells[4] == "0", row  # no traceback, no key leak
