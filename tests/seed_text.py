"""The seed document cut to fewer projects, for tests that need a real document but not all nine projects."""

from __future__ import annotations


def first_projects(seed_text: str, n: int) -> str:
    """The seed's plain text up to its (n+1)-th project table: the preface and the first n projects."""
    lines = seed_text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("[bookmark: _Toc_4_4_")]
    return "".join(lines[:starts[n]]) if len(starts) > n else seed_text
