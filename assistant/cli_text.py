"""argparse's own texts in Chinese: usage, section titles, -h and the errors it prints."""

from __future__ import annotations

import argparse

ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必填参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效选项 %(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个取值",
    "expected at least one argument": "至少需要一个取值",
    "expected at most one argument": "最多一个取值",
    "invalid %(type)s value: %(value)r": "取值 %(value)r 无效（应为 %(type)s）",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是：%(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "忽略了多余的取值 %r",
    "one of the arguments %s is required": "必须提供以下参数之一：%s",
}


def _gettext(text: str) -> str:
    return ZH.get(text, text)


def install() -> None:
    """Make argparse speak Chinese (it looks its texts up through the module-level `_` at format time)."""
    argparse._ = _gettext  # type: ignore[attr-defined]
