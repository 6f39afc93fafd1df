"""Reading a model's reply as a JSON object: reasoning stripped, fences and prose tolerated, small slips repaired.

The order is strict JSON first, then full-width punctuation turned back into JSON, then json_repair for slips
(trailing commas, single quotes). Reasoning (`<think>…</think>`, or everything before a lone `</think>`) is
removed before any of it, so braces in the model's thoughts are never taken for the answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

_THINK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.S | re.I)
_THINK_END = re.compile(r"</(?:think|thinking|reasoning)>", re.I)
_FENCE = re.compile(r"```[a-zA-Z]*\s*\n?(.*?)```", re.S)
# full-width quotes and separators at structural positions (next to braces, brackets, separators)
_OPEN_QUOTE = re.compile(r"(?<=[{\[,，:：])(\s*)“")
_CLOSE_QUOTE = re.compile(r"”(?=\s*[}\],，:：])")
_COLON = re.compile(r"(?<=\")\s*：\s*(?=[\"{\[\d\-tfn])")
_COMMA = re.compile(r"(?<=[\"}\]\d])\s*，\s*(?=[\"{\[])")


def strip_reasoning(text: str) -> str:
    """The reply without the model's reasoning blocks."""
    text = _THINK.sub("", text or "")
    parts = _THINK_END.split(text)
    return parts[-1].strip()


def _objects(text: str) -> list[dict[str, Any]]:
    """Every JSON object that starts at some '{' in the text and decodes strictly."""
    decoder, found, pos = json.JSONDecoder(), [], text.find("{")
    while pos != -1:
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            pos = text.find("{", pos + 1)
            continue
        if isinstance(obj, dict):
            found.append(obj)
        pos = text.find("{", end)
    return found


def _pick(objects: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    """The object holding the key (the largest one), else the largest object."""
    if not objects:
        return None
    keyed = [o for o in objects if key in o]
    return max(keyed or objects, key=lambda o: len(json.dumps(o, ensure_ascii=False)))


def halfwidth_json(text: str) -> str:
    """Full-width quotes and separators used as JSON punctuation turned into ASCII (string contents untouched)."""
    text = text.replace("｛", "{").replace("｝", "}").replace("［", "[").replace("］", "]")
    text = _OPEN_QUOTE.sub(lambda m: m.group(1) + '"', text)
    text = _CLOSE_QUOTE.sub('"', text)
    return _COMMA.sub(",", _COLON.sub(":", text))


def _repaired(text: str) -> dict[str, Any] | None:
    """json_repair's reading of the span from the first '{' to the last '}', if it is an object."""
    import json_repair

    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end <= start:
        return None
    try:
        data = json_repair.loads(text[start:end + 1])
    except Exception:  # json_repair raises little, but a reply is untrusted input
        return None
    return data if isinstance(data, dict) and data else None


def extract_json(text: str, key: str = "indicators") -> dict[str, Any]:
    """The JSON object in a reply (preferring one that holds `key`); ValueError when there is none."""
    body = strip_reasoning(text)
    fences = [m.group(1) for m in _FENCE.finditer(body)]
    for candidate in fences + [body]:
        found = _pick(_objects(candidate), key)
        if found is not None and (not key or key in found):
            return found
    for candidate in fences + [body]:
        found = _pick(_objects(halfwidth_json(candidate)), key)
        if found is not None and (not key or key in found):
            return found
    for candidate in fences + [body]:
        found = _repaired(halfwidth_json(candidate))
        if found is not None:
            return found
    found = _pick(_objects(body), key)
    if found is not None:
        return found
    raise ValueError("回复中没有完整的 JSON 对象")
