"""Server memory of the UI under load and when idle (issue #17): RSS at start, after N drafts, during idle minutes.

RSS is the server's and its worker process's together (ui/worker.py: the drafts run there, and the idle trim
replaces a used worker with a fresh one); the notes give each process's share.

Starts `zhibiao ui` on a free loopback port in its own process, drafts N varied briefs through the HTTP API
(gradio_client, a few concurrent clients), then samples the server's RSS (from /proc) once a minute while idle.
The server gives memory back after ZHIBIAO_UI_IDLE_TRIM seconds without requests (default 60; --trim-seconds).

The baseline is the RSS after warm-up: one draft of every object with every unit (lazy imports, the chroma store, the
embedding, the lexical indexes of both collections loaded, fitted and composed drafts alike) and one idle trim.
--debug-log FILE appends, at every idle trim, the server's object counts and gradio's bookkeeping sizes to FILE
(ui/memdebug.py); with --tracemalloc also its top allocations (slow; its RSS figures are not comparable).

    python3 scripts/ui_memory.py --drafts 3000 --clients 4 --idle-minutes 10
    python3 scripts/ui_memory.py --drafts 3000 --trim-seconds 20 --idle-minutes 3 --sample-seconds 30
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OBJECTS = ["农村公路养护", "校舍维修改造", "污水管网建设", "老旧小区改造", "高标准农田建设", "公共文化服务",
           "城乡医疗救助", "消防装备购置", "河道综合治理", "智慧社区建设", "退役军人服务", "林业有害生物防治"]
UNITS = [("公里", 10, 400), ("所", 2, 40), ("处", 3, 60), ("亩", 500, 20000), ("场", 5, 120), ("人次", 100, 9000)]


def _status(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0])
    return fields


def children(pid: int) -> list[int]:
    """The server's processes below it (its worker: ui/worker.py)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found + [g for c in found for g in children(c)]


def rss_mb(pid: int) -> float:
    """The server's RSS and its worker's: what the machine pays for the UI."""
    total = 0
    for p in [pid, *children(pid)]:
        try:
            total += _status(p).get("VmRSS", 0)
        except OSError:  # a worker replaced a moment ago
            pass
    return total / 1024 if total else float("nan")


def rss_parts(pid: int) -> str:
    """Per process, anonymous vs file-backed RSS: file pages (the e5 weights are mmap'd) are clean and the kernel can
    drop them."""
    parts = []
    for label, p in [("服务", pid), *(("后台", c) for c in children(pid))]:
        try:
            fields = _status(p)
            threads = len(os.listdir(f"/proc/{p}/task"))
        except OSError:
            continue
        parts.append(f"{label} {fields.get('VmRSS', 0) / 1024:.0f} MB（匿名 {fields.get('RssAnon', 0) / 1024:.0f}，"
                     f"文件映射 {fields.get('RssFile', 0) / 1024:.0f}，线程 {threads}）")
    return "；".join(parts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def brief(rng: random.Random, i: int) -> tuple:
    obj = rng.choice(OBJECTS)
    unit, low, high = rng.choice(UNITS)
    n = rng.randint(low, high)
    name = f"{rng.randint(2024, 2027)}年第{i}号{obj}项目"
    purpose = f"实施{obj}，完成{n}{unit}，按期验收，服务对象满意度不低于90%"
    return name, purpose, f"{rng.randint(20, 5000)}万元", 2026, rng.choice(["2015", "2021"]), None, []


def warmup_brief(i: int) -> tuple:
    """The i-th warm-up brief: every object with every unit in turn, so that each code path the measured drafts take
    (a fitting type, a composed table, the indicator search) has loaded what it loads once before the baseline."""
    obj = OBJECTS[i % len(OBJECTS)]
    unit, low, high = UNITS[(i // len(OBJECTS)) % len(UNITS)]
    return (f"2026年预热{i}号{obj}项目", f"实施{obj}，完成{(low + high) // 2}{unit}，按期验收，服务对象满意度不低于90%",
            "300万元", 2026, ["2015", "2021"][i % 2], None, [])


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 600) -> None:
    import urllib.request

    start = time.time()
    while time.time() - start < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"服务进程已退出（返回码 {proc.returncode}）")
        try:
            urllib.request.urlopen(url + "config", timeout=5).read()
            return
        except OSError:
            time.sleep(1)
    raise SystemExit("服务未能在限定时间内启动")


def main() -> int:
    parser = argparse.ArgumentParser(description="测量网页版服务进程在批量起草后和空闲时的内存（RSS）")
    parser.add_argument("--drafts", type=int, default=3000, help="起草次数（默认 3000）")
    parser.add_argument("--clients", type=int, default=4, help="并发客户端数（默认 4）")
    parser.add_argument("--idle-minutes", type=float, default=10, help="起草后空闲测量的分钟数（默认 10）")
    parser.add_argument("--warmup", type=int, default=len(OBJECTS) * len(UNITS),
                        help=f"预热起草次数（默认 {len(OBJECTS) * len(UNITS)}：每个对象配每种单位各一份），之后等一次空闲回收再测基线")
    parser.add_argument("--checks", type=int, default=0, help="另外上传并检查一个小文档的次数（默认 0）")
    parser.add_argument("--trim-seconds", type=float, default=None, help="服务空闲多少秒后回收内存（ZHIBIAO_UI_IDLE_TRIM）")
    parser.add_argument("--sample-seconds", type=float, default=60, help="空闲时的采样间隔秒数（默认 60）")
    parser.add_argument("--debug-log", default=None, help="每次空闲回收后服务端的对象统计写入此文件（仅调试）")
    parser.add_argument("--tracemalloc", action="store_true", help="调试时另开 tracemalloc（很慢，RSS 数字不可比）")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from gradio_client import Client

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = dict(os.environ)
    env.pop("ZHIBIAO_UI_AUTH", None)  # no login page for the measuring clients
    if args.trim_seconds is not None:
        env["ZHIBIAO_UI_IDLE_TRIM"] = str(args.trim_seconds)
    if args.debug_log:
        env["ZHIBIAO_UI_MEMORY_DEBUG"] = str(Path(args.debug_log).resolve())
        if args.tracemalloc:
            env["PYTHONTRACEMALLOC"] = "1"
    trim = float(env.get("ZHIBIAO_UI_IDLE_TRIM", "60"))
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "ui", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows: list[tuple[str, float, str]] = []
    samples: dict[str, int] = {}  # the first distinct errors of the drafts, so a failed run says why
    try:
        wait_ready(url, proc)
        time.sleep(5)
        rows.append(("启动后", rss_mb(proc.pid), rss_parts(proc.pid)))
        rng = random.Random(args.seed)
        warm = Client(url, verbose=False)
        for i in range(args.warmup):
            warm.predict(*warmup_brief(i), api_name="/draft")
        del warm
        time.sleep(trim + min(15, max(1, trim / 4)) + 5)  # one idle trim
        rows.append((f"预热 {args.warmup} 份并回收后（基线）", rss_mb(proc.pid), rss_parts(proc.pid)))
        briefs = [brief(rng, i) for i in range(args.drafts)]
        jobs = ["draft"] * args.drafts + ["check"] * args.checks
        rng.shuffle(jobs)
        small = ROOT / "eval" / "cases" / "legacy_seed.txt"
        lock = threading.Lock()
        done, errors, peak = [0], [0], [rows[0][1]]

        def worker(k: int) -> None:
            from gradio_client import handle_file

            client = Client(url, verbose=False)
            for i in range(k, len(jobs), args.clients):
                try:
                    if jobs[i] == "draft":
                        client.predict(*briefs[i % args.drafts], api_name="/draft")
                    else:
                        client.predict(handle_file(str(small)), api_name="/check")
                    ok = True
                except Exception as exc:  # noqa: BLE001  counted; the table reports it
                    ok = False
                    with lock:
                        key = f"{type(exc).__name__}: {str(exc)[:160]}"
                        if key in samples or len(samples) < 5:
                            samples[key] = samples.get(key, 0) + 1
                with lock:
                    done[0] += 1
                    errors[0] += not ok
                    if done[0] % 100 == 0:
                        peak[0] = max(peak[0], rss_mb(proc.pid))
                        print(f"  {done[0]}/{args.drafts} 份，RSS {peak[0]:.0f} MB", file=sys.stderr, flush=True)

        start = time.time()
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.time() - start
        rows.append((f"起草 {args.drafts} 份" + (f"、检查 {args.checks} 次" if args.checks else "") + "后",
                     rss_mb(proc.pid),
                     f"{seconds:.0f} 秒，{done[0] / seconds:.1f} 次/秒，错误 {errors[0]}，峰值 {peak[0]:.0f} MB；"
                     + rss_parts(proc.pid)))
        idle = 0.0
        while idle < args.idle_minutes * 60 - 1e-6:
            time.sleep(args.sample_seconds)
            idle += args.sample_seconds
            rows.append((f"空闲 {idle / 60:.1f} 分钟", rss_mb(proc.pid), rss_parts(proc.pid)))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    print(f"空闲回收：ZHIBIAO_UI_IDLE_TRIM={trim:g} 秒；客户端 {args.clients} 个")
    for key, count in samples.items():
        print(f"错误 ×{count}：{key}")
    print(f"{'时点':<22}{'RSS (MB)':>10}  说明")
    for label, mb, note in rows:
        print(f"{label:<22}{mb:>10.0f}  {note}")
    if len(rows) >= 3:
        base = rows[1][1]
        print(f"最后一次相对基线：{rows[-1][1] - base:+.0f} MB（{(rows[-1][1] - base) / base:+.1%}）")
    return 0 if rows and errors[0] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
