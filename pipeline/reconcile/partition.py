"""Reconcile by province partition: the same models as `build_models`, spread over workers.

Employer identity is transitive across regions (a NIB in Jakarta and an NPWP in Kalimantan can be
one employer), and the PWBD/PDS rules need every record of an employer. So the partitioning is
by employer, not by row: identity is resolved once, globally, and every identity component goes
to exactly one partition, the province of its `int_employers.regency_code` (registry first, then
permit, payroll, contractor; `unknown` when none is known). Three steps, each a separate process
that may run on a different machine; each writes only its own files:

1. `prepare_partitions`: builds the staging models and `PREPARED_INTERMEDIATE` (payroll by
   employer identifier, identity, `int_employers`) once, and writes them as Parquet under
   `work/<period>/partitions/prepared/`, each employer-linked table split by partition (hive
   folders `_partition=<province>`); rows linked to no employer go to `_partition=unlinked`,
   which no partition reads but the merge does (coverage counts them).
2. `build_partition`: one DuckDB file per partition, `partitions/<province>.duckdb`, holding the
   worker-level models and the per-employer marts of `PARTITIONED`, over that partition's rows.
3. `merge_partitions`: concatenates the partitions' marts into `rekon.duckdb` and builds the
   models that need the whole country (`MERGED`: branch priorities, resolved findings, coverage,
   quarantine) there, so `publish` reads exactly the tables `build_models` makes.

Every model of `sql/models.txt` must be in exactly one of `PREPARED`, `PARTITIONED`, `MERGED`:
a new model fails the partitioned run loudly until someone decides where it belongs.
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
from pipeline.reconcile.run import attach_inputs, build_model, connect_building, model_files

log = logging.getLogger(__name__)

# Built once over all rows (`prepare_partitions`).
PREPARED_INTERMEDIATE = (
    "int_payroll_employers",
    "int_identity_edges",
    "int_identity_nodes",
    "int_identity_components",
    "int_employers",
    "int_repeated_niks",
)
# Built in each partition over its own employers; the marts among them are what the merge takes.
PARTITIONED = (
    "int_registered_workers",
    "int_payroll_workers",
    "int_linkage_workers",
    "int_linkage_participants",
    "int_name_forms",
    "int_linkage_pairs",
    "int_linkage_candidates",
    "int_linkage_outcomes",
    "int_worker_linkage",
    "int_invalid_nik_workers",
    "int_worker_matches",
    "int_employer_rates",
    "int_payroll_summary",
    "findings_pwbd",
    "findings_pds_tk",
    "findings_pds_upah",
    "findings_pds_program",
    "findings_proyek",
    "finding_workers",
    "review_workers",
    "linkage_outcomes",
    "linkage_decisions",
)
PARTITION_OUTPUTS = (
    "findings_pwbd",
    "findings_pds_tk",
    "findings_pds_upah",
    "findings_pds_program",
    "findings_proyek",
    "finding_workers",
    "review_workers",
    "linkage_outcomes",
    "linkage_decisions",
)
# Built in the merge over the whole country: priority is ranked per branch office (and the
# BELUM-DIPETAKAN branch spans provinces), history and coverage are national.
MERGED = ("int_branches", "findings", "findings_resolved", "coverage", "quarantine")

# How each employer-linked table reaches its employer: the identity node its rows carry. These
# are the expressions of sql/intermediate/int_identity_edges.sql and of the joins on
# int_identity_components in the models; the equality test against `build_models` guards them.
NODE_OF = {
    "stg_employers": "'NPP:' || t.npp",
    "stg_participants": "'NPP:' || t.npp",
    "stg_payroll": "employer_node(t.employer_nib, t.employer_npwp)",
    "int_payroll_employers": "employer_node(t.employer_nib, t.employer_npwp)",
    "stg_business_permits": "'NIB:' || t.nib",
    "stg_construction_permits": "employer_node(t.contractor_nib, t.contractor_npwp)",
    "int_identity_edges": "t.node",
    "int_identity_nodes": "t.node",
    "int_identity_components": "t.node",
}
# Small tables that are not about one employer: every partition gets all of them.
REPLICATED = ("stg_projects", "stg_labor_force", "int_repeated_niks")
UNLINKED = "unlinked"
UNKNOWN = "unknown"


def partitions_dir(layout: Layout) -> Path:
    return layout.work / "partitions"


def prepared_dir(layout: Layout) -> Path:
    return partitions_dir(layout) / "prepared"


def partition_db(layout: Layout, partition: str) -> Path:
    return partitions_dir(layout) / f"{partition}.duckdb"


def classify(models: list[Path]) -> dict[str, str]:
    """Model name -> `prepared`, `partitioned` or `merged`; fails on a model in none or several."""
    where: dict[str, str] = {}
    for path in models:
        name = path.stem
        homes = [
            home
            for home, members in (
                ("prepared", PREPARED_INTERMEDIATE),
                ("partitioned", PARTITIONED),
                ("merged", MERGED),
            )
            if name in members
        ]
        if path.parent.name == "staging":
            homes.append("prepared")
        if len(homes) != 1:
            raise RekonError(
                f"model {name} is {'in ' + ' and '.join(homes) if homes else 'not placed'} for the "
                "partitioned reconcile: add it to one of PREPARED_INTERMEDIATE, PARTITIONED or MERGED "
                "in pipeline/reconcile/partition.py"
            )
        where[name] = homes[0]
    return where


def _build(con, models: list[Path], home: str, where: dict[str, str], timings: dict[str, float]) -> None:
    for path in models:
        if where[path.stem] == home:
            started = time.perf_counter()
            build_model(con, path)
            timings[path.stem] = round(time.perf_counter() - started, 3)


def _connect_building(target: Path):
    """A fresh DuckDB file next to `target`, swapped into place by `_finish`: a failed build
    leaves the previous file untouched, and a rerun starts clean."""
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_suffix(".building")
    building.unlink(missing_ok=True)
    return connect_building(building), building


def prepare_partitions(layout: Layout) -> dict[str, Any]:
    """Resolve identity once and split the staged rows by the province of their employer."""
    models = model_files()
    where = classify(models)
    out = prepared_dir(layout)
    scratch_target = partitions_dir(layout) / "prepare.duckdb"
    con, building = _connect_building(scratch_target)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        attach_inputs(con, layout)
        _build(con, models, "prepared", where, timings)
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
        split = {**NODE_OF, "int_employers": None}
        for table, node in split.items():
            if node is None:
                select = "select t.*, p.partition as _partition from int_employers as t " + (
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
        for table in REPLICATED:
            con.execute(f"copy {table} to {sql_path(fresh / (table + '.parquet'))} (format parquet)")
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


def _prepared_view(con, layout: Layout, table: str, partition: str | None, kind: str = "table") -> None:
    """`table` over the prepared Parquet: one partition's rows, or (None) every row."""
    root = prepared_dir(layout)
    if table in REPLICATED:
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
    models = model_files()
    where = classify(models)
    target = partition_db(layout, partition)
    con, building = _connect_building(target)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        attach_inputs(con, layout)
        for path in models:
            if where[path.stem] == "prepared":
                _prepared_view(con, layout, path.stem, partition)
        _build(con, models, "partitioned", where, timings)
        counts = {
            name: con.execute(f"select count(*) from {name}").fetchall()[0][0] for name in PARTITION_OUTPUTS
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
    models = model_files()
    where = classify(models)
    con, building = _connect_building(layout.warehouse)
    timings: dict[str, float] = {}
    try:
        attach_inputs(con, layout)
        for path in models:
            if where[path.stem] == "prepared":
                _prepared_view(con, layout, path.stem, None, kind="view")
        if not partitions:
            # No employer at all: the per-employer models are empty, built here over empty inputs.
            _build(con, models, "partitioned", where, timings)
        for i, partition in enumerate(partitions):
            con.execute(f"attach {sql_path(partition_db(layout, partition))} as part_{i} (read_only)")
        for name in PARTITION_OUTPUTS if partitions else ():
            # Sorted partitions, each in its own build order: the same rows on every rerun.
            union = " union all by name ".join(
                f"select * from part_{i}.{name}" for i in range(len(partitions))
            )
            con.execute(f"create table {name} as {union}")
        for i in range(len(partitions)):
            con.execute(f"detach part_{i}")
        _build(con, models, "merged", where, timings)
        counts = dict(
            con.execute(
                "select category, count(*) from findings group by category order by category"
            ).fetchall()
        )
    finally:
        con.close()
    building.replace(layout.warehouse)
    return {
        "database": str(layout.warehouse),
        "partitions": partitions,
        "findings": counts,
        "model_seconds": timings,
    }
