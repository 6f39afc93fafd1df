"""`zhibiao ui`: serve the web app."""

from __future__ import annotations

import argparse


def cmd_ui(args: argparse.Namespace) -> int:
    print(f"正在启动指标助手：http://{args.host}:{args.port} （Ctrl+C 退出）")
    from ui.app import launch

    launch(host=args.host, port=args.port, block=True)
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("ui", help="启动网页版（起草、批量改写、检查、评估、指标库）",
                       description="启动 Gradio 网页应用。默认只监听本机；设置 ZHIBIAO_UI_AUTH=用户名:密码 开启登录。")
    p.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1；局域网共享用 0.0.0.0）")
    p.add_argument("--port", type=int, default=7860, help="端口（默认 7860）")
    p.set_defaults(func=cmd_ui)
