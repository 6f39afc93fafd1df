"""The UI's own temporary folders (exports, rewritten documents, eval runs): one root, pruned after a time to live.

Gradio copies what a handler returns into its own cache (cleared by `delete_cache` on the Blocks), so our copies are
only needed until the handler returns; they are kept for ZHIBIAO_UI_TEMP_TTL seconds (default a day) and then deleted
by the next request that makes a folder or by the idle trim (issue #17: nothing a request leaves behind is kept forever).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

DEFAULT_TTL = 24 * 3600.0


def ttl() -> float:
    try:
        return float(os.environ.get("ZHIBIAO_UI_TEMP_TTL", DEFAULT_TTL))
    except ValueError:
        return DEFAULT_TTL


def root() -> Path:
    path = Path(tempfile.gettempdir()) / "zhibiao-ui"
    path.mkdir(exist_ok=True)
    return path


def prune(age: float | None = None) -> int:
    """Delete folders under the root older than `age` seconds (default the TTL); the number deleted."""
    age = ttl() if age is None else age
    now, gone = time.time(), 0
    try:
        children = list(root().iterdir())
    except OSError:
        return 0
    for child in children:
        try:
            if now - child.stat().st_mtime > age:
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
                gone += 1
        except OSError:
            pass
    return gone


def new_dir() -> Path:
    prune()
    return Path(tempfile.mkdtemp(prefix="zhibiao-", dir=root()))
