"""Errors the caller must fix (bad files, bad settings, unreachable endpoints), under one root.

What a model can fix is not an exception: it is a Finding that goes back into the repair loop.
"""

from __future__ import annotations

import re


class ZhibiaoError(Exception):
    """Root of every error this package raises on purpose; the message is for the user, in Chinese."""


class InputFileError(ZhibiaoError):
    """A file cannot be read as what it claims to be."""

    def __init__(self, path: str, problem: str, expected: str = "") -> None:
        self.path, self.problem, self.expected = str(path), problem, expected
        text = f"无法读取文件 {self.path}：{problem}"
        if expected:
            text += f"（应为：{expected}）"
        super().__init__(text)


class InputError(ZhibiaoError):
    """User input (a brief, an edit, a JSON object) is invalid."""


class ConfigError(ZhibiaoError):
    """Settings are missing or inconsistent."""


class LLMError(ZhibiaoError):
    """The model endpoint could not produce a draft."""


class EndpointError(LLMError):
    """HTTP-level failure after retries: rate limit, server error, timeout, refused connection, bad key."""


class ProtocolError(EndpointError):
    """The endpoint answered with something that is not an OpenAI chat completion (a login page, an error object)."""


class DeadlineError(EndpointError):
    """The overall time budget of one draft ran out before the model produced a usable table."""


class OutputError(LLMError):
    """Every attempt returned something that is not a usable table (malformed, truncated, empty)."""

    def __init__(self, message: str, attempts: list[str]) -> None:
        super().__init__(message)
        self.attempts = attempts


_SECRET_PATTERNS = re.compile(
    r"(?i)(bearer\s+)[^\s\"',;]+|\b(sk-[A-Za-z0-9_\-]{6,})|((?:api[_-]?key|token|authorization)[\"']?\s*[:=]\s*[\"']?(?:bearer\s+)?)"
    r"[^\s\"',;]+")


def redact(text: str, *secrets: str) -> str:
    """The text with configured secrets and anything shaped like a key or bearer token masked."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _SECRET_PATTERNS.sub(lambda m: (m.group(1) or m.group(3) or "") + "***", text)


# -- pydantic validation errors as one line of Chinese ----------------------------------------------------------
# a field's label is the part of its description before any explanation (预算规模（元） -> 预算规模); these fields'
# descriptions do not start with a usable name
_LABELS = {("Budget", "total"): "预算数", ("Budget", "fiscal"): "财政资金", ("Budget", "other"): "其他资金",
           ("ProjectSheet", "budget"): "预算", ("Brief", "budget"): "预算", ("ProjectSheet", "title"): "表题",
           ("Draft", "sheet"): "绩效目标表", ("Draft", "score"): "得分", ("Draft", "sub_scores"): "分项得分",
           ("Draft", "findings"): "问题清单", ("Draft", "sources"): "参考来源", ("Draft", "notes"): "说明",
           ("Draft", "partial"): "未完成标记", ("Draft", "trace"): "生成记录"}
_ITEM = {"projects": "个项目", "indicators": "条指标", "goals": "条年度绩效目标", "preface": "段前言文字"}
_TYPE_TAGS = re.compile(r"^(?:[a-z-]+\[.*\]|str|int|float|bool|decimal|none|list|dict|lax-[a-z-]+|json-or-python.*)$")
_PROBLEMS = {
    "missing": "缺少此项", "extra_forbidden": "不是可识别的字段", "string_type": "应为文字", "string_unicode": "应为文字",
    "int_type": "应为整数（如 2024）", "int_parsing": "应为整数（如 2024）", "int_from_float": "应为整数（如 2024）",
    "int_parsing_size": "数字过大", "float_type": "应为数字", "float_parsing": "应为数字", "decimal_type": "应为数字",
    "decimal_parsing": "应为数字", "finite_number": "应为有限的数字", "bool_type": "应为是或否", "bool_parsing": "应为是或否",
    "list_type": "应为列表", "tuple_type": "应为列表", "set_type": "应为列表", "dict_type": "应为对象（键值对）",
    "model_type": "应为对象（键值对）", "model_attributes_type": "应为对象（键值对）", "dataclass_type": "应为对象（键值对）",
    "recursion_loop": "嵌套过深", "too_long": "条目过多", "string_too_long": "过长", "too_short": "条目过少",
    "string_too_short": "不能为空", "greater_than": "数值过小", "greater_than_equal": "数值过小", "less_than": "数值过大",
    "less_than_equal": "数值过大", "date_type": "应为日期", "date_parsing": "应为日期", "none_required": "应为空",
}
_SPACES = re.compile(r"\s+")


def _field_model(annotation):
    """The pydantic model inside a field's type (Budget, list[Indicator], Optional[Brief]), or None."""
    import typing

    if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
        return annotation
    for arg in typing.get_args(annotation):
        found = _field_model(arg)
        if found is not None:
            return found
    return None


def _label(model, key: str) -> tuple[str, object]:
    """A field's Chinese label and the model its value is (or None)."""
    fields = getattr(model, "model_fields", {}) if model is not None else {}
    field = fields.get(key)
    if field is None:
        return f"“{_SPACES.sub(' ', key)[:20]}”", None
    label = _LABELS.get((model.__name__, key))
    if label is None:
        desc = field.description or ""
        label = re.split(r"[（(：:，,；;/ ]", desc, maxsplit=1)[0].strip() if re.match(r"[\u4e00-\u9fff]", desc) else ""
    return label or f"“{key}”", _field_model(field.annotation)


def _where(loc: tuple, model) -> str:
    parts: list[str] = []
    parent = ""
    for seg in loc:
        if isinstance(seg, int):
            unit = _ITEM.get(parent, "项")
            if parts and parent in _ITEM:
                parts[-1] = f"第{seg + 1}{unit}"
            else:
                parts.append(f"第{seg + 1}项")
            continue
        seg = str(seg)
        if _TYPE_TAGS.match(seg):
            continue
        if model is None and parent == "spending_plan":
            parts.append(f"“{_SPACES.sub(' ', seg)[:20]}”")
            continue
        label, model = _label(model, seg)
        if parts and label.startswith(parts[-1]):  # 预算 / 预算数 -> 预算数
            parts[-1] = label
        else:
            parts.append(label)
        parent = seg
    return "的".join(parts)


def _problem(err: dict) -> str:
    kind = err.get("type", "")
    if kind in ("value_error", "assertion_error"):
        msg = str(err.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if re.search(r"[\u4e00-\u9fff]", msg):
            return _SPACES.sub(" ", msg)[:80]
        return "格式不正确"
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
        return "只能是" + "或".join(f"“{e}”" for e in expected) if expected else "取值不在允许范围内"
    if kind == "string_too_long" and (err.get("ctx") or {}).get("max_length"):
        return f"过长（上限 {err['ctx']['max_length']} 字）"
    return _PROBLEMS.get(kind, "格式不正确")


def validation_message(exc, model=None, limit: int = 3) -> str:
    """A pydantic ValidationError as one line of Chinese naming each field and its problem
    (第2条指标的指标值：应为文字；预算的预算数：金额无法识别：'NaN'); `model` is the class that was validated,
    whose field descriptions give the names."""
    errors = exc.errors(include_url=False)
    items = []
    for err in errors[:limit]:
        where = _where(tuple(err.get("loc", ())), model)
        problem = _problem(err)
        label = where.rpartition("的")[2]
        items.append(f"{where}：{problem}" if where and not (label and problem.startswith(label)) else
                     (where.rpartition("的")[0] + "的" if "的" in where else "") + problem)
    text = "；".join(dict.fromkeys(items))
    if len(errors) > limit:
        text += f"（另有 {len(errors) - limit} 处）"
    return text
