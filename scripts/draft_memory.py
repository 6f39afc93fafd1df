"""The drafting code's own memory, without the web server (issue #17): calls the page's draft handler in this process
with the same briefs as scripts/ui_memory.py, clears caches and trims after every --every drafts, and prints the
anonymous RSS. What this run holds is the drafting code's; what ui_memory.py measures above it is the serving layer's.
With --tracemalloc, the Python allocations that grew between the first and the last trim are listed by traceback.

Run: python3 scripts/draft_memory.py --drafts 1500
"""

from __future__ import annotations

import argparse
import random
import sys
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]


def anon_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description="在本进程内调用网页版的起草处理函数，测量起草代码本身的内存（不含网页服务）")
    parser.add_argument("--drafts", type=int, default=1500, help="起草次数（默认 1500）")
    parser.add_argument("--every", type=int, default=500, help="每隔多少份回收一次并记录（默认 500）")
    parser.add_argument("--tracemalloc", action="store_true", help="另开 tracemalloc，列出首末两次回收之间增长的分配（很慢）")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.drafts < 1 or args.every < 1:
        parser.error("--drafts 和 --every 须为正整数")

    import ui.app as app
    from ui.body_limit import limit_malloc_arenas, trim_memory
    from ui_memory import OBJECTS, UNITS, brief, warmup_brief

    limit_malloc_arenas()  # as the server does before its threads start

    def draft(b: tuple) -> None:
        name, purpose, budget, year, layout, _, _ = b
        app.do_draft(name, purpose, budget, year, layout, "exemplar", [])

    for i in range(len(OBJECTS) * len(UNITS)):
        draft(warmup_brief(i))
    trim_memory()
    print(f"预热 {len(OBJECTS) * len(UNITS)} 份并回收后（基线）：匿名 {anon_mb():.0f} MB", flush=True)
    rng = random.Random(args.seed)
    if args.tracemalloc:
        tracemalloc.start(8)
    snaps = []
    for k in range(1, args.drafts + 1):
        draft(brief(rng, k - 1))
        if k % args.every == 0 or k == args.drafts:
            trim_memory()
            print(f"起草 {k} 份并回收后：匿名 {anon_mb():.0f} MB", flush=True)
            if args.tracemalloc:
                snaps.append(tracemalloc.take_snapshot())
    if len(snaps) >= 2:
        print("首末两次回收之间增长的分配：")
        for stat in snaps[-1].compare_to(snaps[0], "traceback")[:10]:
            print(f"  {stat.size_diff / 2**20:+.2f} MB {stat.count_diff:+d}")
            for line in stat.traceback.format()[-6:]:
                print("     ", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
