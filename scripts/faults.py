"""Fault injection for `zhibiao rewrite`: read-only target, full disk, kills at random moments, two concurrent
runs, same-name inputs, output onto an input. Counts files lost or overwritten and tracebacks.

    python3 scripts/faults.py --kills 8 -o /tmp/zhibiao-faults

A full disk and a read-only target use small tmpfs mounts when the system allows it (root); otherwise the full
disk is a size limit on the process's files (RLIMIT_FSIZE) and the read-only case is reported as skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "eval" / "cases" / "legacy_seed.txt"


class Faults:
    def __init__(self, work: Path, seed: int) -> None:
        self.work = work
        self.rng = random.Random(seed)
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ZHIBIAO_"))},
                    "ZHIBIAO_HOME": str(work / "home"), "ZHIBIAO_EMBEDDING": "ngram"}
        self.figures = {"runs": 0, "tracebacks": 0, "inputs_changed": 0, "outputs_lost": 0, "partial_sets": 0}
        self.notes: list[str] = []

    # -- helpers ------------------------------------------------------------------------------------------------
    def cmd(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "assistant.cli", "rewrite", *args, "-q", "--drafter", "exemplar"]

    def run(self, *args: str, limit: int | None = None) -> subprocess.CompletedProcess:
        def preexec() -> None:
            if limit:
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        proc = subprocess.run(self.cmd(*args), env=self.env, cwd=ROOT, capture_output=True, text=True,
                              timeout=900, preexec_fn=preexec)
        self._count(proc.stderr + proc.stdout)
        return proc

    def _count(self, text: str) -> None:
        self.figures["runs"] += 1
        if "Traceback" in text:
            self.figures["tracebacks"] += 1
            self.notes.append(text[-800:])

    def sets_complete(self, folder: Path, stem: str, kinds=(".docx", ".txt")) -> bool | None:
        """True: the whole output set; None: none of it; False: a partial set a user could mistake for complete."""
        names = [stem + k for k in kinds] + [stem + s for s in (".report.json", ".report.md", ".report.html",
                                                                ".report.xlsx")]
        present = [(folder / n).exists() for n in names]
        return True if all(present) else None if not any(present) else False

    @staticmethod
    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    def mount(self, target: Path, options: str) -> bool:
        target.mkdir(parents=True, exist_ok=True)
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
                            capture_output=True).returncode == 0
        return ok

    # -- scenarios ----------------------------------------------------------------------------------------------
    def reference(self) -> dict:
        proc = self.run(str(SEED), "-o", str(self.work / "ref" / "ref"))
        assert proc.returncode == 0, proc.stderr
        return json.loads((self.work / "ref" / "ref.report.json").read_text(encoding="utf-8"))

    def kills(self, n: int, reference: dict) -> dict:
        """Kill a run at random moments, resume until done; the result must equal an uninterrupted run."""
        out = self.work / "kill" / "new"
        killed = partial = 0
        for i in range(n):
            proc = subprocess.Popen(self.cmd(str(SEED), "-o", str(out), *(["--resume"] if i else [])), env=self.env,
                                    cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            time.sleep(self.rng.uniform(1.0, 12.0))
            if proc.poll() is None:
                proc.kill()
                killed += 1
            _, err = proc.communicate()
            self._count(err or "")
            partial += self.sets_complete(out.parent, out.name) is False
        final = self.run(str(SEED), "-o", str(out), "--resume")
        report = json.loads(out.with_name("new.report.json").read_text(encoding="utf-8"))
        same = [p["after"] for p in report["projects"]] == [p["after"] for p in reference["projects"]]
        self.figures["partial_sets"] += partial
        self.figures["outputs_lost"] += 0 if same and final.returncode == 0 else 1
        return {"kills": killed, "attempts": n, "partial_sets_seen": partial, "final_equal_to_reference": same}

    def concurrent(self) -> dict:
        out = self.work / "two" / "new"
        procs = [subprocess.Popen(self.cmd(str(SEED), "-o", str(out)), env=self.env, cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        results = [p.communicate() + (p.returncode,) for p in procs]
        for o, e, _ in results:
            self._count(o + e)
        codes = sorted(r[2] for r in results)
        refused = sum("另一个改写任务" in r[1] for r in results)
        complete = self.sets_complete(out.parent, out.name)
        self.figures["partial_sets"] += complete is False
        return {"exit_codes": codes, "refused_with_message": refused, "outputs_complete": complete is True}

    def same_names(self) -> dict:
        """a.txt and a.docx in one folder: two outputs, inputs untouched."""
        folder = self.work / "same" / "in"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(SEED, folder / "a.txt")
        self._export(folder / "a.docx")
        before = {p.name: self.digest(p) for p in folder.iterdir()}
        proc = self.run(str(folder), "-o", str(self.work / "same" / "out"))
        after = {p.name: self.digest(p) for p in folder.iterdir()}
        self.figures["inputs_changed"] += sum(before[k] != after.get(k) for k in before)
        outs = sorted(p.name for p in (self.work / "same" / "out").glob("*_改写.docx"))
        self.figures["outputs_lost"] += len(outs) != 2
        return {"exit": proc.returncode, "outputs": outs}

    def onto_input(self) -> dict:
        """`rewrite X -o X` in all four formats is refused and X is unchanged."""
        refused = 0
        for fmt in ("txt", "docx", "xlsx", "json"):
            src = self.work / "onto" / f"in.{fmt}"
            src.parent.mkdir(parents=True, exist_ok=True)
            self._export(src)
            before = self.digest(src)
            proc = self.run(str(src), "-o", str(src))
            refused += proc.returncode == 2 and "会覆盖输入文件" in proc.stderr
            self.figures["inputs_changed"] += self.digest(src) != before
        return {"refused": refused, "of": 4}

    def _export(self, path: Path) -> None:
        code = ("from assistant.documents import read_document, write_document;"
                f"write_document(read_document({str(SEED)!r})[0], {str(path)!r})")
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.env, check=True)

    def full_disk(self) -> dict:
        target = self.work / "full"
        mounted = self.mount(target, "size=96k")
        out = target / "new"
        (target / "old.docx").parent.mkdir(parents=True, exist_ok=True)
        proc = self.run(str(SEED), "-o", str(out), limit=None if mounted else 60_000)
        complete = self.sets_complete(target, "new")
        self.figures["partial_sets"] += complete is False
        if mounted:
            subprocess.run(["umount", str(target)], capture_output=True)
        return {"method": "tmpfs 96k" if mounted else "RLIMIT_FSIZE 60 kB", "exit": proc.returncode,
                "message": proc.stderr.strip().splitlines()[-1:] if proc.stderr.strip() else [],
                "partial_set_left": complete is False}

    def read_only(self) -> dict:
        target = self.work / "ro"
        if not self.mount(target, "ro,size=1m"):
            return {"skipped": "mount not permitted"}
        proc = self.run(str(SEED), "-o", str(target / "new"))
        subprocess.run(["umount", str(target)], capture_output=True)
        return {"exit": proc.returncode, "message": proc.stderr.strip().splitlines()[-1:]}


def main() -> int:
    parser = argparse.ArgumentParser(description="改写命令的故障注入：只读目录、磁盘已满、随机中断、并发运行、同名输入")
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", default="/tmp/zhibiao-faults")
    args = parser.parse_args()
    work = Path(args.output)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    faults = Faults(work, args.seed)
    seed_digest = faults.digest(SEED)
    reference = faults.reference()
    results = {"kills": faults.kills(args.kills, reference), "concurrent": faults.concurrent(),
               "same_names": faults.same_names(), "onto_input": faults.onto_input(),
               "full_disk": faults.full_disk(), "read_only": faults.read_only()}
    faults.figures["inputs_changed"] += faults.digest(SEED) != seed_digest
    summary = {"figures": faults.figures, "results": results, "traceback_tails": faults.notes[:5]}
    (work / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    bad = faults.figures["tracebacks"] + faults.figures["inputs_changed"] + faults.figures["outputs_lost"] + \
        faults.figures["partial_sets"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
