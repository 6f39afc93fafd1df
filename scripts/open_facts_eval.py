"""Mean open facts per offline draft over eval/cases/stated_quantities.jsonl (briefs that state their quantities)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    from assistant.brief import Brief
    from assistant.draft import draft
    from assistant.open_facts import open_facts

    cases = [json.loads(line) for line in (ROOT / "eval/cases/stated_quantities.jsonl").read_text("utf-8").splitlines() if line.strip()]
    counts = []
    for case in cases:
        d = draft(Brief.model_validate(case["brief"]), drafter="exemplar")
        facts = open_facts(d.sheet)
        text = " ".join(i.value for i in d.sheet.indicators)
        used = [s for s in case.get("stated", []) if s in text or s.replace("万", "") in text]
        counts.append(len(facts))
        print(f"{case['id']} {case['brief']['name']}: {len(facts)} open, stated used {len(used)}/{len(case.get('stated', []))}"
              f" {'UNIT_COST leak' if '{UNIT_COST}' in text else ''}", flush=True)
    print(f"mean open facts per draft: {sum(counts) / len(counts):.2f} over {len(counts)} briefs (max {max(counts)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
