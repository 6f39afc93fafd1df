"""Calibrating the fit test (assistant/drafters/fit.py) on labelled briefs, and measuring library search by fit.

Fits: every labelled retrieval query (eval/retrieval_queries.jsonl) against its own type. Does not fit: every brief
of eval/cases/novel.jsonl (types the library does not have) against the best-fitting retrieved type.
Held out: eval/cases/heldout.jsonl, 100 briefs written without the library and labelled afterwards (fits / none /
either); the rule was not tuned on them before they were labelled, so they measure it as a new user's projects do.
Run: python3 -m eval.fit_calibration [--embedding ngram]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assistant.drafters.fit import FIT_THRESHOLD, NAME_THRESHOLD, fit, rank_by_fit
from eval.cases import CASES_DIR, load_cases

QUERIES = Path(__file__).parent / "retrieval_queries.jsonl"
NOVEL = CASES_DIR / "novel.jsonl"
HELDOUT = CASES_DIR / "heldout.jsonl"


def labelled_scores(store) -> tuple[list[float], list[float], dict]:
    """(fits of fitting pairs, best fits of non-fitting briefs, recall@1 before/after fit ranking)."""
    from retrieval.library import load_library

    ids = {s.id for s in load_library()}
    pos, neg, r_before, r_after, n = [], [], 0, 0, 0
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        expected = [e for e in q["expected"] if e in ids]
        if not expected:
            continue
        hits = store.search_sets(q["query"], k=10)
        n += 1
        r_before += hits[0].id in expected
        r_after += rank_by_fit(q["query"], hits)[0].id in expected
        pos.append(fit(q["query"], expected[0]))
    for case in load_cases(NOVEL) if NOVEL.exists() else []:
        brief = case.as_brief()
        best = rank_by_fit(brief, store.search_sets(brief.text, k=10))[0]
        neg.append(best.fit)
    return pos, neg, {"queries": n, "recall@1_rrf": r_before / max(n, 1), "recall@1_fit": r_after / max(n, 1)}


def heldout_scores(store, path: Path = HELDOUT) -> dict:
    """On the held-out briefs: a brief labelled "fits" must get its type first and fit it; one labelled "none" must
    be composed (its best-ranked type does not fit). "either" briefs are left out. Returns the counts, precision
    and recall of "fits", recall of "does not fit", and the briefs the rule gets wrong."""
    from eval.cases import Case

    tp = fn = fp = tn = nones = 0
    wrong: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        c = json.loads(line)
        if c.get("fit_label") not in ("fits", "none"):
            continue
        brief = Case.model_validate(c).as_brief()
        best = rank_by_fit(brief, store.search_sets(brief.text, k=10))[0]
        right_type = best.id == c.get("expected_type")
        if c["fit_label"] == "fits":
            tp += right_type and best.fit.fits
            fn += not (right_type and best.fit.fits)
            fp += best.fit.fits and not right_type  # another project's type taken as fitting
        else:
            nones += 1
            fp += best.fit.fits
            tn += not best.fit.fits
        if (c["fit_label"] == "fits") != (best.fit.fits and (right_type or c["fit_label"] == "none")):
            wrong.append(f"{c['id']} {brief.name} -> {best.id}{'（套用）' if best.fit.fits else '（组合）'}")
    return {"fits": tp + fn, "none": nones, "fits_precision": round(tp / max(tp + fp, 1), 3),
            "fits_recall": round(tp / max(tp + fn, 1), 3), "nofit_recall": round(tn / max(nones, 1), 3),
            "wrong": wrong}


def precision_recall(pos: list, neg: list, threshold: float | None, name_threshold: float = 0.0) -> dict:
    """Precision and recall of “fits” (and of “does not fit”) at one pair of thresholds; with threshold None,
    of the rule the product uses (Fit.fits: the thresholds and the name's head word)."""
    def fits(f) -> bool:
        if threshold is None:
            return f.fits
        return not f.missing or (f.score >= threshold and f.name_score >= name_threshold)

    tp = sum(fits(f) for f in pos)
    fp = sum(fits(f) for f in neg)
    tn = len(neg) - fp
    fn = len(pos) - tp
    return {"threshold": threshold, "fits_precision": tp / max(tp + fp, 1), "fits_recall": tp / max(len(pos), 1),
            "nofit_precision": tn / max(tn + fn, 1), "nofit_recall": tn / max(len(neg), 1)}


def main() -> None:
    from retrieval.store import ExemplarStore

    ap = argparse.ArgumentParser()
    ap.add_argument("--embedding", default=None)
    ap.add_argument("--store", default="/tmp/zhibiao-fit-store")
    args = ap.parse_args()
    store = ExemplarStore(path=args.store, embedding=args.embedding).ensure()
    pos, neg, recall = labelled_scores(store)
    print(json.dumps(recall, ensure_ascii=False))
    print(json.dumps({"rule": "Fit.fits", **{k: round(v, 3) for k, v in precision_recall(pos, neg, None).items()
                                             if k != "threshold"}}))
    if HELDOUT.exists():
        print(json.dumps({"heldout": heldout_scores(store)}, ensure_ascii=False))
    for t in sorted({0.3, 0.4, 0.5, FIT_THRESHOLD}):
        for nt in sorted({0.0, 0.3, 0.4, 0.5, 0.6, NAME_THRESHOLD}):
            row = {k: round(v, 3) for k, v in precision_recall(pos, neg, t, nt).items()}
            print(json.dumps({"name_threshold": nt, **row}))


if __name__ == "__main__":
    main()
