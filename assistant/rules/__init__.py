"""Validator rules: each returns findings as data; `check` runs them all and scores the sheet."""

from __future__ import annotations

from assistant.models import ProjectSheet
from assistant.rules import names, relevance, structure, text_rules, value_rules  # noqa: F401  (registers rules)
from assistant.rules.base import RULES, Context, Finding, RuleInfo
from assistant.rules.score import Score, document_score, score

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def check_sheet(sheet: ProjectSheet, *, only: set[str] | None = None, extra_text: str = "",
                normalized: bool = False) -> list[Finding]:
    """Run every registered rule (or those in `only`) on a normalised copy of the sheet (`normalized`: the caller
    has already normalised it)."""
    ctx = Context(sheet if normalized else sheet.normalized(), extra_text=extra_text)
    findings: list[Finding] = []
    for code, info in RULES.items():
        if only is None or code in only:
            findings.extend(info.func(ctx))
    findings.sort(key=lambda f: (f.index if f.index is not None else -1, _SEVERITY_ORDER[f.severity], f.rule))
    return findings


__all__ = ["RULES", "Finding", "RuleInfo", "Score", "check_sheet", "document_score", "score"]
