"""`zhibiao draft`: propose a complete 绩效目标表 for one project."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_draft(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from assistant.brief import Brief
    from assistant.draft import draft
    from assistant.errors import InputError, validation_message

    try:
        brief = Brief(name=args.name, purpose=args.purpose or "", budget=args.budget, year=args.year,
                      layout=args.layout, department=args.department or "", code=args.code or "")
    except ValidationError as exc:
        raise InputError(validation_message(exc, Brief)) from exc
    result = draft(brief, drafter=args.drafter)
    fmt = args.format
    if args.output and fmt == "table":
        fmt = Path(args.output).suffix.lstrip(".").lower() or "json"
    if fmt in ("docx", "xlsx"):
        if not args.output:
            raise InputError(f"输出 {fmt} 需要用 -o 指定文件名")
        from assistant.documents import write_document
        from assistant.models import Document

        write_document(Document(title=result.sheet.name, department=brief.department, year=brief.year,
                                projects=[result.sheet]), args.output, fmt)
        print(f"已写入 {args.output}（得分 {result.score:.0f}）")
        return _exit_code(result, args)
    if fmt == "json":
        from assistant.cli_fill import draft_json

        text = draft_json(result)
    elif fmt == "md":
        from assistant.documents import sheet_markdown

        text = sheet_markdown(result.sheet) + "\n" + _findings_md(result)
    else:
        from assistant.terminal import print_draft

        print_draft(result)
        return _exit_code(result, args)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"已写入 {args.output}（得分 {result.score:.0f}）", file=sys.stderr)
    else:
        print(text)
    return _exit_code(result, args)


EXIT_PARTIAL = 4


def _exit_code(result, args: argparse.Namespace) -> int:
    """0, or EXIT_PARTIAL when the model's repairs ran out with errors left and --allow-partial was not given."""
    if not getattr(result, "partial", False) or args.allow_partial:
        return 0
    print("草稿未达标（需修改）：" + "；".join(result.notes[-1:]) + f"。如仍要接受，请加 --allow-partial（退出码 {EXIT_PARTIAL}）",
          file=sys.stderr)
    return EXIT_PARTIAL


def _findings_md(result) -> str:
    lines = [f"**得分：{result.score:.0f}**", ""]
    lines += [f"- {f.rule}（{f.severity}）{f.indicator or '整表'}：{f.message}" for f in result.findings]
    lines += ["", "参考示范指标：" + "；".join(f"{s.name}（{s.id}）" for s in result.sources)]
    return "\n".join(lines) + "\n"


def add_parser(sub) -> None:
    p = sub.add_parser("draft", help="为一个项目起草完整的绩效目标表",
                       description="根据项目名称、资金用途和预算起草绩效目标表。默认离线（示范指标库）；配置大模型接口后可用 --drafter llm。")
    p.add_argument("--name", required=True, help="项目名称")
    p.add_argument("--purpose", help="资金用途/项目内容，写明数量更好（如“养护农村公路186公里”）")
    p.add_argument("--budget", help="预算，如 295900.00 或 29.59万元")
    p.add_argument("--year", type=int, default=2026, help="预算年度（默认 2026）")
    p.add_argument("--layout", choices=["2015", "2021"], default="2015", help="指标体系：2015版或2021版（财预〔2021〕101号）")
    p.add_argument("--department", help="预算单位")
    p.add_argument("--code", help="项目编码")
    p.add_argument("--drafter", choices=["exemplar", "llm"], help="起草方式（默认：配置了大模型接口用 llm，否则 exemplar）")
    p.add_argument("--format", choices=["table", "json", "md", "docx", "xlsx"], default="table", help="输出格式")
    p.add_argument("-o", "--output", help="输出文件")
    p.add_argument("--allow-partial", action="store_true",
                   help=f"模型经多轮修改仍有错误时也以退出码 0 结束（默认退出码 {EXIT_PARTIAL}，表格照常输出）")
    p.set_defaults(func=cmd_draft)
