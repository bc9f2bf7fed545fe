"""What linkage costs at scale: the same delivery through `rekon run` with this checkout and with
a checkout from before linkage (exact NIK, then exact name and birth date), alternately, each
in a fresh process whose process tree is sampled for resident memory.

    git archive <commit before linkage> | tar -x -C /tmp/rekon-before
    python bench/linkage_scale.py --before /tmp/rekon-before --employers 50000 [--rounds 2]

`rekon demo-data` makes the delivery once (about 19 payroll rows per employer: 500 k employers
give about 10 M). Prints each run's wall time, reconcile time and peak, the medians, and the
target: linkage's run at most 15 % longer than the run before it, peak under 6 GB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_bench import PERIOD, RUN, scripted

REPO = Path(__file__).resolve().parents[1]


def run_with(code_dir: Path, landing: Path, data: Path) -> tuple[dict, float, float]:
    """`rekon run` with the `pipeline` package of `code_dir`."""
    os.environ["PYTHONPATH"] = str(code_dir)
    return scripted(f"import sys; sys.path.insert(0, {str(code_dir)!r})\n" + RUN, PERIOD, landing, data)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", type=Path, required=True, help="a checkout without linkage")
    parser.add_argument("--employers", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rekon-linkage-scale"))
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    landing = args.workdir / f"landing-{args.employers}"
    if not (landing / PERIOD).exists():
        os.environ["PYTHONPATH"] = str(REPO)
        scripted(
            "import sys; from pipeline.cli import main; main(sys.argv[1:]); print('{}')",
            "demo-data",
            "--out",
            landing,
            "--employers",
            args.employers,
            "--seed",
            11,
        )
    results: dict[str, list[tuple[float, float, float]]] = {"before": [], "linkage": []}
    for round_ in range(args.rounds):
        for name, code in (("before", args.before), ("linkage", REPO)):
            data = args.workdir / f"data-{args.employers}-{name}"
            report, seconds, peak = run_with(code, landing, data)
            reconcile = report["timings"].get("reconcile", float("nan"))
            results[name].append((seconds, reconcile, peak))
            print(
                f"round {round_ + 1} {name:8} {report['payroll_rows']:,} payroll rows: run {seconds:.1f} s, "
                f"reconcile {reconcile:.1f} s, peak {peak:.2f} GB"
            )
    median = {
        name: [statistics.median(r[i] for r in runs) for i in range(3)] for name, runs in results.items()
    }
    for name, (seconds, reconcile, peak) in median.items():
        print(f"median {name:8} run {seconds:.1f} s, reconcile {reconcile:.1f} s, peak {peak:.2f} GB")
    longer = median["linkage"][0] / median["before"][0] - 1
    print(
        f"linkage run {100 * longer:+.1f} % against the run before it (target at most +15 %: "
        f"{'met' if longer <= 0.15 else 'NOT MET'}); peak {median['linkage'][2]:.2f} GB (target under 6 GB: "
        f"{'met' if median['linkage'][2] < 6 else 'NOT MET'}). The machine is shared: figures vary."
    )


if __name__ == "__main__":
    main()
