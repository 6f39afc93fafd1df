"""Validator rules: each returns findings as data; `check` runs them all and scores the sheet."""

from __future__ import annotations

import os
import threading

from assistant.models import ProjectSheet
from assistant.rules import names, relevance, structure, text_rules, value_rules  # noqa: F401  (registers rules)
from assistant.rules.base import RULES, Context, Finding, RuleInfo, _finding
from assistant.rules.score import Score, document_score, score

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

# What the per-row rules found in a row, by the row's cells and what else they read (see `rule(per_row=True)`):
# a rewrite, a repair loop or a chat edit checks a sheet again after changing a few rows, and the rows it kept are
# not judged again. It only needs the rows of the sheets being worked on: each entry holds its row's texts (~3 KB),
# and 50,000 entries kept the UI server 110 MB above its baseline after 3,000 drafts (scripts/ui_memory.py), so it
# is emptied when full and by the UI's idle trim (`clear_row_cache`).
_ROW_CACHE: dict[tuple, tuple[tuple, ...]] = {}
_ROW_CACHE_MAX = 4096
_ROW_LOCK = threading.Lock()


def clear_row_cache() -> int:
    """Forget every row's findings; returns how many rows were held."""
    with _ROW_LOCK:
        n = len(_ROW_CACHE)
        _ROW_CACHE.clear()
    return n


def _row_findings(ctx: Context) -> list[Finding]:
    """The per-row rules' findings, in the order a run of those rules over the whole sheet yields them up to the
    final sort (by row, severity, rule, then as yielded): rows seen before come from the cache, the others are
    judged together on a view of just those rows."""
    sheet = ctx.sheet
    shared = (sheet.name, ctx.project_text, sheet.year, sheet.layout, os.environ.get("ZHIBIAO_STANDARDS"))
    keys = [(shared, ind.level1, ind.level2, ind.name, ind.description, ind.value, ind.basis)
            for ind in ctx.indicators]
    known = [_ROW_CACHE.get(key) for key in keys]
    missing = [i for i, found in enumerate(known) if found is None]
    if missing:
        view = ctx.only(missing)
        fresh: list[list[tuple]] = [[] for _ in missing]
        for info in RULES.values():
            if info.per_row:
                for f in info.func(view):
                    fresh[f.index].append((f.rule, f.severity, f.dimension, f.indicator, f.message, f.hint))
        with _ROW_LOCK:
            if len(_ROW_CACHE) + len(missing) > _ROW_CACHE_MAX:
                _ROW_CACHE.clear()
            for local, i in enumerate(missing):
                known[i] = _ROW_CACHE[keys[i]] = tuple(fresh[local])
    return [_finding(rule, severity, dimension, name, i, message, hint)
            for i, found in enumerate(known) for rule, severity, dimension, name, message, hint in found]


def check_sheet(sheet: ProjectSheet, *, only: set[str] | None = None, extra_text: str = "",
                normalized: bool = False) -> list[Finding]:
    """Run every registered rule (or those in `only`) on a normalised copy of the sheet (`normalized`: the caller
    has already normalised it)."""
    ctx = Context(sheet if normalized else sheet.normalized(), extra_text=extra_text)
    findings: list[Finding] = _row_findings(ctx) if only is None else []
    for code, info in RULES.items():
        if (only is None and not info.per_row) or (only is not None and code in only):
            findings.extend(info.func(ctx))
    findings.sort(key=lambda f: (f.index if f.index is not None else -1, _SEVERITY_ORDER[f.severity], f.rule))
    return findings


__all__ = ["RULES", "Finding", "RuleInfo", "Score", "check_sheet", "clear_row_cache", "document_score", "score"]
