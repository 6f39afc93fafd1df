"""How many HTTP requests the LLM drafter makes per accepted draft, for each scripted server behaviour.

Requests are counted at the server (SDK retries included). "accepted" means a draft without errors.

    python3 scripts/llm_calls.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("ZHIBIAO_HOME", tempfile.mkdtemp(prefix="zhibiao-calls-"))
os.environ["NO_PROXY"] = "127.0.0.1,localhost"

from assistant.brief import Brief  # noqa: E402
from assistant.drafters.llm import LLMDrafter  # noqa: E402
from assistant.errors import LLMError  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from openai_server import ScriptedServer  # noqa: E402
from retrieval.store import ExemplarStore  # noqa: E402

SCRIPTS = {
    "valid": ["valid"], "defective→repaired": ["defective", "valid"], "defective always": ["defective"],
    "DeepSeek (no json_schema)": ["reject_json_schema"], "DashScope (json word, no tools)": ["dashscope"],
    "Ollama (fenced reply)": ["fenced"], "<think> with braces": ["think_braces"],
    "reasoning_content": ["reasoning"], "full-width punctuation": ["fullwidth"],
    "429 then ok": ["rate_limit", "valid"], "500 then ok": ["server_error", "valid"],
    "malformed then ok": ["malformed", "valid"], "500 always": ["server_error"], "timeout": ["slow"],
    "truncated always": ["truncated"], "choices: []": ["choices_empty"], "choices: null": ["choices_null"],
    "200 HTML login page": ["html_200"], "200 error object": ["error_200"], "400 echoing the key": ["echo_400"],
    "Retry-After: 300": ["retry_after_long"], "silent (hangs)": ["hang"],
}


def main() -> None:
    store = ExemplarStore(path=Path(os.environ["ZHIBIAO_HOME"]) / "chroma", embedding="ngram")
    store.build()
    brief = Brief(name="公务用车购置", purpose="更新购置2辆应急保障公务用车", budget="36万元", year=2025)
    accepted = []
    print("| script | outcome | HTTP requests (counted at the server) | seconds |\n|---|---|---|---|")
    for n, (name, script) in enumerate(SCRIPTS.items()):
        start = time.perf_counter()
        with ScriptedServer(script, slow_seconds=3, hang_seconds=30) as srv:
            settings = load_settings(base_url=srv.base_url, api_key="sk-calls-secret", model=f"m{n}", timeout=2,
                                     max_retries=2, deadline=8)
            try:
                d = LLMDrafter(settings, store=store).draft(brief)
                outcome = f"draft{' (partial)' if d.partial else ''}, score {d.score:.0f}, method {d.trace.method}"
                if not d.partial:
                    accepted.append(len(srv.requests))
            except LLMError as exc:
                outcome = f"{type(exc).__name__}: {str(exc)[:48]}"
        print(f"| {name} | {outcome} | {len(srv.requests)} | {time.perf_counter() - start:.1f} |")
    print(f"\nmean HTTP requests per accepted draft: {sum(accepted) / len(accepted):.2f} over {len(accepted)} scripts")


if __name__ == "__main__":
    main()
