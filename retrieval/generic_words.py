"""Bigrams so common across the library's project types that sharing them says nothing about fit.

`zhibiao library build` and `python3 -m retrieval.generic_words` write them to assistant/data/generic_bigrams.json,
which the relevance rules read (the checker never loads the library itself).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from assistant.lexicon import cjk_bigrams
from retrieval.library import load_library

# a bigram found in the rows of at least this share of project types is generic (改造, 验收, 完成, 服务…)
GENERIC_SHARE = 0.05
# one found in at least this share says nothing even as shared evidence (完成, 验收, 情况…)
COMMON_SHARE = 0.15
TARGET = Path(__file__).resolve().parent.parent / "assistant" / "data" / "generic_bigrams.json"


def generic_bigrams(share: float = GENERIC_SHARE) -> list[str]:
    """Bigrams of row names and 解释 that occur in at least `share` of the library's project types."""
    sets = load_library()
    df: Counter[str] = Counter()
    for s in sets:
        df.update(set().union(*(cjk_bigrams(i.name + i.description) for i in s.indicators)))
    floor = max(2, share * len(sets))
    return sorted(b for b, n in df.items() if n >= floor)


def write(path: Path = TARGET) -> int:
    words = generic_bigrams()
    common = generic_bigrams(COMMON_SHARE)
    sets = load_library()
    # a project named as a library type (国家基本公共卫生服务) covers that type's objects (高血压, 预防接种…)
    vocab = {re.sub(r"[（(].*?[）)]", "", s.name): s.keywords for s in sets}
    payload = {"share": GENERIC_SHARE, "common_share": COMMON_SHARE, "types": len(sets),
               "bigrams": words, "common": common, "type_keywords": vocab}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return len(words)


if __name__ == "__main__":
    print(f"wrote {write()} generic bigrams to {TARGET}")
