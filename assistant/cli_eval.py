"""`zhibiao eval run|compare` and `zhibiao bench`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def cmd_eval_run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from eval.harness import run_eval

    console = Console()
    with Progress(TextColumn("评估"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.fields[c]}"),
                  console=console, disable=args.quiet) as bar:
        task = bar.add_task("eval", total=None, c="")
        run = run_eval(drafter=args.drafter or "exemplar", cases_path=args.cases, out_dir=args.output,
                       limit=args.limit, judge_rounds=args.judge,
                       progress=lambda d, t, n: bar.update(task, completed=d, total=t, c=n))
    console.print(run.summary_markdown())
    console.print(f"报告已写入 {run.out_dir}（summary.md、summary.html、cases.jsonl、*.png）")
    if args.fail_under is not None:
        value = run.means()[args.metric]
        if value < args.fail_under:
            print(f"{args.metric} = {value:.3f}，低于 {args.fail_under}", file=sys.stderr)
            return 3
    return 0


def cmd_eval_compare(args: argparse.Namespace) -> int:
    from eval.compare import compare, compare_markdown

    result = compare(args.run_a, args.run_b)
    text = compare_markdown(result)
    if args.output:
        Path(args.output).write_text(text if args.output.endswith(".md") else json.dumps(result, ensure_ascii=False, indent=2),
                                     encoding="utf-8")
    print(text)
    return 0


def cmd_eval_calibrate(args: argparse.Namespace) -> int:
    from eval.calibration import calibrate, calibration_markdown, load_tables
    from eval.charts import calibration_chart

    result = calibrate(load_tables(Path(args.tables) if args.tables else None))
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    (out / "calibration.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "calibration.md").write_text(calibration_markdown(result), encoding="utf-8")
    scores = {label: [r["score"] for r in result["tables"] if r["label"] == label] for label in ("good", "mixed", "vague")}
    calibration_chart(scores, out / "calibration.png")
    print(calibration_markdown(result).split("\n\n| 编号")[0])
    print(f"报告已写入 {out}（calibration.md、calibration.json、calibration.png）")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from eval.bench import run_bench

    path = run_bench(out=Path(args.output), quick=args.quick)
    print(path.read_text(encoding="utf-8"))
    return 0


def add_parser(sub) -> None:
    ev = sub.add_parser("eval", help="用案例集评估起草和改写质量，或对比两次评估",
                        description="评估起草器在内置案例集（eval/cases/*.jsonl）上的表现，输出逐案例 JSONL、汇总报告和图表。")
    esub = ev.add_subparsers(dest="eval_command", metavar="子命令", required=True)
    p = esub.add_parser("run", help="运行评估")
    p.add_argument("--cases", help="案例文件（.jsonl；默认内置的起草、改写案例和真实表改写案例；real_tables 只跑由 60 张真实表中好表和一般表构成的改写案例）")
    p.add_argument("--drafter", choices=["exemplar", "llm"], help="起草方式（默认 exemplar）")
    p.add_argument("-o", "--output", default="runs/latest", help="输出目录（默认 runs/latest）")
    p.add_argument("--limit", type=int, help="只取 N 个案例（均匀抽取）")
    p.add_argument("--judge", type=int, default=0, metavar="N", help="用大模型评审 N 次并报告方差（需配置接口）")
    p.add_argument("--fail-under", type=float, help="指标均值低于此值时以退出码 3 结束（用于 CI 把关）")
    p.add_argument("--metric", default="validator_score", help="--fail-under 所用指标（默认 validator_score）")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_eval_run)
    p = esub.add_parser("compare", help="对比两次评估：逐案例差值和配对 bootstrap 区间")
    p.add_argument("run_a")
    p.add_argument("run_b")
    p.add_argument("-o", "--output", help="写入 .md 或 .json")
    p.set_defaults(func=cmd_eval_compare)

    p = esub.add_parser("calibrate", help="用真实公开的绩效目标表校准评分：各标签得分分布与 AUC",
                        description="对带标签（good/mixed/vague）的真实绩效目标表评分，报告 AUC、各标签均值和分布图。")
    p.add_argument("--tables", help="表文件（.jsonl，格式同 eval/cases/real_tables.jsonl；默认内置的 60 张表：real_tables.jsonl 的 40 张与 real_tables_web.jsonl 的 20 张）")
    p.add_argument("-o", "--output", default="runs/calibration", help="输出目录（默认 runs/calibration）")
    p.set_defaults(func=cmd_eval_calibrate)

    b = sub.add_parser("bench", help="性能基准：冷启动、检查吞吐、检索延迟、起草、改写、网页首次响应")
    b.add_argument("-o", "--output", default="docs/benchmarks.md", help="写入的 Markdown 文件")
    b.add_argument("--quick", action="store_true", help="小规模快速运行（检索只测 1 万条）")
    b.set_defaults(func=cmd_bench)
