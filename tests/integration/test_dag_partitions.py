"""Reconcile by province partition (the DAG's path) publishes what one process (`rekon run`) does.

The partitioned steps run here in one process, one after the other, exactly as the DAG's
prepare_partitions / reconcile_partition (mapped) / merge tasks call them on the workers.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipeline import publication, steps
from pipeline.layout import Layout
from pipeline.reconcile.partition import partition_db, prepared_dir

PERIODS = ("2026-09", "2026-10")
COMPARED = tuple(table.name + publication.CSV for table in publication.PUBLIC.values())


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two months run by `rekon run`'s code, so October has history (BERULANG, SELESAI)."""
    from pipeline.demo.generate import generate
    from pipeline.runner import run_period

    landing = tmp_path_factory.mktemp("landing")
    generate(landing, employers=300, seed=20264, period=PERIODS[-1], periods=len(PERIODS))
    data = tmp_path_factory.mktemp("data")
    for period in PERIODS:
        run_period(period, landing, data)
    return data


def test_partitioned_reconcile_publishes_the_single_process_lists(
    months: Path, record_property: pytest.RecordProperty
) -> None:
    period = PERIODS[-1]
    single = {name: (months / "published" / period / name).read_bytes() for name in COMPARED}

    started = time.perf_counter()
    prepared = steps.reconcile_prepare(period, months)
    partitions = [steps.reconcile_partition(period, months, p) for p in prepared["partitions"]]
    merged = steps.reconcile_merge(period, months)
    steps.publish(period, months)
    record_property("partitions", {p["partition"]: p["seconds"] for p in partitions})
    print(
        f"prepare {prepared['seconds']} s; partitions {[(p['partition'], p['seconds']) for p in partitions]}"
    )
    print(f"partitioned reconcile + publish: {time.perf_counter() - started:.1f} s")

    assert len(prepared["partitions"]) >= 2
    assert merged["partitions"] == prepared["partitions"]
    for name in COMPARED:
        assert (months / "published" / period / name).read_bytes() == single[name], name


def test_every_employer_is_in_exactly_one_partition(months: Path) -> None:
    import duckdb

    layout = Layout(months, PERIODS[-1])
    prepared = steps.reconcile_prepare(layout.period, months)
    for partition in prepared["partitions"]:
        steps.reconcile_partition(layout.period, months, partition)
    con = duckdb.connect()
    in_partitions = []
    for partition in prepared["partitions"]:
        con.execute(f"attach '{partition_db(layout, partition)}' as p (read_only)")
        in_partitions += [r[0] for r in con.execute("select component from p.int_employers").fetchall()]
        con.execute("detach p")
    everyone = con.execute(
        f"select component from read_parquet('{prepared_dir(layout)}/int_employers/*/*.parquet')"
    ).fetchall()
    assert sorted(in_partitions) == sorted(r[0] for r in everyone)
    assert len(in_partitions) == len(set(in_partitions))
