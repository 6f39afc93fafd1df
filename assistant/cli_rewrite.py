"""`zhibiao rewrite`: rewrite the vague indicators of legacy documents (a file or a folder of them)."""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant.errors import InputError, ZhibiaoError


def outputs_for(input_path: Path, output: Path) -> list[tuple[str, Path]]:
    """Formats to write: .docx -> .docx, .xlsx -> .xlsx, .txt -> .docx and .txt, .json -> .json."""
    suffix = input_path.suffix.lower()
    if suffix == ".txt" or suffix == "":
        return [("docx", output.with_suffix(".docx")), ("txt", output.with_suffix(".txt"))]
    fmt = {".docx": "docx", ".xlsx": "xlsx", ".json": "json"}.get(suffix)
    if fmt is None:
        raise InputError(f"不支持的输入格式：{input_path}")
    return [(fmt, output.with_suffix("." + fmt))]


def rewrite_file(input_path: Path, output: Path, drafter, args: argparse.Namespace, console) -> tuple[bool, str]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from assistant.batch import Checkpoint, rewrite_document
    from assistant.documents import read_document, write_document
    from assistant.rewrite_report import write_reports

    doc, problems = read_document(input_path)
    checkpoint = Checkpoint(output.with_name(output.name + ".checkpoint.jsonl"))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[current]}"), console=console, transient=False,
                  disable=args.quiet) as bar:
        task = bar.add_task(f"改写 {input_path.name}", total=len(doc.projects), current="")

        def progress(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, current=name[:30])

        run = rewrite_document(doc, drafter, keep_good=not args.rewrite_all, concurrency=args.concurrency,
                               checkpoint=checkpoint, resume=args.resume, progress=progress, problems=problems)
    output.parent.mkdir(parents=True, exist_ok=True)
    written = [write_document(run.document, path, fmt) for fmt, path in outputs_for(input_path, output)]
    written += write_reports(run, output.with_suffix(""))
    if not run.failed:
        checkpoint.clear()
    before = sum(p.before.score for p in run.projects) / max(1, len(run.projects))
    after = sum((p.after or p.before).score for p in run.projects) / max(1, len(run.projects))
    console.print(f"{input_path.name}：{len(run.projects)} 个项目，平均得分 {before:.1f} → {after:.1f}"
                  + (f"，续跑 {run.resumed} 个" if run.resumed else ""))
    for p in problems:
        console.print(f"[yellow]读取问题：[/]{p}")
    for p in run.failed:
        console.print(f"[red]改写失败：[/]{p.name}：{p.error}（原表已保留，可用 --resume 重试）")
    console.print("输出：" + "、".join(str(w) for w in written))
    return not run.failed, ""


def cmd_rewrite(args: argparse.Namespace) -> int:
    from rich.console import Console

    from assistant.draft import get_drafter

    console = Console()
    source = Path(args.input)
    if not source.exists():
        raise InputError(f"输入不存在：{source}")
    drafter = get_drafter(args.drafter)
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.suffix.lower() in (".txt", ".docx", ".xlsx", ".json"))
        if not files:
            raise InputError(f"文件夹 {source} 中没有 .txt/.docx/.xlsx/.json 文件")
        out_dir = Path(args.output)
        ok = True
        for f in files:
            try:
                ok &= rewrite_file(f, out_dir / (f.stem + "_改写"), drafter, args, console)[0]
            except ZhibiaoError as exc:  # a corrupt file is reported; the other files go on
                ok = False
                console.print(f"[red]跳过：[/]{exc}")
        return 0 if ok else 1
    output = Path(args.output)
    ok, _ = rewrite_file(source, output, drafter, args, console)
    return 0 if ok else 1


def add_parser(sub) -> None:
    p = sub.add_parser("rewrite", help="批量改写旧绩效目标表中不规范的指标",
                       description="逐项目检查并改写不规范的指标，保留项目编码、名称、预算、支出计划和合格的指标；"
                                   "输出新文档和改写前后对照报告（.json/.md/.html/.xlsx）。中断后可用 --resume 续跑。")
    p.add_argument("input", help=".docx、.xlsx、Word 导出的 .txt、.json，或包含这些文件的文件夹")
    p.add_argument("-o", "--output", required=True, help="输出文件（不含扩展名也可）；输入为文件夹时为输出文件夹")
    p.add_argument("--drafter", choices=["exemplar", "llm"], help="改写方式（默认：配置了大模型接口用 llm，否则 exemplar）")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--keep-good", dest="rewrite_all", action="store_false", default=False,
                       help="保留没有错误的指标（默认）")
    group.add_argument("--rewrite-all", dest="rewrite_all", action="store_true", help="全部指标都改写")
    p.add_argument("--concurrency", type=int, default=1, help="同时改写的项目数（大模型方式可设 2～8，默认 1）")
    p.add_argument("--resume", action="store_true", help="从上次中断处继续（已完成的项目不重做）")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度条")
    p.set_defaults(func=cmd_rewrite)
