"""Labelled benchmark of worker linkage: payroll typed with errors at the documented rates of
pipeline/linkage/labelled.py (another seed than the model was trained on), run through the
pipeline's own linkage models, scored against the truth.

    python bench/linkage_bench.py [--employers 1000] [--seed 99] [--error-scale 1.0]

`--error-scale` multiplies every error rate (2.0: a sloppier clerk than the model was trained
for), so the figures are not those of one data set. Prints, for exact NIK matching alone and
for linkage: precision (listed workers truly unregistered), recall (unregistered workers
listed), reach (unregistered listed or in review), review share (of payroll rows), compliant
employers listed, twins listed, time and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd

from pipeline.linkage import harness, labelled
from pipeline.linkage.score import load_model


def figures(truth: pd.DataFrame, outcome: pd.Series) -> dict[str, float]:
    listed = outcome.eq("listed").to_numpy()
    review = outcome.eq("undecided").to_numpy()
    unregistered = ~truth.registered.to_numpy()
    employers = truth.assign(listed=listed, unregistered=unregistered).groupby("component")
    compliant = employers.unregistered.sum().eq(0)
    accused = employers.listed.sum().gt(0)
    return {
        "precision": listed[unregistered].sum() / max(listed.sum(), 1),
        "recall": listed[unregistered].sum() / max(unregistered.sum(), 1),
        "reach": (listed | review)[unregistered].sum() / max(unregistered.sum(), 1),
        "review_share": review.mean(),
        "compliant_listed": int((compliant & accused).sum()),
        "compliant": int(compliant.sum()),
        "twins_listed": int(listed[truth.twin.to_numpy()].sum()),
        "twins": int(truth.twin.sum()),
        "false_accusations": int((listed & ~unregistered).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--employers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=99)
    parser.add_argument("--error-scale", type=float, default=1.0)
    args = parser.parse_args()
    for kind in labelled.RATES:
        labelled.RATES[kind] = min(labelled.RATES[kind] * args.error_scale, 0.9)
    data = labelled.generate(args.seed, args.employers)
    truth = data.payroll.sort_values(["component", "nik"]).reset_index(drop=True)
    print(
        f"{len(truth):,} payroll rows of {args.employers:,} employers, "
        f"{len(data.participants):,} participants, {(~truth.registered).sum():,} unregistered "
        f"({truth.twin.sum()} twins); error scale {args.error_scale}"
    )
    model = load_model()
    print(f"model {model['version']}, thresholds {model['thresholds']}")
    started = time.perf_counter()
    result = harness.outcomes(data.payroll, data.participants)
    seconds = time.perf_counter() - started
    result = result.assign(nik=result.nik.astype(str)).merge(
        truth[["component", "nik"]], on=["component", "nik"], how="right"
    )
    exact = result.matched_by.eq("nik").map({True: "registered", False: "listed"})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'':18}{'exact NIK only':>16}{'linkage':>12}")
    a, b = figures(truth, exact), figures(truth, result.outcome)
    for key in a:
        fmt = "{:>16.4f}{:>12.4f}" if isinstance(a[key], float) else "{:>16}{:>12}"
        print(f"{key:18}" + fmt.format(a[key], b[key]))
    print(f"linkage time {seconds:.1f} s, peak memory {peak:,.0f} MB (machine shared: figures vary)")


if __name__ == "__main__":
    main()
