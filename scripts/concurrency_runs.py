"""Concurrency runs for issue #14: `zhibiao rewrite --concurrency 4` on fresh and warm ZHIBIAO_HOME, c1 vs c4.

For each drafter (llm against tests/openai_server.py started here on a free port; exemplar offline, no server):
N runs on a fresh (empty) ZHIBIAO_HOME and N on a warm one (the home of the first fresh run), all at --concurrency 4,
then one warm run at --concurrency 1 to compare wall times. Every run is checked: exit code 0, no traceback, the
report lists every project done (status ok, nothing failed), and the API key appears nowhere in stdout, stderr or
any file under the output folder and ZHIBIAO_HOME. Prints a Markdown table and writes it to docs/llm_concurrency.md.

    python3 scripts/concurrency_runs.py            # N=10, 3 s per server call
    python3 scripts/concurrency_runs.py --runs 1 --delay 0.1 --no-doc
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-test-SECRETKEY123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(delay: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "openai_server.py"), "--port", str(port),
                             "--delay", str(delay), "valid"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    line = proc.stdout.readline().strip()  # the server prints its base URL once it listens
    if not line.startswith("http"):
        proc.kill()
        raise SystemExit("测试服务器没有启动")
    return proc, line


def clean_env(home: Path, base_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHIBIAO_", "OPENAI_"))}
    env.update(ZHIBIAO_HOME=str(home), OPENAI_API_KEY=KEY, NO_PROXY="127.0.0.1,localhost")
    if base_url:
        env["OPENAI_BASE_URL"] = base_url
    return env


def key_leaks(*texts: str, roots: list[Path]) -> list[str]:
    found = [f"输出流{i}" for i, t in enumerate(texts) if KEY in t]
    for root in roots:
        for p in root.rglob("*"):
            if p.is_file() and KEY.encode() in p.read_bytes():
                found.append(str(p))
    return found


def one_run(source: Path, drafter: str, conc: int, home: Path, base_url: str, work: Path, timeout: float) -> dict:
    out = Path(tempfile.mkdtemp(prefix="out-", dir=work))
    cmd = [sys.executable, "-m", "assistant.cli", "rewrite", str(source), "--drafter", drafter,
           "--concurrency", str(conc), "-q", "-o", str(out / "res")]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, env=clean_env(home, base_url), capture_output=True, text=True, timeout=timeout,
                           cwd=ROOT)
        rc, so, se = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, so, se = "超时", str(e.stdout or ""), str(e.stderr or "")
    wall = time.monotonic() - t0
    done = total = 0
    report = out / "res.report.json"
    if report.exists():
        data = json.loads(report.read_text(encoding="utf-8"))
        total = len(data.get("projects", []))
        done = sum(1 for pr in data.get("projects", []) if pr.get("status") == "ok") if not data.get("failed") else 0
    leaks = key_leaks(so, se, roots=[out, home])
    ok = rc == 0 and total > 0 and done == total and "Traceback" not in so + se and not leaks
    return {"ok": ok, "rc": rc, "done": done, "total": total, "wall": wall, "leaks": leaks,
            "traceback": "Traceback" in so + se, "stderr": se[-500:]}


def summarise(name: str, runs: list[dict]) -> list[str]:
    good = sum(r["ok"] for r in runs)
    walls = [r["wall"] for r in runs]
    done = "、".join(sorted({f"{r['done']}/{r['total']}" for r in runs}))
    leaks = sum(bool(r["leaks"]) for r in runs)
    tb = sum(r["traceback"] for r in runs)
    return [name, f"{good}/{len(runs)}", done, str(tb), str(leaks),
            f"{statistics.median(walls):.1f}", f"{max(walls):.1f}"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="并发改写实测（issue #14）：新旧 ZHIBIAO_HOME 各跑 N 次 --concurrency 4，"
                                             "再比较 --concurrency 1 与 4 的用时，检查 9/9 完成、无回溯、不泄露密钥。")
    ap.add_argument("--runs", type=int, default=10, help="每种配置（新/旧 ZHIBIAO_HOME）跑的次数（默认 10）")
    ap.add_argument("--delay", type=float, default=3.0, help="测试服务器每次调用的等待秒数（默认 3）")
    ap.add_argument("--drafters", default="llm,exemplar", help="逗号分隔：llm、exemplar（默认两者）")
    ap.add_argument("--input", default=str(ROOT / "eval" / "cases" / "legacy_seed.txt"), help="要改写的文档")
    ap.add_argument("--timeout", type=float, default=900.0, help="单次运行的时限（秒，默认 900）")
    ap.add_argument("--doc", default=str(ROOT / "docs" / "llm_concurrency.md"), help="表格写入的文件")
    ap.add_argument("--no-doc", action="store_true", help="只打印表格，不写文件")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="zhibiao-conc-"))
    rows, compare, failures = [], [], []
    server = None
    try:
        for drafter in [d.strip() for d in args.drafters.split(",") if d.strip()]:
            base_url = ""
            if drafter == "llm":
                server, base_url = start_server(args.delay)
            fresh, warm = [], []
            warm_home = None
            for i in range(args.runs):
                home = Path(tempfile.mkdtemp(prefix="home-", dir=work))
                warm_home = warm_home or home
                fresh.append(one_run(Path(args.input), drafter, 4, home, base_url, work, args.timeout))
                print(f"[{drafter}] 新 ZHIBIAO_HOME 第 {i + 1}/{args.runs} 次：{fresh[-1]['done']}/{fresh[-1]['total']}，"
                      f"{fresh[-1]['wall']:.1f} 秒", flush=True)
            for i in range(args.runs):
                warm.append(one_run(Path(args.input), drafter, 4, warm_home, base_url, work, args.timeout))
                print(f"[{drafter}] 旧 ZHIBIAO_HOME 第 {i + 1}/{args.runs} 次：{warm[-1]['done']}/{warm[-1]['total']}，"
                      f"{warm[-1]['wall']:.1f} 秒", flush=True)
            c1 = one_run(Path(args.input), drafter, 1, warm_home, base_url, work, args.timeout)
            print(f"[{drafter}] --concurrency 1：{c1['done']}/{c1['total']}，{c1['wall']:.1f} 秒", flush=True)
            rows += [summarise(f"{drafter} c4 新 HOME", fresh), summarise(f"{drafter} c4 旧 HOME", warm),
                     summarise(f"{drafter} c1 旧 HOME", [c1])]
            compare.append([drafter, f"{c1['wall']:.1f}", f"{statistics.median(r['wall'] for r in warm):.1f}"])
            failures += [r for r in fresh + warm + [c1] if not r["ok"]]
            if server:
                server.terminate()
                server.wait(10)
                server = None
    finally:
        if server:
            server.terminate()
    lines = [f"输入：{Path(args.input).name}；服务器每次调用等待 {args.delay:g} 秒（仅 llm）；每种配置 {args.runs} 次。", "",
             "| 配置 | 通过 | 完成项目 | 回溯 | 密钥泄露 | 用时中位数（秒） | 最长（秒） |",
             "|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += ["", "| 改写方式 | --concurrency 1（秒） | --concurrency 4 中位数（秒） |", "|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in compare]
    table = "\n".join(lines)
    print(table)
    for r in failures:
        print(f"失败：退出码 {r['rc']}，{r['done']}/{r['total']}，泄露 {r['leaks']}，{r['stderr']}", file=sys.stderr)
    if not args.no_doc:
        cmd = " ".join(["python3 scripts/concurrency_runs.py"] + (argv if argv is not None else sys.argv[1:]))
        Path(args.doc).write_text(f"# LLM 改写并发实测（issue #14）\n\n由 `{cmd}` 生成。\n\n{table}\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
