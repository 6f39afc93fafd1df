"""`zhibiao library …`: build, search, import and describe the exemplar library."""

from __future__ import annotations

import argparse
import json
from collections import Counter


def _store(args: argparse.Namespace):
    from retrieval.store import ExemplarStore

    return ExemplarStore(embedding=getattr(args, "embedding", None) or None)


def cmd_build(args: argparse.Namespace) -> int:
    from rich.console import Console

    from assistant.settings import load_settings
    from retrieval.library import load_library
    from retrieval.store import load_user_records

    console = Console()
    store = _store(args)
    with console.status("正在建立指标库索引……"):
        stats = store.build(load_library(), extra=load_user_records(load_settings().data_path))
    where = store.url or str(store.path)
    console.print(f"已建立指标库：{stats.sets} 个项目类型、{stats.indicators} 个指标，向量模型 {stats.embedding}，"
                  f"用时 {stats.seconds:.1f} 秒（{where}）")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    store = _store(args).ensure()
    if args.indicators:
        hits = store.search_indicators(args.text, k=args.k, level2=args.level2, category=args.category,
                                       layout=args.layout)
    else:
        hits = store.search_sets(args.text, k=args.k, category=args.category)
    if args.format == "json":
        print(json.dumps([{"id": h.id, "score": round(h.score, 5), **h.metadata} for h in hits], ensure_ascii=False,
                         indent=2))
        return 0
    table = Table(title=f"“{args.text}”的检索结果")
    if args.indicators:
        for col in ("二级指标", "三级指标", "指标值", "依据", "来源"):
            table.add_column(col)
        for h in hits:
            m = h.metadata
            table.add_row(m.get("level2", ""), m.get("name", ""), m.get("value", ""), m.get("basis", ""),
                          m.get("set_name") or m.get("source", ""))
    else:
        for col in ("项目类型", "编号", "功能分类", "得分"):
            table.add_column(col)
        for h in hits:
            table.add_row(h.metadata.get("name", ""), h.id, h.metadata.get("category", ""), f"{h.score:.4f}")
    Console().print(table)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from assistant.settings import load_settings
    from retrieval.library import load_library
    from retrieval.store import load_user_records, save_user_records
    from retrieval.user_library import import_library

    console = Console()
    report = import_library(args.file, source=args.source or "")
    data_dir = load_settings().data_path
    if report.accepted:
        save_user_records(data_dir, report.accepted)
        with console.status("正在更新指标库索引……"):
            _store(args).build(load_library(), extra=load_user_records(data_dir))
    console.print(f"导入 {args.file}：接受 {len(report.accepted)} 行，拒绝 {len(report.rejected)} 行，"
                  f"带提示 {len(report.warnings)} 行")
    if report.rejected:
        table = Table(title="被拒绝的行（未导入）")
        for col in ("行号", "三级指标", "原因"):
            table.add_column(col)
        for row, name, reasons in report.rejected:
            table.add_row(str(row), name or "（空）", "；".join(reasons))
        console.print(table)
    if report.warnings and args.verbose:
        for row, name, notes in report.warnings:
            console.print(f"第{row}行 {name}：{'；'.join(notes)}")
    return 0 if report.accepted or not report.rejected else 1


def cmd_stats(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from assistant.settings import load_settings
    from retrieval.library import load_library
    from retrieval.store import load_user_records

    sets = load_library()
    table = Table(title="指标库")
    table.add_column("功能分类")
    table.add_column("项目类型数", justify="right")
    table.add_column("指标数", justify="right")
    per_cat = Counter(s.category for s in sets)
    per_ind = Counter()
    for s in sets:
        per_ind[s.category] += len(s.indicators)
    for cat, n in per_cat.most_common():
        table.add_row(cat, str(n), str(per_ind[cat]))
    console = Console()
    console.print(table)
    user = load_user_records(load_settings().data_path)
    console.print(f"合计 {len(sets)} 个项目类型、{sum(per_ind.values())} 个示范指标；用户导入指标 {len(user)} 个。")
    try:
        counts = _store(args).count()
        console.print(f"索引：项目类型 {counts['zb_sets_v1']}，指标 {counts['zb_indicators_v1']}。")
    except Exception as exc:  # a mismatch or a missing server is worth showing, not a crash
        console.print(f"[yellow]索引不可用：{exc}[/]")
    return 0


def add_parser(sub) -> None:
    lib = sub.add_parser("library", help="指标库：建立索引、检索、导入本单位指标库、统计",
                         description="示范指标库（retrieval/library/*.yaml）及其检索索引（chromadb，默认存放在 ~/.zhibiao/data）。")
    lsub = lib.add_subparsers(dest="library_command", metavar="子命令", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--embedding", choices=["e5", "ngram"], help="项目类型检索所用向量模型（默认 e5，离线内置）")

    p = lsub.add_parser("build", parents=[common], help="从头建立索引")
    p.set_defaults(func=cmd_build)

    p = lsub.add_parser("search", parents=[common], help="检索项目类型或单个指标")
    p.add_argument("text", help="项目名称、资金用途或指标名称")
    p.add_argument("--indicators", action="store_true", help="检索单个指标（默认检索项目类型）")
    p.add_argument("--level2", help="只看某个二级指标，如 质量指标")
    p.add_argument("--category", help="只看某个功能分类，如 教育")
    p.add_argument("--layout", choices=["2015", "2021"], help="只看适用于该指标体系的指标")
    p.add_argument("-k", type=int, default=5, help="返回条数（默认 5）")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_search)

    p = lsub.add_parser("import", parents=[common], help="导入本单位指标库（.xlsx/.csv/.json），逐行校验")
    p.add_argument("file")
    p.add_argument("--source", help="来源名称（默认取文件名）")
    p.add_argument("-v", "--verbose", action="store_true", help="显示带提示的行")
    p.set_defaults(func=cmd_import)

    p = lsub.add_parser("stats", parents=[common], help="统计指标库内容")
    p.set_defaults(func=cmd_stats)
