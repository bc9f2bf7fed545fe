"""The whole run at scale: time of each step and peak memory of `rekon run`, against a
straightforward pandas implementation of the PWBD and PDS_TK rules on the same data.

    python bench/run_bench.py --employers 50000 500000 [--workdir /tmp/rekon-run-bench]

`rekon demo-data` makes the delivery (about 19 payroll rows per employer: 50 k employers give
about 1 M payroll rows, 500 k about 10 M, with 8-11 M participants). `rekon run` runs in a fresh
process whose whole process tree is sampled for resident memory. The pandas version then reads
the same validated files, also in a fresh process (its clock starts once pandas is imported), so
no size it runs at is warmed by the one before; its lists must equal Rekon's. Targets on the
2-core reference machine: the full run at 10 M payroll rows within 3 minutes and 8 GB, reconcile
at least 10 times faster than pandas. The last lines give each target, at each size run, and
whether it was met.

Reconcile builds all five categories, history, priorities, the worker lists and coverage, where
the pandas version makes two lists; so the same two lists are also timed in DuckDB alone: the
models PWBD and PDS_TK need (`pipeline.reconcile.plan.needed`), built in a fresh process into a
scratch database.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

PERIOD = "2026-10"

RUN = """
import json, sys
from pathlib import Path
from pipeline.runner import run_period
summary = run_period(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
keys = ("timings", "seconds", "findings")
payroll = [s for s in summary["sources"] if s["source"] == "payroll"]
rows = {"rows": summary["rows_received"]}
rows["payroll_rows"] = sum(s["rows_received"] for s in payroll)
print(json.dumps({**{k: summary[k] for k in keys}, **rows}))
"""

# The pandas version: (category, employer_key, workers_affected), sorted.
PANDAS = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from pandas_reference import pwbd_pds_tk
started = time.perf_counter()
lists = pwbd_pds_tk(Path(sys.argv[2]) / "work" / sys.argv[1], sys.argv[1])
seconds = time.perf_counter() - started
rows = [(category, key, int(workers)) for category, key, workers in lists.itertuples(index=False, name=None)]
print(json.dumps({"seconds": seconds, "rows": rows}))
"""

# PWBD and PDS_TK alone, as the pandas version makes them: (category, employer_key, workers_affected).
# SciPy (the identity model's graph search) and pandas are imported before the clock starts, as
# pandas is for the pandas version and as validation has imported both by the time `rekon run`
# reconciles. pandas, because DuckDB's Python module imports it the first time it scans a Python
# object (the identity model's components, as Arrow): 0.13 s of this figure at 1 M payroll rows.
RULES = """
import json, sys, tempfile, time
from pathlib import Path
import pandas
import scipy.sparse.csgraph
from pipeline.layout import Layout
from pipeline.reconcile.plan import needed, plan
from pipeline.reconcile.run import attach_inputs, build_all, connect_building
layout = Layout(Path(sys.argv[2]), sys.argv[1])
with tempfile.TemporaryDirectory() as scratch:
    con = connect_building(Path(scratch) / "rules.duckdb", alone=True)
    started = time.perf_counter()
    attach_inputs(con, layout)
    build_all(con, needed(plan(), {"findings_pwbd", "findings_pds_tk"}), layout.period)
    rows = con.execute(
        "select category, employer_key, workers_affected from (select * from findings_pwbd "
        "union all by name select * from findings_pds_tk) join int_employers using (component) "
        "order by category, employer_key"
    ).fetchall()
    seconds = time.perf_counter() - started
    con.close()
print(json.dumps({"seconds": seconds, "rows": rows}))
"""


# The targets on the 2-core reference machine.
NATIONAL_PAYROLL_ROWS = 9_000_000  # "10 M payroll rows": the 500 k-employer delivery has 9.6 M
RUN_SECONDS, RUN_PEAK_GB, RECONCILE_SPEEDUP = 180, 8.0, 10.0


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def sampled(command: list[str]) -> tuple[str, float, float]:
    """Run `command`; return its stdout, wall seconds and the process tree's peak RSS in GB."""
    import psutil

    started = time.perf_counter()
    # stdout goes to a file: a pipe that nobody reads while the command runs would block it
    # once the pipe's buffer (64 KB) is full.
    with tempfile.TemporaryFile("w+") as stdout:
        process = subprocess.Popen(command, stdout=stdout, text=True)
        parent, peak = psutil.Process(process.pid), 0
        while process.poll() is None:
            try:
                peak = max(peak, sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)]))
            except psutil.Error:
                pass
            time.sleep(0.2)
        stdout.seek(0)
        out = stdout.read()
    if process.returncode:
        raise SystemExit(f"{command[:3]} failed with exit status {process.returncode}")
    return out, time.perf_counter() - started, peak / 1e9


def scripted(code: str, *args: object) -> tuple[dict[str, Any], float, float]:
    """Run `code` (one of the scripts above) in a fresh Python; return the JSON it prints last,
    its wall seconds and its process tree's peak RSS in GB."""
    out, seconds, peak = sampled([sys.executable, "-c", code, *map(str, args)])
    return json.loads(out.strip().splitlines()[-1]), seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--employers", type=int, nargs="+", default=[50_000, 500_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rekon-run-bench"))
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # a live log when piped to a file
    targets: list[str] = []
    for employers in args.employers:
        landing, data = args.workdir / f"landing-{employers}", args.workdir / f"data-{employers}"
        if not (landing / PERIOD).exists():
            _, seconds, peak = sampled(
                [
                    sys.executable,
                    "-m",
                    "pipeline.cli",
                    "demo-data",
                    "--out",
                    str(landing),
                    "--employers",
                    str(employers),
                    "--seed",
                    "11",
                ]
            )
            print(f"{employers:,} employers: demo data in {seconds:.0f} s, peak {peak:.2f} GB")
        report, seconds, peak = scripted(RUN, PERIOD, landing, data)
        print(
            f"\n{employers:,} employers, {report['rows']:,} rows received: rekon run {seconds:.1f} s wall, "
            f"peak {peak:.2f} GB (process tree)"
        )
        steps: dict[str, float] = {}
        for name, value in report["timings"].items():
            step = name.split(" ")[0]
            steps[step] = steps.get(step, 0.0) + value
        for name, value in report["timings"].items():
            print(f"  {name:<34} {value:>8.1f} s")
        print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()))

        pandas, _, pandas_peak = scripted(PANDAS, PERIOD, data, Path(__file__).parent)
        pandas_seconds, reference = pandas["seconds"], [tuple(row) for row in pandas["rows"]]
        published = pd.read_parquet(data / "published" / PERIOD / "findings.parquet")
        ours = published[published.category.isin(["PWBD", "PDS_TK"])][
            ["category", "employer_key", "workers_affected"]
        ].sort_values(["category", "employer_key"])
        same = list(ours.itertuples(index=False, name=None)) == reference
        print(
            f"  pandas PWBD+PDS_TK {pandas_seconds:>24.1f} s, peak {pandas_peak:.2f} GB "
            f"(same lists as Rekon: {same})"
        )
        speedup = pandas_seconds / steps["reconcile"]
        print(
            f"  reconcile (all five categories) is {speedup:.1f}x faster than pandas (PWBD and PDS_TK only)"
        )
        size = f"{employers:,} employers ({report['payroll_rows']:,} payroll rows)"
        if report["payroll_rows"] >= NATIONAL_PAYROLL_ROWS:
            targets += [
                f"{size}: rekon run {seconds:.1f} s, target {RUN_SECONDS} s: "
                f"{verdict(seconds <= RUN_SECONDS)}",
                f"{size}: peak {peak:.2f} GB, target {RUN_PEAK_GB:.0f} GB: {verdict(peak <= RUN_PEAK_GB)}",
            ]
        targets.append(
            f"{size}: reconcile {steps['reconcile']:.2f} s against pandas' {pandas_seconds:.1f} s = "
            f"{speedup:.1f}x, target {RECONCILE_SPEEDUP:.0f}x: {verdict(speedup >= RECONCILE_SPEEDUP)}"
        )
        rules, _, rules_peak = scripted(RULES, PERIOD, data)
        same = [tuple(row) for row in rules["rows"]] == reference
        print(
            f"  DuckDB PWBD+PDS_TK alone {rules['seconds']:>18.1f} s, peak {rules_peak:.2f} GB "
            f"(same lists as pandas: {same}): {pandas_seconds / rules['seconds']:.1f}x faster than pandas"
        )
    print("\nTargets (2-core reference machine):")
    for line in targets:
        print(f"  {line}")


if __name__ == "__main__":
    main()
