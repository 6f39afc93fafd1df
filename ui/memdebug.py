"""Debug-only: what the server process holds after an idle trim (issue #17, "memory returns to its baseline").

ZHIBIAO_UI_MEMORY_DEBUG=/path/to/file.log makes every idle trim append a report to that file: RSS, the 30 most
numerous object types (gc.get_objects), the sizes of gradio's per-session and per-event bookkeeping, and, when
tracemalloc is on (PYTHONTRACEMALLOC=1 in the server's environment), the top allocations by line and their growth
since the first report (the first trim after warm-up is the baseline). Never on in production: off unless set.
"""

from __future__ import annotations

import gc
import os
import time
from collections import Counter
from pathlib import Path

_first = None
_reports = 0


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _gradio_sizes() -> list[str]:
    """Lengths of the dicts/lists gradio keeps per session or per event, found on live Blocks/Queue objects."""
    lines = []
    try:
        from gradio.blocks import Blocks
        from gradio.queueing import Queue
        from gradio.state_holder import StateHolder
    except ImportError:
        return lines
    for obj in gc.get_objects():
        kind = None
        if isinstance(obj, StateHolder):
            kind = "StateHolder"
        elif isinstance(obj, Queue):
            kind = "Queue"
        elif isinstance(obj, Blocks) and type(obj) is Blocks:
            kind = "Blocks"
        if kind is None:
            continue
        for attr, value in vars(obj).items():
            if isinstance(value, (dict, list, set)) and len(value) > 8:
                lines.append(f"  {kind}.{attr}: {len(value)}")
    app = None
    for obj in gc.get_objects():
        if type(obj).__name__ == "App" and type(obj).__module__.startswith("gradio"):
            app = obj
            break
    if app is not None:
        for attr, value in vars(app).items():
            if isinstance(value, (dict, list, set)) and len(value) > 8:
                lines.append(f"  App.{attr}: {len(value)}")
    return lines


def _temp_files() -> list[str]:
    import tempfile

    lines = []
    for root in {os.environ.get("GRADIO_TEMP_DIR") or str(Path(tempfile.gettempdir()) / "gradio"), tempfile.gettempdir()}:
        path = Path(root)
        if not path.is_dir():
            continue
        files = [p for p in path.rglob("*") if p.is_file()] if path.name == "gradio" else \
            [p for p in path.glob("zhibiao-*")]
        lines.append(f"  {path}: {len(files)} entries")
    return lines


def report(path: str, top: int = 30) -> None:
    global _first, _reports
    import tracemalloc

    _reports += 1
    out = [f"=== memory report {_reports} at {time.strftime('%H:%M:%S')}: RSS {_rss_mb():.0f} MB"]
    counts = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())
    out.append(f"gc objects: {sum(counts.values())}")
    out += [f"  {n:>9}  {name}" for name, n in counts.most_common(top)]
    out.append("gradio bookkeeping (len > 8):")
    out += _gradio_sizes()
    out.append("temp files:")
    out += _temp_files()
    if tracemalloc.is_tracing():
        snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        size = sum(s.size for s in snap.statistics("filename"))
        out.append(f"tracemalloc: {size / 2**20:.1f} MB traced")
        out += [f"  {s.size / 2**20:8.2f} MB {s.count:>8}  {s.traceback}" for s in snap.statistics("lineno")[:top]]
        if _first is None:
            _first = snap
        else:
            out.append("growth since report 1:")
            out += [f"  {s.size_diff / 2**20:+8.2f} MB {s.count_diff:>+8}  {s.traceback}"
                    for s in snap.compare_to(_first, "lineno")[:top]]
            out.append("growth by file:")
            out += [f"  {s.size_diff / 2**20:+8.2f} MB {s.count_diff:>+8}  {s.traceback}"
                    for s in snap.compare_to(_first, "filename")[:15]]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n\n")


def maybe_report() -> None:
    path = os.environ.get("ZHIBIAO_UI_MEMORY_DEBUG")
    if path:
        try:
            report(path)
        except Exception as exc:  # noqa: BLE001  a debug aid never breaks the server
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(f"memory report failed: {exc!r}\n")
