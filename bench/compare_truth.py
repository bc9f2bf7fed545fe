"""Compare a publication with the truth `rekon demo-data` wrote: findings, quarantine, coverage,
row accounting. Prints the differences and exits 1 when there are any.

    python bench/compare_truth.py --truth DEMO/truth/2026-10 --published DATA/published/2026-10
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def compare(truth: Path, published: Path, tolerance: float = 0.005) -> list[str]:
    problems: list[str] = []
    key = ["category", "employer_key"]
    want, got = _csv(truth / "findings.csv"), _csv(published / "findings.csv")
    merged = want.merge(got, on=key, how="outer", suffixes=("_truth", "_got"), indicator=True)
    for _, row in merged[merged._merge != "both"].iterrows():
        side = "missing" if row._merge == "left_only" else "unexpected"
        problems.append(f"finding {side}: {row.category} {row.employer_key}")
    both = merged[merged._merge == "both"]
    for _, row in both.iterrows():
        if row.workers_affected_truth != row.workers_affected_got:
            problems.append(
                f"workers_affected {row.category} {row.employer_key}: truth {row.workers_affected_truth}, "
                f"got {row.workers_affected_got}"
            )
        want_c, got_c = (
            float(row.estimated_contribution_monthly_truth or 0),
            float(row.estimated_contribution_monthly_got or 0),
        )
        if abs(want_c - got_c) > tolerance * max(abs(want_c), 1):
            problems.append(
                f"contribution {row.category} {row.employer_key}: truth {want_c:.0f}, got {got_c:.0f}"
            )
    q_key = ["file", "row_number", "reason"]
    want_q = set(map(tuple, _csv(truth / "quarantine.csv")[q_key].values.tolist()))
    got_q = set(map(tuple, _csv(published / "quarantine.csv")[q_key].values.tolist()))
    problems += [f"quarantine missing: {q}" for q in sorted(want_q - got_q)]
    problems += [f"quarantine unexpected: {q}" for q in sorted(got_q - want_q)]
    c_key = ["level", "region_code"]
    want_c = _csv(truth / "coverage.csv").set_index(c_key)
    got_c = _csv(published / "coverage.csv").set_index(c_key)
    for idx in sorted(set(want_c.index) | set(got_c.index)):
        if idx not in got_c.index or idx not in want_c.index:
            problems.append(f"coverage row {'missing' if idx not in got_c.index else 'unexpected'}: {idx}")
            continue
        for column in ("formal_workers", "registered_workers", "coverage_pct"):
            a, b = want_c.loc[idx, column], got_c.loc[idx, column]
            if (a or b) and abs(float(a or 0) - float(b or 0)) > 0.051:
                problems.append(f"coverage {idx} {column}: truth {a}, got {b}")
    manifest = json.loads((published / "manifest.json").read_text())
    inputs = {i["path"]: i for i in manifest["inputs"]}
    for _, row in _csv(truth / "files.csv").iterrows():
        entry = inputs.get(row.file)
        if entry is None:
            problems.append(f"input missing from manifest: {row.file}")
            continue
        for column in ("rows_received", "rows_accepted", "rows_quarantined"):
            if str(entry[column]) != row[column]:
                problems.append(f"{row.file} {column}: truth {row[column]}, got {entry[column]}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--published", type=Path, required=True)
    args = parser.parse_args()
    problems = compare(args.truth, args.published)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
