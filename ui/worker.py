"""The page's work in a worker process, replaced by a fresh one when the server is idle (issue #17).

Drafting thousands of tables leaves the server's heap with pages that live objects keep scattered over it: no gc,
malloc_trim or allocator gave them back (idle RSS stayed 61 MB, 14 %, above the warm-up baseline after 3,000
drafts). A fresh process is its baseline. So the server (gradio) keeps only the page, and everything that drafts,
searches, reads or writes documents runs here (ui.work); after the idle trim's quiet minute the used worker is
stopped and a fresh one started and warmed, while nobody waits.

- A new interpreter (`python -m ui.worker`), never a fork: the server has threads (uvicorn, gradio, chroma's), and a
  forked child would inherit their locks. Not multiprocessing's spawn either: it imports the server's main script
  again in the child, which fails for a script without a `__main__` guard.
- Only one worker process opens the chroma store at a time: the old one has ended before the new one starts
  (PersistentClient is for one process: https://github.com/chroma-core/chroma/issues/7040).
- Requests go over one pipe, replies come back over another. The worker runs each request on a thread of its own (up
  to `threads`), so a long rewrite does not hold up a draft. Progress reports come back as they happen.
- A worker that dies (killed, out of memory) fails the requests it had with a Chinese message; the next request
  starts a new one.
- When the server's pipe closes (the server ended, even by SIGKILL), the worker finishes what it has and exits.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from assistant.errors import ZhibiaoError

log = logging.getLogger("zhibiao.ui")

READY_TIMEOUT = 900.0  # a first start may build the store (a minute or two on a slow machine)


class WorkerUserError(ZhibiaoError):
    """An error the user can act on, raised in the worker; its message is already the user's."""


class WorkerDied(ZhibiaoError):
    def __init__(self) -> None:
        super().__init__("后台处理进程意外退出，本次操作未完成；已自动重新启动，请重试。")


class Worker:
    """One worker process at a time, and the requests waiting for it."""

    def __init__(self, threads: int = 8) -> None:
        self.threads = threads
        self._lock = threading.Lock()  # the current process and its pipe; sending
        self._jobs: dict[int, tuple[int, queue.SimpleQueue]] = {}
        self._ids = itertools.count(1)
        self.generation = 0
        self.calls = 0  # requests sent to the current process
        self.started = 0  # processes started, the first one included
        self._proc: subprocess.Popen | None = None
        self._send = None
        self._ready = threading.Event()
        self._ended: set[int] = set()  # generations whose replies have ended (the process is gone or going)
        with self._lock:
            self._start()

    # -- the process ---------------------------------------------------------------------------------------
    def _start(self) -> None:
        """Start a new process (with the lock held); it warms up, says it is ready, then reads requests."""
        from multiprocessing.connection import Connection

        req_read, req_write = os.pipe()
        rep_read, rep_write = os.pipe()
        env = dict(os.environ)
        here = str(Path(__file__).resolve().parent.parent)  # the checkout, when the package is not installed
        env["PYTHONPATH"] = os.pathsep.join([here, *filter(None, [env.get("PYTHONPATH")])])
        try:
            proc = subprocess.Popen([sys.executable, "-m", "ui.worker", str(req_read), str(rep_write), str(self.threads)],
                                    pass_fds=(req_read, rep_write), stdin=subprocess.DEVNULL, env=env)
        finally:
            os.close(req_read)
            os.close(rep_write)
        self.generation += 1
        self.started += 1
        self.calls = 0
        self._proc, self._send = proc, Connection(req_write, readable=False)
        self._ready = threading.Event()
        threading.Thread(target=self._read, args=(Connection(rep_read, writable=False), self.generation, self._ready),
                         daemon=True, name=f"zhibiao-worker-replies-{self.generation}").start()

    def _read(self, conn, generation: int, ready: threading.Event) -> None:
        """Hand every reply to the request waiting for it; when the process ends, fail the ones still waiting."""
        while True:
            try:
                job, kind, payload = conn.recv()
            except (EOFError, OSError):
                break
            except Exception:  # noqa: BLE001  a reply that cannot be unpickled: a bug, logged; the others go on
                log.exception("worker reply unreadable")
                continue
            if job == 0 and kind == "ready":
                ready.set()
                continue
            with self._lock:
                waiting = self._jobs.get(job)
            if waiting:
                waiting[1].put((kind, payload))
        conn.close()
        ready.set()
        with self._lock:  # under the lock a request either sees this generation ended or is failed here
            self._ended.add(generation)
            lost = [q for gen, q in self._jobs.values() if gen == generation]
        for q in lost:
            q.put(("died", None))

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> bool:
        return self._ready.wait(timeout)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _stop_locked(self, timeout: float) -> None:
        proc, send = self._proc, self._send
        self._proc = self._send = None
        if send is not None:
            send.close()  # the worker reads EOF, finishes what it has, and exits
        if proc is not None:
            for wait, end in ((timeout, proc.terminate), (5, proc.kill), (5, None)):
                try:
                    proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    if end is not None:
                        end()

    def busy(self) -> bool:
        """A request is waiting for its answer."""
        with self._lock:
            return bool(self._jobs)

    def recycle(self, wait: bool = True) -> bool:
        """Replace a used, idle process by a fresh one; False (nothing done) when it has had no request since it
        started or one is still running."""
        with self._lock:
            if self.calls == 0 and self.alive():
                return False
            if any(gen == self.generation for gen, _ in self._jobs.values()):
                return False
            self._stop_locked(timeout=30)
            self._start()
            ready = self._ready
        if wait:
            ready.wait(READY_TIMEOUT)
        return True

    def stop(self, timeout: float = 10) -> None:
        with self._lock:
            self._stop_locked(timeout)

    # -- requests ------------------------------------------------------------------------------------------
    def call(self, name: str, *args, progress: Callable[..., Any] | None = None) -> Any:
        """Run ui.work.<name>(*args) in the worker and return its result; `progress(done, total, text)` is called
        here, on the caller's thread, as the worker reports."""
        if name not in _exposed():
            raise ValueError(f"not a worker function: {name}")
        answers: queue.SimpleQueue = queue.SimpleQueue()
        with self._lock:
            # a killed process can look alive for a moment after its replies ended: nobody would answer then
            if not self.alive() or self.generation in self._ended:
                if self._proc is not None:
                    log.warning("worker process %s ended (exit code %s); starting a new one", self._proc.pid,
                                self._proc.returncode)
                self._stop_locked(timeout=1)
                self._start()
            job = next(self._ids)
            self._jobs[job] = (self.generation, answers)
            self.calls += 1
            try:
                self._send.send((job, name, args, progress is not None))
            except (OSError, ValueError):  # the process is ending (killed a moment ago): nothing of this request ran
                self._stop_locked(timeout=1)
                self._start()
                self._jobs[job] = (self.generation, answers)
                self.calls += 1
                self._send.send((job, name, args, progress is not None))
        try:
            while True:
                kind, payload = answers.get()
                if kind == "progress" and progress is not None:
                    progress(*payload)
                elif kind == "ok":
                    return payload
                elif kind == "user":
                    raise WorkerUserError(payload)
                elif kind == "bug":
                    raise RuntimeError(payload)
                elif kind == "died":
                    raise WorkerDied()
        finally:
            with self._lock:
                self._jobs.pop(job, None)


def _exposed() -> tuple[str, ...]:
    from ui.work import EXPOSED

    return EXPOSED


# -- in the worker process -------------------------------------------------------------------------------------
def serve(requests, replies, threads: int = 8) -> None:
    """The worker's main: warm up, say ready, then run each request on a thread until the server's pipe closes."""
    import signal
    from concurrent.futures import ThreadPoolExecutor

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal is for the server, which stops us
    from assistant.settings import apply_offline_env

    apply_offline_env()
    from ui.body_limit import limit_malloc_arenas

    limit_malloc_arenas()
    sending = threading.Lock()

    def send(message: tuple) -> None:
        with sending:
            try:
                replies.send(message)
            except (OSError, EOFError):  # the server is gone; nobody is waiting
                pass
            except Exception as exc:  # noqa: BLE001  a result that cannot be pickled: a bug, reported as one
                log.exception("worker result not sendable")
                replies.send((message[0], "bug", f"result not sendable: {type(exc).__name__}"))

    start = time.perf_counter()
    try:
        from ui import work

        work.warm()
    except Exception:  # noqa: BLE001  the store could not load: every request will say why in its own words
        log.exception("worker warm-up failed")
    log.info("worker %s ready in %.1f s", os.getpid(), time.perf_counter() - start)
    send((0, "ready", os.getpid()))
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="zhibiao-work")
    while True:
        try:
            job, name, args, wants_progress = requests.recv()
        except (EOFError, OSError):
            break
        pool.submit(_run, send, job, name, args, wants_progress)
    pool.shutdown(wait=True)
    replies.close()


def _run(send, job: int, name: str, args: tuple, wants_progress: bool) -> None:
    from ui import work

    try:
        if name not in work.EXPOSED:
            raise ValueError(f"not a worker function: {name}")
        fn = getattr(work, name)
        if wants_progress:
            result = fn(*args, progress=lambda *p: send((job, "progress", p)))
        else:
            result = fn(*args)
    except BaseException as exc:  # noqa: BLE001  every failure goes back to the request, none ends the worker
        message = work.user_message(exc) if isinstance(exc, Exception) else None
        if message is None:
            log.exception("处理请求时出错（后台进程，%s）", name)
            send((job, "bug", f"{type(exc).__name__}: {exc}"[:2000]))
        else:
            send((job, "user", message))
        return
    send((job, "ok", result))


# -- the server's one worker ---------------------------------------------------------------------------------
_current: Worker | None = None
_current_lock = threading.Lock()


def enabled() -> bool:
    """ZHIBIAO_UI_WORKER=0 keeps the work in the server's own process (one process; memory not given back); so does
    a system other than Linux or macOS."""
    if os.name != "posix":  # the pipes are passed as inherited file descriptors
        return False
    return os.environ.get("ZHIBIAO_UI_WORKER", "1").strip().lower() not in ("0", "false", "no", "off")


def start() -> Worker:
    global _current
    with _current_lock:
        if _current is None:
            _current = Worker()
        return _current


def current() -> Worker | None:
    return _current


def stop() -> None:
    global _current
    with _current_lock:
        worker, _current = _current, None
    if worker is not None:
        worker.stop()


def busy() -> bool:
    worker = _current
    return worker.busy() if worker is not None else False


def recycle() -> bool:
    """The idle trim's step: a used worker replaced by a fresh, warmed one."""
    worker = _current
    return worker.recycle() if worker is not None else False


def run(name: str, *args, progress: Callable[..., Any] | None = None) -> Any:
    """ui.work.<name>(*args) in the worker when the server has one, else here."""
    worker = _current
    if worker is not None:
        return worker.call(name, *args, progress=progress)
    from ui import work

    fn = getattr(work, name)
    return fn(*args, progress=progress) if progress is not None else fn(*args)


def main(argv: list[str]) -> int:
    """`python -m ui.worker REQUESTS_FD REPLIES_FD THREADS`: started by Worker, never by hand."""
    from multiprocessing.connection import Connection

    if len(argv) != 3:
        print("ui.worker 由网页服务自动启动，不能单独运行。", file=sys.stderr)
        return 2
    requests, replies, threads = (int(x) for x in argv)
    serve(Connection(requests, writable=False), Connection(replies, readable=False), threads)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
