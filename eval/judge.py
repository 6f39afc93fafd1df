"""An optional model judge with a Chinese rubric (prompts/judge.md), asked several times to measure its variance."""

from __future__ import annotations

import statistics

DIMENSIONS = ("completeness", "measurability", "relevance", "reasonableness", "basis")


def judge_run(cases, rows: list[dict], rounds: int, settings=None) -> dict:
    """Mean and standard deviation per rubric dimension over cases x rounds (scores 0–5)."""
    import prompts
    from assistant.drafters.llm import chat_json
    from assistant.settings import load_settings

    settings = settings or load_settings()
    settings.require_llm()
    by_id = {c.id: c for c in cases}
    scores: dict[str, list[float]] = {d: [] for d in DIMENSIONS}
    spreads: dict[str, list[float]] = {d: [] for d in DIMENSIONS}
    for row in rows:
        if row["error"]:
            continue
        brief = by_id[row["id"]].as_brief()
        table = "\n".join(row["indicators"])
        message = prompts.render("judge", name=brief.name, purpose=brief.purpose, budget=brief.budget or "未提供",
                                 table=table)
        per_round: dict[str, list[float]] = {d: [] for d in DIMENSIONS}
        for _ in range(rounds):
            data = chat_json(settings, message)
            for d in DIMENSIONS:
                try:
                    per_round[d].append(float(data.get(d, 0)))
                except (TypeError, ValueError):
                    continue
        for d in DIMENSIONS:
            scores[d].extend(per_round[d])
            if len(per_round[d]) > 1:
                spreads[d].append(statistics.pstdev(per_round[d]))
    return {d: {"mean": statistics.fmean(v) if v else 0.0,
                "std": statistics.fmean(spreads[d]) if spreads[d] else 0.0} for d, v in scores.items()}
