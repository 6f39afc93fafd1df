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
_first_regions = None
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


def _pymalloc() -> list[str]:
    """pymalloc's own totals (sys._debugmallocstats, which writes to the C stderr): how much of its arenas' memory
    holds live small objects. A low share means fragmentation that no gc or malloc_trim can give back."""
    import sys
    import tempfile

    keys = ("# arenas allocated current", "# bytes in allocated blocks", "# bytes in available blocks",
            "# bytes lost to pool headers", "# bytes lost to quantization", "# bytes lost to arena alignment",
            "Total")
    try:
        with tempfile.TemporaryFile(mode="w+") as tmp:
            sys.stderr.flush()
            saved = os.dup(2)
            try:
                os.dup2(tmp.fileno(), 2)
                sys._debugmallocstats()
            finally:
                os.dup2(saved, 2)
                os.close(saved)
            tmp.seek(0)
            text = tmp.read()
    except (OSError, AttributeError):
        return []
    return [f"  {line.strip()}" for line in text.splitlines() if line.strip().startswith(keys)]


def _pinning(top: int = 12) -> list[str]:
    """What keeps sparse 1 MiB regions of the small-object heap alive: live objects (gc-tracked ones and the strings,
    numbers and bytes they hold) grouped by address; for the regions holding fewest objects, what those objects are."""
    global _first_regions
    import sys

    regions: dict[int, list] = {}
    seen: set[int] = set()
    for obj in gc.get_objects():
        for o in [obj] + [r for r in gc.get_referents(obj) if isinstance(r, (str, bytes, int, float, tuple))]:
            if id(o) in seen:
                continue
            seen.add(id(o))
            try:
                size = sys.getsizeof(o)
            except TypeError:
                continue
            if size <= 512:  # pymalloc's objects; larger ones come from malloc
                regions.setdefault(id(o) >> 20, []).append(o)
    sparse = sorted(regions.items(), key=lambda kv: len(kv[1]))
    new = {k: v for k, v in regions.items() if _first_regions is not None and k not in _first_regions}
    if _first_regions is None:
        _first_regions = set(regions)
    out = [f"  {len(regions)} regions hold small objects; {sum(len(v) < 50 for v in regions.values())} hold fewer "
           f"than 50, {sum(len(v) < 500 for v in regions.values())} fewer than 500"]
    kinds: Counter = Counter()
    for _, objs in sparse[: max(top * 4, 40)]:
        kinds.update(type(o).__qualname__ for o in objs)
    out.append("  in the sparsest regions: " + ", ".join(f"{k} ×{n}" for k, n in kinds.most_common(15)))
    for key, objs in sparse[:top]:
        sample = "; ".join(repr(o)[:60] for o in objs[:4])
        out.append(f"  region {key:#x}: {len(objs)} objects: {sample}")
    if new:
        fresh: Counter = Counter()
        for objs in new.values():
            fresh.update(f"{type(o).__module__}.{type(o).__qualname__}" for o in objs)
        out.append(f"  {len(new)} regions new since report 1, holding {sum(map(len, new.values()))} objects: "
                   + ", ".join(f"{k} ×{n}" for k, n in fresh.most_common(20)))
        for key, objs in sorted(new.items(), key=lambda kv: len(kv[1]))[:top]:
            sample = "; ".join(repr(o)[:80] for o in objs[:6])
            out.append(f"  new region {key:#x}: {len(objs)} objects: {sample}")
    return out


def report(path: str, top: int = 30) -> None:
    global _first, _reports
    import tracemalloc

    _reports += 1
    out = [f"=== memory report {_reports} at {time.strftime('%H:%M:%S')}: RSS {_rss_mb():.0f} MB"]
    counts = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())
    out.append(f"gc objects: {sum(counts.values())}")
    out += [f"  {n:>9}  {name}" for name, n in counts.most_common(top)]
    import threading

    names = Counter(t.name.split("-")[0] if t.name.startswith("Thread-") else t.name for t in threading.enumerate())
    out.append(f"threads: {threading.active_count()} ({', '.join(f'{n} ×{k}' for n, k in names.most_common())})")
    out.append("pymalloc:")
    out += _pymalloc()
    out.append("sparse heap regions:")
    out += _pinning()
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
