"""`zhibiao rewrite`: rewrite the vague indicators of legacy documents (a file or a folder of them)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from assistant.errors import InputError, ZhibiaoError

log = logging.getLogger(__name__)
INPUT_SUFFIXES = (".txt", ".docx", ".xlsx", ".json")
_KNOWN_SUFFIXES = INPUT_SUFFIXES + (".md",)
FOLDER_LOCK = ".zhibiao.lock"
FOLDER_LEDGER = ".zhibiao-folder.jsonl"
REPORT_SUFFIXES = (".report.json", ".report.md", ".report.html", ".report.xlsx")


def _stem(output: Path) -> Path:
    """The output without a format suffix; other dots ("v1.2") belong to the name."""
    return output.with_suffix("") if output.suffix.lower() in _KNOWN_SUFFIXES else output


def outputs_for(input_path: Path, output: Path) -> list[tuple[str, Path]]:
    """Formats to write: .docx -> .docx, .xlsx -> .xlsx, .txt -> .docx and .txt, .json -> .json."""
    suffix = input_path.suffix.lower()
    stem = _stem(output)
    if suffix == ".txt" or suffix == "":
        return [("docx", stem.with_name(stem.name + ".docx")), ("txt", stem.with_name(stem.name + ".txt"))]
    fmt = {".docx": "docx", ".xlsx": "xlsx", ".json": "json"}.get(suffix)
    if fmt is None:
        raise InputError(f"不支持的输入格式：{input_path}")
    return [(fmt, stem.with_name(stem.name + "." + fmt))]


def checkpoint_path(output: Path) -> Path:
    return output.with_name(output.name + ".checkpoint.jsonl")


def planned_outputs(input_path: Path, output: Path) -> list[Path]:
    """Every file a rewrite of `input_path` to `output` writes: documents, reports and the checkpoint."""
    stem = _stem(output)
    return ([p for _, p in outputs_for(input_path, output)] + [stem.with_name(stem.name + s) for s in REPORT_SUFFIXES]
            + [checkpoint_path(output)])


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def rewrite_file(input_path: Path, output: Path, drafter, args: argparse.Namespace, console) -> tuple[bool, list[Path]]:
    """Rewrite one document; every output appears at once, after all of them were written."""
    from assistant.batch import Checkpoint, rewrite_document
    from assistant.documents import read_document

    doc, problems = read_document(input_path)
    checkpoint = Checkpoint(checkpoint_path(output))
    with _progress(console, args, input_path, len(doc.projects)) as progress:
        run = rewrite_document(doc, drafter, keep_good=not args.rewrite_all, concurrency=args.concurrency,
                               checkpoint=checkpoint, resume=args.resume, progress=progress, problems=problems,
                               year=getattr(args, "year", None))
    if checkpoint.torn:
        console.print(f"[yellow]注意：[/]检查点文件中有 {checkpoint.torn} 行不完整（上次运行被中断或磁盘已满），已忽略，"
                      "这些项目已重新改写")
    written = _write_outputs(run, input_path, output)
    if not run.failed:
        checkpoint.clear()
    _summary(console, input_path, run, problems, written)
    return not run.failed, written


class _progress:
    """A rich progress bar as a context manager that yields the batch's progress callback."""

    def __init__(self, console, args: argparse.Namespace, input_path: Path, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.fields[current]}"), console=console, transient=False,
                            disable=args.quiet)
        self.task = self.bar.add_task(f"改写 {_short(input_path.name, 30)}", total=total, current="")

    def __enter__(self):
        self.bar.__enter__()
        return lambda done, total, name: self.bar.update(self.task, completed=done, current=_short(name, 30))

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)


def _write_outputs(run, input_path: Path, output: Path) -> list[Path]:
    """Documents and reports go to a staging folder first, then are renamed into place together."""
    from assistant.documents import write_document
    from assistant.documents.outputs import Staging
    from assistant.facts_file import document_facts, write_facts_xlsx
    from assistant.rewrite_report import write_reports

    stem = _stem(output)
    with Staging(stem.parent, stem.name) as stage:
        for fmt, path in outputs_for(input_path, output):
            write_document(run.document, stage.path(path), fmt, like=input_path)
        write_reports(run, stage.path(stem))
        write_facts_xlsx(document_facts(run.document), stage.path(stem.with_name(stem.name + ".facts.xlsx")))
        return stage.commit()


def _summary(console, input_path: Path, run, problems: list[str], written: list[Path]) -> None:
    """A few lines per document; long names are cut so a summary never floods the terminal."""
    n = max(1, len(run.projects))
    before = sum(p.before.score for p in run.projects) / n
    after = sum((p.after or p.before).score for p in run.projects) / n
    console.print(f"{_short(input_path.name)}：{len(run.projects)} 个项目，平均得分 {before:.1f} → {after:.1f}"
                  + (f"，续跑 {run.resumed} 个" if run.resumed else ""), markup=False)
    console.print(readiness_line(run), markup=False)
    assumed = sorted({p.year for p in run.projects if p.year_source == "assumed" and p.year})
    if assumed:
        console.print(f"注意：文档未写明预算年度，已按 {'、'.join(map(str, assumed))} 年改写，请核对；"
                      "可用 --year 指定年度后重新运行", markup=False, style="yellow")
    for p in problems[:20]:
        console.print("读取问题：" + _short(p, 200), markup=False, style="yellow")
    if len(problems) > 20:
        console.print(f"读取问题：另有 {len(problems) - 20} 条，见报告", markup=False, style="yellow")
    for p in run.failed:
        console.print(f"改写失败：{_short(p.name, 40)}：{_short(p.error, 200)}（原表已保留，可用 --resume 重试）",
                      markup=False, style="red")
    console.print("输出：" + "、".join(_short(str(w), 120) for w in written), markup=False)


def readiness_line(run) -> str:
    """审核状态 of the rewritten projects: how many can be submitted, how many wait for facts (and how many facts)."""
    ready = waiting = fix = open_total = 0
    for p in run.projects:
        scores = (p.after or p.before).sub_scores
        open_total += scores.open
        state = scores.readiness
        ready, waiting, fix = ready + (state == "可提交"), waiting + (state == "待补充"), fix + (state == "需修改")
    text = f"审核状态：可提交 {ready} 个，待补充 {waiting} 个，需修改 {fix} 个"
    if open_total:
        text += f"；共待补充 {open_total} 项，见 .facts.xlsx，填好后用 zhibiao fill 填入"
    return text


def _single(source: Path, output: Path, drafter, args: argparse.Namespace, console) -> int:
    from assistant.documents.outputs import OutputLock, refuse_overwriting_inputs, short_stem

    if output.is_dir():
        output = output / (short_stem(source.stem) + "_改写")
    refuse_overwriting_inputs(planned_outputs(source, output), [source])
    stem = _stem(output)
    with OutputLock(stem.with_name(f".{short_stem(stem.name)}.lock")):
        ok, _ = rewrite_file(source, output, drafter, args, console)
    return 0 if ok else 1


def folder_inputs(source: Path) -> list[Path]:
    """The documents of a folder; this tool's own reports, checkpoints and hidden files are not inputs."""
    return sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES
                  and not p.name.startswith(".") and ".report." not in p.name and ".checkpoint." not in p.name)


def folder_outputs(files: list[Path], out_dir: Path) -> dict[Path, Path]:
    """Each input's output stem; inputs sharing a stem (a.txt, a.docx) keep their extension apart."""
    from assistant.documents.outputs import short_stem

    stems = [f.stem.lower() for f in files]
    named = {}
    for f in files:
        tag = f"_{f.suffix.lstrip('.').lower()}" if stems.count(f.stem.lower()) > 1 else ""
        named[f] = out_dir / f"{short_stem(f.stem)}{tag}_改写"
    return named


def _folder(source: Path, out_dir: Path, make_drafter, args: argparse.Namespace, console) -> int:
    """Every document of a folder; a bad file is reported and the others go on; --resume skips finished files."""
    from assistant.batch import FolderLedger
    from assistant.documents.outputs import OutputLock, refuse_overwriting_inputs, same_path

    if same_path(source, out_dir):
        raise InputError(f"输出文件夹不能是输入文件夹本身（{source}），请用 -o 指定另一个文件夹")
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"输入是文件夹，输出 {out_dir} 也应是文件夹，但它是一个文件")
    files = folder_inputs(source)
    if not files:
        raise InputError(f"文件夹 {source} 中没有 .txt/.docx/.xlsx/.json 文件")
    named = folder_outputs(files, out_dir)
    refuse_overwriting_inputs([p for f, o in named.items() for p in planned_outputs(f, o)], files)
    drafter = make_drafter()
    with OutputLock(out_dir / FOLDER_LOCK):
        ledger = FolderLedger(out_dir / FOLDER_LEDGER)
        done = ledger.finished() if args.resume else {}
        if not args.resume:
            ledger.clear()
        failed = [f for f in files if not _folder_file(f, named[f], drafter, args, console, ledger, done)]
        if not failed:
            ledger.clear()
    if failed:
        console.print(f"{len(files)} 个文件中 {len(failed)} 个未完成：" + "、".join(_short(f.name, 40) for f in failed),
                      markup=False)
    return 1 if failed else 0


def _folder_file(f: Path, output: Path, drafter, args, console, ledger, done: dict) -> bool:
    """One file of a folder run; True when it is finished (now or by an earlier run)."""
    from assistant.documents.outputs import os_error_message

    if done and ledger.is_done(done, f):
        console.print(f"已完成，跳过：{_short(f.name)}", markup=False)
        return True
    try:
        ok, written = rewrite_file(f, output, drafter, args, console)
    except ZhibiaoError as exc:  # a corrupt file is reported; the other files go on
        console.print(f"跳过：{_short(f.name)}：{exc}", markup=False, style="red")
        return False
    except OSError as exc:
        console.print(f"跳过：{_short(f.name)}：{os_error_message(exc)}", markup=False, style="red")
        return False
    except Exception:  # a bug must not cost the rest of the folder
        log.exception("rewrite of %s failed", f)
        console.print(f"跳过：{_short(f.name)}：内部错误，其余文件继续", markup=False, style="red")
        return False
    if ok:
        try:
            ledger.add(f, written)
        except OSError as exc:  # the outputs are complete; only a later --resume would redo this file
            log.warning("folder ledger not written: %s", exc)
    return ok


def _year_arg(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"年度应为四位数字，如 2024，而不是“{text}”") from None
    if not 2000 <= year <= 2100:
        raise argparse.ArgumentTypeError(f"年度 {year} 不在 2000～2100 之间")
    return year


def cmd_rewrite(args: argparse.Namespace) -> int:
    from rich.console import Console

    from assistant.draft import get_drafter

    console = Console()
    source = Path(args.input)
    if not source.exists():
        raise InputError(f"输入不存在：{source}")
    output = Path(args.output)
    if source.is_dir():
        return _folder(source, output, lambda: get_drafter(args.drafter), args, console)
    return _single(source, output, get_drafter(args.drafter), args, console)


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
    p.add_argument("--concurrency", type=int, default=1, help="同时改写的项目数（大模型方式可设 2～8，默认 1；离线方式受 CPU 限制，始终按 1 运行）")
    p.add_argument("--resume", action="store_true", help="从上次中断处继续（已完成的项目和文件不重做）")
    p.add_argument("--year", type=_year_arg, help="预算年度：文档未写明年度时按此年度改写（默认取文档中的年度；都没有时按今年，并在报告中注明）")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示进度条")
    p.set_defaults(func=cmd_rewrite)
