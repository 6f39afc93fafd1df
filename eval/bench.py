"""`zhibiao bench`: how fast each part is on this machine, written as a Markdown table."""

from __future__ import annotations

import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eval.harness import SEED


def _median_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _run(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=600)
    return time.perf_counter() - start


def cold_starts(env: dict) -> list[tuple[str, float]]:
    exe = [sys.executable, "-m", "assistant.cli"]
    commands = [("zhibiao --help", exe + ["--help"]),
                ("zhibiao check 样例文档 --format json", exe + ["check", str(SEED), "--format", "json"]),
                ("zhibiao draft（离线，索引已建）", exe + ["draft", "--name", "公务用车购置", "--purpose", "购置2辆公务用车",
                                                     "--format", "json"]),
                ("zhibiao library stats", exe + ["library", "stats"])]
    _run(commands[2][1], env)  # build the index once, outside the timing
    return [(name, statistics.median(_run(cmd, env) for _ in range(3))) for name, cmd in commands]


def check_throughput(n: int = 1000) -> tuple[float, float, int]:
    """Seconds to check `n` sheets (the seed's projects in turn, as a rewrite re-checks the same projects), and
    seconds to check each real published table once (texts never seen before in this process: no cache helps)."""
    from assistant.documents import read_document
    from assistant.report import check_project
    from eval.calibration import load_tables, sheet_of

    doc, _ = read_document(SEED)
    tables = [sheet_of(record) for record in load_tables()]
    check_project(doc.projects[0])  # data files and patterns load once, outside both timings
    start = time.perf_counter()
    for sheet in tables:
        check_project(sheet)
    distinct = time.perf_counter() - start
    sheets = [doc.projects[i % len(doc.projects)] for i in range(n)]
    start = time.perf_counter()
    for sheet in sheets:
        check_project(sheet)
    return time.perf_counter() - start, distinct, len(tables)


def retrieval_latency(total: int, workdir: Path) -> tuple[float, float, float]:
    """(build seconds, median ms, p95 ms) for single-indicator search at `total` indicators."""
    from retrieval.library import load_library
    from retrieval.store import ExemplarStore, indicator_records

    base = indicator_records(load_library())
    rng = random.Random(0)
    places = ["县", "区", "镇", "街道", "园区", "校区", "院区", "片区"]
    extra = []
    for n in range(total - len(base)):
        r = base[n % len(base)]
        tag = f"{rng.choice(places)}{n}"
        extra.append(r.__class__(**{**r.__dict__, "id": f"gen-{n}", "name": f"{r.name}（{tag}）", "source": "bench"}))
    store = ExemplarStore(path=workdir / f"chroma-{total}", embedding="ngram")
    start = time.perf_counter()
    store.build(load_library(), extra=extra)
    build = time.perf_counter() - start
    queries = ["车辆完好率", "路灯亮灯率", "培训人次", "垃圾清运量", "资助学生人数", "维修响应时间", "接种率", "造林面积",
               "满意度", "单位面积造价"] * 5
    store.search_indicators(queries[0])  # BM25 index is built on the first query
    samples = []
    for q in queries:
        start = time.perf_counter()
        store.search_indicators(q, k=10)
        samples.append((time.perf_counter() - start) * 1000)
    med, p95 = _median_p95(samples)
    return build, med, p95


def draft_latency() -> tuple[float, float]:
    from assistant.draft import get_drafter
    from eval.cases import load_cases

    drafter = get_drafter("exemplar")
    briefs = [c.brief for c in load_cases(kind="draft")][:40]
    drafter.draft(briefs[0])
    samples = []
    for brief in briefs:
        start = time.perf_counter()
        drafter.draft(brief)
        samples.append((time.perf_counter() - start) * 1000)
    return _median_p95(samples)


def rewrite_throughput(n: int = 1000) -> float:
    from assistant.batch import rewrite_document
    from assistant.documents import read_document
    from assistant.draft import get_drafter

    doc, _ = read_document(SEED)
    projects = []
    for i in range(n):
        p = doc.projects[i % len(doc.projects)]
        projects.append(p.model_copy(update={"code": f"GEN{i:05d}", "name": f"{p.name}（第{i}号）"}))
    big = doc.model_copy(update={"projects": projects})
    drafter = get_drafter("exemplar")
    start = time.perf_counter()
    rewrite_document(big, drafter)
    return time.perf_counter() - start


def ui_first_response() -> tuple[float, float]:
    """(seconds from launch to serving, seconds for the first draft through the API)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from gradio_client import Client

    from ui_helpers import served_app

    start = time.perf_counter()
    with served_app() as url:
        ready = time.perf_counter() - start
        client = Client(url, verbose=False)
        t = time.perf_counter()
        client.predict("本级职工食堂改造", "改造职工食堂", "290万元", 2025, "2015", "exemplar", [], api_name="/draft")
        return ready, time.perf_counter() - t


def machine() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        mem = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal"))) / 1048576
    except (OSError, StopIteration):
        mem = 0
    return f"{os.cpu_count()} cores ({cpu or platform.processor()}), {mem:.0f} GiB RAM, Python {platform.python_version()}, {platform.system()}"


def run_bench(out: Path, quick: bool = False) -> Path:
    work = Path(tempfile.mkdtemp(prefix="zhibiao-bench-"))
    env = {**os.environ, "ZHIBIAO_HOME": str(work / "home")}
    os.environ["ZHIBIAO_HOME"] = env["ZHIBIAO_HOME"]
    rows: list[tuple[str, str, str]] = []
    for name, seconds in cold_starts(env):
        rows.append((f"冷启动：{name}", f"{seconds:.2f} s", "check < 0.5 s" if "check" in name else ""))
    seconds, distinct, n_tables = check_throughput()
    rows.append(("检查 1,000 个项目表（样例文档的 9 个项目轮流，单进程）", f"{seconds:.2f} s（{1000 / seconds:,.0f} 个/秒）",
                 "≥ 2,000 个/秒"))
    rows.append((f"检查 {n_tables} 张真实公开表（各一次，文字均未见过，单进程）",
                 f"{distinct:.2f} s（{n_tables / distinct:,.0f} 个/秒）", ""))
    for total in ([10_000] if quick else [10_000, 100_000]):
        build, med, p95 = retrieval_latency(total, work)
        rows.append((f"检索单个指标：{total:,} 条（建索引 {build:.0f} s）", f"中位 {med:.1f} ms，p95 {p95:.1f} ms", "中位 < 20 ms"))
    med, p95 = draft_latency()
    rows.append(("离线起草（40 个案例，预热后）", f"中位 {med:.0f} ms，p95 {p95:.0f} ms", "中位 < 300 ms"))
    n = 200 if quick else 1000
    rows.append((f"离线改写 {n:,} 个旧项目", f"{rewrite_throughput(n):.1f} s", "1,000 个 < 60 s"))
    ready, first = ui_first_response()
    rows.append(("网页：启动到可访问 / 首次起草响应", f"{ready:.1f} s / {first:.2f} s", ""))
    lines = ["# Benchmarks", "", f"Machine: {machine()}", f"Measured: {time.strftime('%Y-%m-%d %H:%M')}, "
             f"`zhibiao bench{' --quick' if quick else ''}`", "", "| 项目 | 结果 | 目标 |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n" + _kept_sections(out), encoding="utf-8")
    return out


def _kept_sections(out: Path) -> str:
    """The hand-measured sections of an existing benchmark file (from its first "## " heading on): the bench
    writes only the table above them."""
    if not out.exists():
        return ""
    text = out.read_text(encoding="utf-8")
    at = text.find("\n## ")
    return "\n" + text[at + 1:] if at >= 0 else ""
