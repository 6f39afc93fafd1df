"""The `zhibiao` command line. Each command translates errors once: one line in Chinese, non-zero exit."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from assistant.errors import ZhibiaoError

EXIT_FAIL_UNDER = 3
EXIT_INTERNAL = 70  # EX_SOFTWARE


def _cmd_check(args: argparse.Namespace) -> int:
    from assistant.documents import read_document
    from assistant.report import check_document, report_markdown

    doc, problems = read_document(args.file)
    report = check_document(doc, problems)
    fmt = args.format
    if args.output:
        out = Path(args.output)
        fmt_out = out.suffix.lstrip(".").lower() if out.suffix else fmt
        text = report.model_dump_json(indent=2) if fmt_out == "json" else report_markdown(report)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    if fmt == "json":
        print(report.model_dump_json(indent=2))
    elif fmt == "md":
        print(report_markdown(report))
    else:
        from assistant.terminal import print_report

        print_report(report, verbose=args.verbose)
        if args.output:
            print(f"报告已写入 {args.output}")
    if args.fail_under is not None:
        low = [p for p in report.projects if p.score < args.fail_under]
        if low:
            names = "、".join(f"{p.name}（{p.score:.0f}分）" for p in low)
            print(f"有{len(low)}个项目低于{args.fail_under:g}分：{names}", file=sys.stderr)
            return EXIT_FAIL_UNDER
    return 0


def build_parser() -> argparse.ArgumentParser:
    from assistant import cli_text

    cli_text.install()
    parser = argparse.ArgumentParser(
        prog="zhibiao",
        description="指标助手：起草、检查和改写预算项目支出绩效目标表。默认离线运行；配置 OPENAI_API_KEY/OPENAI_BASE_URL 后可使用大模型。",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令")

    p = sub.add_parser("check", help="检查文档中每个项目的绩效指标，给出评分和问题清单",
                       description="读取 .txt（Word 导出的纯文本）、.docx、.xlsx 或 .json，逐项目检查并评分（0–100）。")
    p.add_argument("file", help="要检查的文件")
    p.add_argument("--format", choices=["table", "json", "md"], default="table", help="输出格式（默认 table：终端表格）")
    p.add_argument("-o", "--output", help="把报告写入文件（.json 或 .md）")
    p.add_argument("--fail-under", type=float, metavar="SCORE", help=f"任一项目得分低于 SCORE 时以退出码 {EXIT_FAIL_UNDER} 结束（用于流水线把关）")
    p.add_argument("-v", "--verbose", action="store_true", help="显示提示级（info）问题和修改建议")
    p.set_defaults(func=_cmd_check)

    from assistant import cli_draft, cli_eval, cli_fill, cli_library, cli_rewrite, cli_ui

    cli_draft.add_parser(sub)
    cli_rewrite.add_parser(sub)
    cli_fill.add_parser(sub)
    cli_library.add_parser(sub)
    cli_eval.add_parser(sub)
    cli_ui.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from assistant.settings import apply_offline_env

    apply_offline_env()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except ZhibiaoError as exc:
        _error(str(exc))
        return 2
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `zhibiao check x | head`: the reader left, nothing is wrong
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a full disk, a read-only folder, a name too long: one line, no traceback
        from assistant.documents.outputs import os_error_message

        logging.getLogger(__name__).info("os error: %r", exc)
        _error(os_error_message(exc) + "；已写好的输出保持不变，未完成的部分已删除")
        return 2
    except (MemoryError, RecursionError) as exc:
        logging.getLogger(__name__).info("resource error: %r", exc)
        _error("输入过大或结构过深，无法处理")
        return 2
    except Exception as exc:  # a bug: one line for the user, the traceback in the log file
        where = _log_traceback()
        _error(f"内部错误，详情已写入 {where}，请发给维护人员")  # the exception's name is in the log
        return EXIT_INTERNAL


def _log_traceback() -> str:
    import os
    import traceback

    home = Path(os.environ.get("ZHIBIAO_HOME") or Path.home() / ".zhibiao")
    try:
        home.mkdir(parents=True, exist_ok=True)
        with open(home / "error.log", "a", encoding="utf-8") as fh:
            fh.write(traceback.format_exc() + "\n")
        return str(home / "error.log")
    except OSError:
        return "（日志无法写入）"


def _error(message: str) -> None:
    """One line on stderr, whatever the terminal's encoding (file names may not be valid UTF-8)."""
    text = f"错误：{message}".encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    print(text, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
