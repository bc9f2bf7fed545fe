"""Build the models of the reconcile plan (`pipeline/reconcile/plan.py`) into the period's DuckDB
database.

The database is rebuilt from the silver files on every run and swapped into place, so a rerun
gives the same tables and a failed one leaves the previous database untouched.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from pipeline.contract import REGISTRY_SOURCES, SOURCES, empty_relation_sql
from pipeline.db import connect, sql_path
from pipeline.errors import RekonError
from pipeline.layout import Layout, Period
from pipeline.linkage.decisions import attach_decisions
from pipeline.reconcile.plan import SQL_DIR, Model, file_config, model_config, plan
from pipeline.reference import reference_files

log = logging.getLogger(__name__)

# source -> the view the staging models read
RAW_VIEWS = {
    "registry/employers": "raw_employers",
    "registry/participants": "raw_participants",
    "registry/projects": "raw_projects",
    "payroll": "raw_payroll",
    "permits/business": "raw_business_permits",
    "permits/construction": "raw_construction_permits",
    "survey/labor_force": "raw_labor_force",
}


def materialisation(model: Path, code: str) -> str:
    """How a model is kept: staging models only rename and cast, so they stay views over the
    silver files; intermediate models are tables in the session's in-memory database (built in
    memory, spilled to disk when large, never written to the database file: writing them cost a
    third of the step); marts are what `publish` and the merge read, tables in the file. A model
    configured `materialized: view` is a view instead."""
    configured_view = file_config(model, code).get("materialized") == ["view"]
    return "view" if model.parent.name == "staging" or configured_view else "table"


def model_settings(model: Path, code: str) -> dict[str, str]:
    """The DuckDB settings a SQL model holds while it builds (`-- set:` lines): name -> value."""
    if model.suffix != ".sql":
        return {}
    pairs = (setting.split("=", 1) for setting in model_config(code).get("set", []))
    return {name.strip(): value.strip() for name, value in pairs}


# The file a model build writes, as its session names it (`connect_building`).
WAREHOUSE = "warehouse"

# DuckDB's name for the in-memory database of a session opened without a file: where intermediate
# models go, seen by every cursor of the session (a temp table is seen by its own cursor only).
SCRATCH = "memory"


def model_table(model: Path) -> str:
    """The name a model is built under: intermediate models in the session's in-memory database,
    the others in its default database (the file being built)."""
    return f"{SCRATCH}.main.{model.stem}" if model.parent.name == "intermediate" else model.stem


def build_model(con, path: Path) -> None:
    """Make the table or view named after the model file. A `.sql` model is one `select`; a `.py`
    model is a module whose `model(con)` returns a relation (as dbt's Python models return a
    frame), for work that SQL does badly, such as a graph search, or the text of a `select` it
    writes (from reference data, say), built as a SQL model is."""
    code = path.read_text()
    kind, table = materialisation(path, code), model_table(path)
    if path.suffix == ".py":
        spec = importlib.util.spec_from_file_location(f"rekon_model_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        output = module.model(con)
        if isinstance(output, str):
            con.execute(f"create or replace {kind} {table} as {output}")
            return
        if kind == "view":
            # a view would read the model's in-process objects after they are gone
            raise RekonError(
                f"{path.name}: a Python model that returns a relation must be a table, not a view"
            )
        con.register("model_output", output)
        try:
            con.execute(f"create or replace {kind} {table} as select * from model_output")
        finally:
            con.unregister("model_output")
        return
    # each setting holds for this model only: the connection's own value comes back after it
    settings = model_settings(path, code)
    before = {name: con.execute("select current_setting(?)", [name]).fetchall()[0][0] for name in settings}
    for name, value in settings.items():
        con.execute(f"set {name} = {value}")
    try:
        con.execute(f"create or replace {kind} {table} as {code}")
    finally:
        for name, value in before.items():
            con.execute(f"set {name} = ?", [value])


def attach_inputs(con, layout: Layout) -> None:
    """Make the models' inputs: sources as raw_* views over silver Parquet, quarantined rows as
    raw_quarantine (and payroll rows as received, raw_payroll_received), the previous period's
    published findings as prev_findings (for history), reference CSVs as ref_* tables, review
    decisions (`<data>/decisions/`) as raw_decisions, with an account of the decision files as
    decision_files, and the period as variables."""
    for source in REGISTRY_SOURCES:
        if not layout.silver(source).exists():
            raise RekonError(
                f"{source} has not been validated for {layout.period}: run ingest and validate first"
            )
    for source, view in RAW_VIEWS.items():
        silver = layout.silver(source)
        if silver.exists():
            con.execute(f"create or replace view {view} as select * from read_parquet({sql_path(silver)})")
        else:
            # An optional source that was not delivered: an empty table of the contract's shape.
            con.execute(f"create or replace table {view} as {empty_relation_sql(SOURCES[source])}")
    quarantined = [layout.quarantine(s) for s in SOURCES if layout.quarantine(s).exists()]
    if quarantined:
        files = ", ".join(sql_path(p) for p in quarantined)
        con.execute(f"create or replace view raw_quarantine as select * from read_parquet([{files}])")
    else:
        con.execute(
            "create or replace table raw_quarantine as select null::varchar as source, "
            "null::varchar as file, null::bigint as row_number, null::varchar as reason, "
            "null::varchar as detail where false"
        )
    # payroll rows as received (bronze), for the quarantined ones that review.csv may still name
    received = sorted(layout.bronze("payroll").glob("*.parquet")) if layout.bronze("payroll").exists() else []
    if received:
        files = ", ".join(sql_path(p) for p in received)
        con.execute(
            "create or replace view raw_payroll_received as select _file, _row_number, employer_nib, "
            "employer_npwp, nik, full_name, birth_date, gross_wage, period "
            f"from read_parquet([{files}], union_by_name = true)"
        )
    else:
        con.execute(
            "create or replace table raw_payroll_received as select null::varchar as _file, "
            "null::bigint as _row_number, null::varchar as employer_nib, null::varchar as employer_npwp, "
            "null::varchar as nik, null::varchar as full_name, null::date as birth_date, "
            "null::double as gross_wage, null::varchar as period where false"
        )
    previous = layout.previous().published / "findings.parquet"
    if previous.exists():
        source = sql_path(previous)
        con.execute(f"create or replace view prev_findings as select * from read_parquet({source})")
    else:
        con.execute(
            "create or replace table prev_findings as select null::varchar as period, "
            "null::varchar as category, null::varchar as employer_key, null::varchar as employer_name, "
            "null::varchar as regency_code, null::varchar as first_seen_period where false"
        )
    for name, path in reference_files().items():
        con.execute(
            f"create or replace table ref_{name} as select * from read_csv({sql_path(path)}, "
            "all_varchar = true, header = true)"
        )
    attach_decisions(con, layout.data)
    prepare_session(con, layout.period)
    con.execute((SQL_DIR / "macros.sql").read_text())


def prepare_session(con, period: str) -> None:
    """What each cursor that builds models needs of its own: the period as variables, and a search
    path that finds the intermediate models after the file's tables."""
    month = Period.parse(period)
    con.execute("set variable period = ?", [period])
    con.execute("set variable period_start = ?::date", [month.first_day])
    con.execute("set variable period_end = ?::date", [month.last_day])
    con.execute(f"use {WAREHOUSE}")
    con.execute(f"set search_path = '{WAREHOUSE},{SCRATCH}'")


# Tables in the file are written in row groups of this many rows, not DuckDB's 122,880: a row group
# is compressed by one thread, and with the default a worker list of 143 k rows (1 M payroll rows)
# would be compressed almost all by one. Builds are a few per cent faster at 1 M and 10 M for a
# slightly larger file (bench/HISTORY.md, 2026-11).
MART_ROW_GROUP = 16_384


def findings_per_category(con) -> dict[str, int]:
    """The built period's findings per category, for the step's summary."""
    return dict(con.execute("select category, count(*) from findings group by 1 order by 1").fetchall())


def connect_building(path: Path, alone: bool = False):
    """A DuckDB session that builds models into the file `path`: the file is its default database
    (staging views, reference tables, marts), and intermediate models go to its in-memory one
    (`SCRATCH`), which every cursor of the session sees. Spilled data goes beside the file, as it
    would for a session opened on the file itself."""
    con = connect(None, alone=alone)
    con.execute("set temp_directory = ?", [f"{path}.tmp"])
    con.execute(f"attach {sql_path(path)} as {WAREHOUSE} (row_group_size {MART_ROW_GROUP})")
    con.execute(f"use {WAREHOUSE}")
    return con


# Models are built side by side on this many cursors, each once the models it reads are built, as
# dbt builds independent models on its `threads`. At 1 M payroll rows most models are too small to
# keep both cores busy on their own, so two cursors build about a tenth faster; at 10 M, where most
# models do, they cost nothing, at the same peak memory. Three are no faster than two
# (bench/HISTORY.md, 2026-11).
MODEL_CURSORS = 2


def build_all(con, models: list[Model], period: str, cursors: int = MODEL_CURSORS) -> dict[str, float]:
    """Build `models` on up to `cursors` cursors of `con`'s session, each once the models it reads
    are built, in the order given among those ready; return each model's seconds. A model with
    `-- set:` lines is built alone, since DuckDB's settings hold for the whole session. The first
    model to fail stops the build: the models running then finish, and its error is raised."""
    inputs = {model.name: set(model.reads) & {m.name for m in models} for model in models}
    alone = {model.name for model in models if model_settings(model.path, model.path.read_text())}
    idle = [con.cursor() for _ in range(cursors)]
    opened = list(idle)
    pending, built, timings = [model.path for model in models], set(), {}
    running: dict[Future, tuple[Path, Any]] = {}

    def timed(cursor, path: Path) -> float:
        started = time.perf_counter()
        try:
            build_model(cursor, path)
        except Exception as error:
            # DuckDB's message quotes the SQL, not the file it came from
            error.add_note(f"while building the model {path.relative_to(path.parents[1])}")
            raise
        seconds = time.perf_counter() - started
        log.debug("built %s in %.3f s", path.stem, seconds)
        return round(seconds, 3)

    try:
        for cursor in idle:
            prepare_session(cursor, period)
        with ThreadPoolExecutor(cursors, thread_name_prefix="model") as pool:
            while pending or running:
                for path in [path for path in pending if inputs[path.stem] <= built]:
                    alone_running = any(busy.stem in alone for busy, _ in running.values())
                    if not idle or alone_running or (path.stem in alone and running):
                        break
                    pending.remove(path)
                    cursor = idle.pop()
                    running[pool.submit(timed, cursor, path)] = (path, cursor)
                if not running:
                    names = ", ".join(path.stem for path in pending)
                    raise RekonError(f"cannot build {names}: they read each other in a cycle")
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    path, cursor = running.pop(future)
                    timings[path.stem] = future.result()
                    built.add(path.stem)
                    idle.append(cursor)
    finally:
        for cursor in opened:
            cursor.close()
    return {model.name: timings[model.name] for model in models}


def build_models(layout: Layout) -> dict[str, Any]:
    target = layout.warehouse
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_suffix(".building")
    building.unlink(missing_ok=True)
    con = connect_building(building, alone=True)
    try:
        attach_inputs(con, layout)
        timings = build_all(con, plan(), layout.period)
        counts = findings_per_category(con)
    finally:
        con.close()
    building.replace(target)
    return {"database": str(target), "findings": counts, "model_seconds": timings}
