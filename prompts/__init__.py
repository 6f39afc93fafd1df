"""Chinese prompt templates, one file each, rendered with string.Template ($var) because they are full of braces."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Template

_DIR = Path(__file__).parent


@lru_cache(maxsize=16)
def _template(name: str) -> Template:
    path = _DIR / f"{name}.md"
    if not path.exists():
        raise FileNotFoundError(f"prompt template not found: {path}")
    return Template(path.read_text(encoding="utf-8"))


def render(template: str, /, **values: object) -> str:
    """Render prompts/<template>.md; every $placeholder must be given."""
    return _template(template).substitute({k: str(v) for k, v in values.items()})


def names() -> list[str]:
    return sorted(p.stem for p in _DIR.glob("*.md"))
