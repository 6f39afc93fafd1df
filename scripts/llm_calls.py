"""How many HTTP requests the LLM drafter makes per accepted draft, for each scripted server behaviour.

    python3 scripts/llm_calls.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("ZHIBIAO_HOME", tempfile.mkdtemp(prefix="zhibiao-calls-"))
os.environ["NO_PROXY"] = "127.0.0.1,localhost"

from assistant.brief import Brief  # noqa: E402
from assistant.drafters.llm import LLMDrafter, LLMError  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from openai_server import ScriptedServer  # noqa: E402
from retrieval.store import ExemplarStore  # noqa: E402

SCRIPTS = {
    "valid": ["valid"], "defective→repaired": ["defective", "valid"], "DeepSeek (no json_schema)": ["reject_json_schema"],
    "DashScope (json word, no tools)": ["dashscope"], "429 then ok": ["rate_limit", "valid"],
    "500 then ok": ["server_error", "valid"], "malformed then ok": ["malformed", "valid"],
    "500 always": ["server_error"], "timeout": ["slow"], "truncated always": ["truncated"],
}


def main() -> None:
    store = ExemplarStore(path=Path(os.environ["ZHIBIAO_HOME"]) / "chroma", embedding="ngram")
    store.build()
    brief = Brief(name="公务用车购置", purpose="更新购置2辆应急保障公务用车", budget="36万元", year=2025)
    accepted = []
    print("| script | outcome | HTTP requests |\n|---|---|---|")
    for n, (name, script) in enumerate(SCRIPTS.items()):
        with ScriptedServer(script, slow_seconds=3) as srv:
            settings = load_settings(base_url=srv.base_url, api_key="k", model=f"m{n}", timeout=2, max_retries=2)
            try:
                d = LLMDrafter(settings, store=store).draft(brief)
                outcome = f"draft, score {d.score:.0f}, method {d.trace.method}"
                accepted.append(len(srv.requests))
            except LLMError as exc:
                outcome = f"{type(exc).__name__}: {str(exc)[:40]}"
            print(f"| {name} | {outcome} | {len(srv.requests)} |")
    print(f"\nmean HTTP requests per accepted draft: {sum(accepted) / len(accepted):.2f} over {len(accepted)} scripts")


if __name__ == "__main__":
    main()
