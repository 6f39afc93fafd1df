"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol and plays scripts.

Each request takes the next behaviour from the script (the last one repeats). Behaviours:
  valid, defective                -> a table (as content, tool call or SSE stream, whatever the request asks for)
  reject_json_schema              -> 422 like DeepSeek when response_format is json_schema, else valid
  reject_tools                    -> 400 "does not support tools" when tools are sent, else valid
  dashscope                       -> json_schema 400; json_object without the word json 400; else valid
  rate_limit                      -> 429 with Retry-After: 0
  server_error                    -> 500
  slow                            -> sleeps `slow_seconds`, then valid
  malformed                       -> 200 with broken JSON content
  truncated                       -> 200 with half a JSON and finish_reason "length"
  garbage                         -> 200 with a body that is not JSON at all
  judge                           -> a rubric score object, as the evaluation judge expects
  fenced                          -> the table inside prose and a ```json fence (Ollama), as content
  think_braces                    -> <think> reasoning holding braces and a decoy object, then the table
  reasoning                       -> reasoning_content with braces next to a clean table (DeepSeek reasoner)
  fullwidth                       -> the table written with full-width quotes, colons and commas
  choices_empty / choices_null    -> 200 with "choices": [] / null
  html_200 / error_200            -> 200 with a login page / with an {"error": ...} object
  echo_400                        -> 400 whose message echoes the Authorization header it received
  hang                            -> accepts the request and never answers (until `hang_seconds` or shutdown)
  retry_after_long                -> 429 with Retry-After: 300 (beyond any client's wait cap)
Every request first waits `delay_seconds` (a slow but healthy server). Run as a script to serve on a fixed port:
  python3 tests/openai_server.py --port 8765 --delay 3 valid
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from good_sheets import GOOD_SHEETS
except ImportError:  # run as a script from the repository root
    from tests.good_sheets import GOOD_SHEETS

# what a reasoning model thinks before answering: braces, a {X:…} template and a decoy object
THOUGHTS = ("用户要一张绩效目标表。模板里写的是 {X:…} 的形式，比如 {数量:2辆}。先试一个草稿 "
            '{"goal": "草稿", "indicators": []}，不对，指标要9～15个。')


def table_json(defective: bool = False) -> str:
    sheet = GOOD_SHEETS["vehicle"]
    rows = []
    for r in sheet["indicators"]:
        level1 = {"服务对象满意度指标": "满意度指标"}.get(r["level2"], "效益指标" if "效益" in r["level2"] or "可持续" in r["level2"] else "产出指标")
        rows.append({"level1": level1, **r})
    if defective:
        rows[0] = {**rows[0], "value": "≥100%"}
        rows[4] = {**rows[4], "value": "365天"}
        rows[2] = {**rows[2], "description": rows[2]["name"], "basis": rows[2]["name"]}
    return json.dumps({"goal": sheet["goals"][0], "indicators": rows}, ensure_ascii=False)


def fullwidth(text: str) -> str:
    """A JSON text re-punctuated the way some models write it: “key”：“value”，…"""
    data = json.dumps(json.loads(text), ensure_ascii=False, separators=("，", "："))
    out, quotes = [], 0
    for ch in data:
        if ch == '"':
            out.append("“" if quotes % 2 == 0 else "”")
            quotes += 1
        else:
            out.append(ch)
    return "".join(out)


def dress(behaviour: str, content: str) -> str:
    """The table as a given kind of model wraps it in its content."""
    if behaviour == "fenced":
        return f"好的，以下是绩效目标表：\n```json\n{content}\n```\n如需调整请告诉我。"
    if behaviour == "think_braces":
        return f"<think>{THOUGHTS}</think>\n{content}"
    if behaviour == "fullwidth":
        return fullwidth(content)
    return content


class ScriptedServer:
    def __init__(self, script: list[str] | None = None, slow_seconds: float = 5.0, delay_seconds: float = 0.0,
                 hang_seconds: float = 60.0, port: int = 0) -> None:
        self.script = list(script or ["valid"])
        self.slow_seconds, self.delay_seconds, self.hang_seconds = slow_seconds, delay_seconds, hang_seconds
        self.stopped = threading.Event()
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                behaviour = server._next(body)
                server._respond(self, body, behaviour)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "ScriptedServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _next(self, body: dict) -> str:
        with self._lock:
            self.requests.append(body)
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    # -- responses --------------------------------------------------------------------------------
    def _respond(self, h: BaseHTTPRequestHandler, body: dict, behaviour: str) -> None:
        if self.delay_seconds:
            self.stopped.wait(self.delay_seconds)
        if self._fault(h, behaviour):
            return
        fmt = (body.get("response_format") or {}).get("type")
        text_all = json.dumps(body.get("messages", []), ensure_ascii=False).lower()
        if behaviour == "reject_json_schema":
            if fmt == "json_schema":
                return self._error(h, 422, "Failed to deserialize the JSON body into the target type: response_format: "
                                           "This response_format type is unavailable now")
            behaviour = "valid"
        if behaviour == "reject_tools":
            if body.get("tools"):
                return self._error(h, 400, "registry.ollama.ai/library/model does not support tools")
            behaviour = "valid"
        if behaviour == "dashscope":
            if fmt == "json_schema":
                return self._error(h, 400, "<400> InternalError.Algo.InvalidParameter: The response_format type "
                                           "json_schema is not supported")
            if body.get("tools"):
                return self._error(h, 400, "<400> InternalError.Algo.InvalidParameter: tool_choice is not supported")
            if fmt == "json_object" and "json" not in text_all:
                return self._error(h, 400, "<400> InternalError.Algo.InvalidParameter: 'messages' must contain the word "
                                           "'json' in some form, to use 'response_format' of type 'json_object'.")
            behaviour = "valid"
        if behaviour == "rate_limit":
            return self._error(h, 429, "Rate limit reached for requests", headers={"Retry-After": "0"})
        if behaviour == "server_error":
            return self._error(h, 500, "The server had an error while processing your request.")
        if behaviour == "slow":
            time.sleep(self.slow_seconds)
            behaviour = "valid"
        if behaviour == "garbage":
            return self._raw(h, 200, b"<html>502 Bad Gateway</html>", "text/html")
        finish = "stop"
        if behaviour == "judge":
            content = json.dumps({"completeness": 4, "measurability": 5, "relevance": 4, "reasonableness": 3, "basis": 4,
                                  "reason": "指标较完整"}, ensure_ascii=False)
        elif behaviour == "malformed":
            content = '{"goal": "2025年", "indicators": [{"level1": "产出指标", "level2": '
        elif behaviour == "truncated":
            full = table_json()
            content, finish = full[: len(full) // 2], "length"
        else:
            content = table_json(defective=behaviour == "defective")
        if body.get("stream"):
            return self._stream(h, body, dress(behaviour, content), finish)
        message: dict = {"role": "assistant", "content": dress(behaviour, content)}
        if behaviour == "reasoning":
            message["reasoning_content"] = THOUGHTS
        if body.get("tools"):
            name = body["tools"][0]["function"]["name"]
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": name, "arguments": content}}]}
            finish = "tool_calls" if finish == "stop" else finish
        payload = {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                   "model": body.get("model", "test"),
                   "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                   "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500}}
        self._raw(h, 200, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json")

    def _fault(self, h: BaseHTTPRequestHandler, behaviour: str) -> bool:
        """Answer with one of the protocol-level faults; False when the behaviour is not one."""
        if behaviour == "hang":
            self.stopped.wait(self.hang_seconds)
            return True
        if behaviour == "retry_after_long":
            self._error(h, 429, "Rate limit reached for requests", headers={"Retry-After": "300"})
        elif behaviour == "echo_400":
            self._error(h, 400, f"Invalid request; your headers were Authorization: {h.headers.get('Authorization')}")
        elif behaviour == "html_200":
            self._raw(h, 200, "<html><body><form>请登录 统一身份认证</form></body></html>".encode(), "text/html")
        elif behaviour in ("error_200", "choices_empty", "choices_null"):
            payload: dict = {"error": {"message": "upstream model overloaded", "code": 500}}
            if behaviour != "error_200":
                payload = {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                           "model": "test", "choices": [] if behaviour == "choices_empty" else None}
            self._raw(h, 200, json.dumps(payload).encode(), "application/json")
        else:
            return False
        return True

    def _stream(self, h, body, content: str, finish: str) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.end_headers()
        pieces = [content[i:i + 40] for i in range(0, len(content), 40)]
        for n, piece in enumerate(pieces):
            chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()),
                     "model": body.get("model", "test"),
                     "choices": [{"index": 0, "delta": {"content": piece} if n else {"role": "assistant", "content": piece},
                                  "finish_reason": None}]}
            h.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode("utf-8"))
            h.wfile.flush()
        end = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()),
               "model": body.get("model", "test"), "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
        h.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode("utf-8"))
        h.wfile.flush()

    @staticmethod
    def _error(h, status: int, message: str, headers: dict | None = None) -> None:
        body = json.dumps({"error": {"message": message, "type": "invalid_request_error", "code": status}}).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    @staticmethod
    def _raw(h, status: int, data: bytes, ctype: str) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout) before the answer
            pass


def main() -> None:
    """Serve a script on a fixed port until interrupted (for measuring the CLI against it)."""
    import argparse

    parser = argparse.ArgumentParser(description="scripted OpenAI-protocol server on 127.0.0.1")
    parser.add_argument("script", nargs="*", default=["valid"])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds every request waits first")
    args = parser.parse_args()
    with ScriptedServer(args.script, delay_seconds=args.delay, port=args.port) as srv:
        print(srv.base_url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
