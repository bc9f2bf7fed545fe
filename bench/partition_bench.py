"""The partitioned reconcile against the single-process one, on an ingested and validated period.

    python bench/partition_bench.py --data /tmp/rekon-run-bench/data-50000 [--period 2026-10]

Runs `rekon run` (or `python bench/run_bench.py`) first, so the silver files exist. Prints the
single-process reconcile time, then the prepare step, each province partition (employers, time)
and the merge, as the Airflow DAG's mapped tasks run them one after another, and whether the
merged tables equal the single-process ones.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pipeline.db import connect, sql_path
from pipeline.layout import Layout
from pipeline.reconcile.partition import build_partition, merge_partitions, prepare_partitions
from pipeline.reconcile.run import build_models

COMPARED = ("findings", "finding_workers", "findings_resolved", "coverage", "quarantine")


def _snapshot(layout: Layout, into: Path) -> None:
    con = connect(layout.warehouse, read_only=True)
    for table in COMPARED:
        con.execute(f"copy {table} to {sql_path(into / (table + '.parquet'))} (format parquet)")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--period", default="2026-10")
    args = parser.parse_args()
    layout = Layout(args.data, args.period)

    started = time.perf_counter()
    build_models(layout)
    single = time.perf_counter() - started
    print(f"single process: {single:.1f} s")
    reference = layout.work / "bench-single"
    reference.mkdir(exist_ok=True)
    _snapshot(layout, reference)

    started = time.perf_counter()
    prepared = prepare_partitions(layout)
    print(f"prepare: {time.perf_counter() - started:.1f} s, {len(prepared['partitions'])} partitions")
    for partition in prepared["partitions"]:
        built = build_partition(layout, partition)
        print(f"  partition {partition:<8} {built['employers']:>9,} employers  {built['seconds']:>6.1f} s")
    merge_started = time.perf_counter()
    merge_partitions(layout)
    print(f"merge: {time.perf_counter() - merge_started:.1f} s")
    print(f"partitioned, one task after another: {time.perf_counter() - started:.1f} s")

    con = connect()
    con.execute(f"attach {sql_path(layout.warehouse)} as merged (read_only)")
    differing = []
    for table in COMPARED:
        ours = f"select * from read_parquet({sql_path(reference / (table + '.parquet'))})"
        theirs = f"select * from merged.{table}"
        one_way, other_way = f"({ours} except all {theirs})", f"({theirs} except all {ours})"
        both_ways = f"select count(*) from ({one_way} union all {other_way})"
        if con.execute(both_ways).fetchone()[0]:
            differing.append(table)
    print(f"merged tables equal the single-process ones: {not differing} {differing or ''}")


if __name__ == "__main__":
    main()
