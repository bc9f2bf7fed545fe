"""Reconcile by province partition: the same models as `build_models`, spread over workers.

Employer identity is transitive across regions (a NIB in Jakarta and an NPWP in Kalimantan can be
one employer), and the PWBD/PDS rules need every record of an employer. So the partitioning is
by employer, not by row: identity is resolved once, globally, and every identity component goes
to exactly one partition, the province of its `int_employers.regency_code` (registry first, then
permit, payroll, contractor; `unknown` when none is known). Three steps, each a separate process
that may run on a different machine; each writes only its own files:

1. `prepare_partitions`: builds the plan's `prepare` models (staging, payroll by employer
   identifier, identity, `int_employers`) once, and writes them as Parquet under
   `work/<period>/partitions/prepared/`, each split as its `split:` line says (hive folders
   `_partition=<province>`); rows linked to no employer go to `_partition=unlinked`, which no
   partition reads but the merge does (coverage counts them).
2. `build_partition`: one DuckDB file per partition, `partitions/<province>.duckdb`, holding the
   plan's `province` models (worker-level models and per-employer marts) over its rows.
3. `merge_partitions`: concatenates the partitions' marts into `rekon.duckdb` (a mart that is a
   view, such as `category_findings`, is built again over the merged tables) and builds the
   plan's `national` models (branch priorities, resolved findings, coverage, quarantine) there,
   so `publish` reads exactly the tables `build_models` makes.

Where a model is built is declared in its own file (`-- partition:`, see `plan.py`); a model
without that line fails the plan loudly until someone decides where it belongs.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from pipeline.db import sql_path
from pipeline.errors import RekonError
from pipeline.layout import Layout
from pipeline.reconcile.plan import Model, plan
from pipeline.reconcile.run import (
    attach_inputs,
    build_model,
    connect_building,
    findings_per_category,
    materialisation,
)

log = logging.getLogger(__name__)

UNLINKED = "unlinked"
UNKNOWN = "unknown"


def partitions_dir(layout: Layout) -> Path:
    return layout.work / "partitions"


def prepared_dir(layout: Layout) -> Path:
    return partitions_dir(layout) / "prepared"


def partition_db(layout: Layout, partition: str) -> Path:
    return partitions_dir(layout) / f"{partition}.duckdb"


def _is_view(model: Model) -> bool:
    return materialisation(model.path, model.path.read_text()) == "view"


def partition_outputs(models: list[Model]) -> list[str]:
    """The marts each partition builds as tables: what the merge takes from every partition."""
    return [m.name for m in models if m.stage == "province" and m.layer == "marts" and not _is_view(m)]


def merged_views(models: list[Model]) -> list[Model]:
    """The marts each partition builds as views: the merge builds them again, over the merged tables."""
    return [m for m in models if m.stage == "province" and m.layer == "marts" and _is_view(m)]


def _build(con, models: list[Model], stage: str, timings: dict[str, float]) -> None:
    for model in models:
        if model.stage == stage:
            started = time.perf_counter()
            build_model(con, model.path)
            timings[model.name] = round(time.perf_counter() - started, 3)


def _connect_building(target: Path):
    """A fresh DuckDB file next to `target`, swapped into place by `_finish`: a failed build
    leaves the previous file untouched, and a rerun starts clean."""
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_suffix(".building")
    building.unlink(missing_ok=True)
    return connect_building(building), building


def prepare_partitions(layout: Layout) -> dict[str, Any]:
    """Resolve identity once and split the staged rows by the province of their employer."""
    models = plan()
    out = prepared_dir(layout)
    scratch_target = partitions_dir(layout) / "prepare.duckdb"
    con, building = _connect_building(scratch_target)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        attach_inputs(con, layout)
        _build(con, models, "prepare", timings)
        con.execute(
            f"""create table component_partition as
                select component, coalesce(left(regency_code, 2), '{UNKNOWN}') as partition
                from int_employers"""
        )
        con.execute(
            """create table node_partition as
               select n.node, p.partition
               from int_identity_components as n join component_partition as p using (component)"""
        )
        # Written to a fresh folder and swapped in, so a rerun never mixes two preparations.
        fresh = out.with_name("prepared.building")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        for model in models:
            if model.stage != "prepare":
                continue
            table, (how, node) = model.name, model.split
            if how == "replicated":
                con.execute(f"copy {table} to {sql_path(fresh / (table + '.parquet'))} (format parquet)")
                continue
            if how == "component":
                select = (
                    f"select t.*, p.partition as _partition from {table} as t "
                    "join component_partition as p using (component)"
                )
            else:
                select = (
                    f"select t.*, coalesce(p.partition, '{UNLINKED}') as _partition from {table} as t "
                    f"left join node_partition as p on p.node = {node}"
                )
            folder = fresh / table
            folder.mkdir()
            # An empty table writes no partition folder: the zero-row file keeps its columns.
            con.execute(f"copy (select * from {table} limit 0) to {sql_path(folder / 'schema.parquet')}")
            con.execute(
                f"copy ({select}) to {sql_path(folder)} "
                "(format parquet, partition_by (_partition), overwrite_or_ignore)"
            )
        sizes = con.execute(
            "select partition, count(*) from component_partition group by partition order by partition"
        ).fetchall()
    finally:
        con.close()
        building.unlink(missing_ok=True)
    partitions = [name for name, _ in sizes]
    (fresh / "partitions.json").write_text(json.dumps({"partitions": partitions, "employers": dict(sizes)}))
    shutil.rmtree(out, ignore_errors=True)
    fresh.replace(out)
    return {
        "partitions": partitions,
        "employers": dict(sizes),
        "seconds": round(time.perf_counter() - started, 2),
        "model_seconds": timings,
    }


def prepared_partitions(layout: Layout) -> list[str]:
    manifest = prepared_dir(layout) / "partitions.json"
    if not manifest.exists():
        raise RekonError(f"{layout.period}: no prepared partitions in {manifest.parent}; run prepare first")
    return json.loads(manifest.read_text())["partitions"]


def _prepared_view(con, layout: Layout, model: Model, partition: str | None, kind: str = "table") -> None:
    """A `prepare` model over the prepared Parquet: one partition's rows, or (None) every row."""
    root, table = prepared_dir(layout), model.name
    if model.split[0] == "replicated":
        files = [root / f"{table}.parquet"]
    else:
        pattern = f"_partition={partition}/*.parquet" if partition else "_partition=*/*.parquet"
        files = [root / table / "schema.parquet", *sorted((root / table).glob(pattern))]
    listed = ", ".join(sql_path(f) for f in files)
    con.execute(
        f"create or replace {kind} {table} as "
        f"select * from read_parquet([{listed}], hive_partitioning = false)"
    )


def build_partition(layout: Layout, partition: str) -> dict[str, Any]:
    """Build the per-employer models of one partition into its own DuckDB file."""
    if partition not in prepared_partitions(layout):
        raise RekonError(f"{layout.period}: no partition {partition!r} in {prepared_dir(layout)}")
    models = plan()
    target = partition_db(layout, partition)
    con, building = _connect_building(target)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        attach_inputs(con, layout)
        for model in models:
            if model.stage == "prepare":
                _prepared_view(con, layout, model, partition)
        _build(con, models, "province", timings)
        counts = {
            name: con.execute(f"select count(*) from {name}").fetchall()[0][0]
            for name in partition_outputs(models)
        }
        employers = con.execute("select count(*) from int_employers").fetchall()[0][0]
    finally:
        con.close()
    building.replace(target)
    seconds = round(time.perf_counter() - started, 2)
    log.info("partition %s: %s employers in %.2f s", partition, employers, seconds)
    return {
        "partition": partition,
        "database": str(target),
        "employers": employers,
        "rows": counts,
        "seconds": seconds,
        "model_seconds": timings,
    }


def merge_partitions(layout: Layout) -> dict[str, Any]:
    """Concatenate the partitions' marts into `rekon.duckdb` and build the national models there."""
    partitions = prepared_partitions(layout)
    missing = [p for p in partitions if not partition_db(layout, p).exists()]
    if missing:
        raise RekonError(f"{layout.period}: partitions {', '.join(missing)} have not been built")
    models = plan()
    con, building = _connect_building(layout.warehouse)
    timings: dict[str, float] = {}
    try:
        attach_inputs(con, layout)
        for model in models:
            if model.stage == "prepare":
                _prepared_view(con, layout, model, None, kind="view")
        if not partitions:
            # No employer at all: the per-employer models are empty, built here over empty inputs.
            _build(con, models, "province", timings)
        for i, partition in enumerate(partitions):
            con.execute(f"attach {sql_path(partition_db(layout, partition))} as part_{i} (read_only)")
        for name in partition_outputs(models) if partitions else ():
            # Sorted partitions, each in its own build order: the same rows on every rerun.
            union = " union all by name ".join(
                f"select * from part_{i}.{name}" for i in range(len(partitions))
            )
            con.execute(f"create table {name} as {union}")
        for i in range(len(partitions)):
            con.execute(f"detach part_{i}")
        if partitions:
            _build(con, merged_views(models), "province", timings)
        _build(con, models, "national", timings)
        counts = findings_per_category(con)
    finally:
        con.close()
    building.replace(layout.warehouse)
    return {
        "database": str(layout.warehouse),
        "partitions": partitions,
        "findings": counts,
        "model_seconds": timings,
    }
