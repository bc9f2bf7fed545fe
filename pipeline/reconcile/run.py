"""Build the models of sql/models.txt into the period's DuckDB database.

The database is rebuilt from the silver files on every run and swapped into place, so a rerun
gives the same tables and a failed one leaves the previous database untouched.
"""

from __future__ import annotations

import calendar
import datetime as dt
import importlib.util
import logging
import re
import time
from pathlib import Path
from typing import Any

from pipeline.contract import REGISTRY_SOURCES, SOURCES, empty_relation_sql
from pipeline.db import connect, sql_path
from pipeline.errors import RekonError
from pipeline.layout import Layout
from pipeline.reference import reference_files

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"

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


def model_files(sql_dir: Path = SQL_DIR) -> list[Path]:
    lines = (sql_dir / "models.txt").read_text().splitlines()
    return [sql_dir / line.strip() for line in lines if line.strip() and not line.startswith("#")]


def model_inputs(models: list[Path]) -> dict[str, set[str]]:
    """The models each model reads: the names of the other models its SQL mentions outside
    comments."""
    names = {path.stem for path in models}
    inputs = {}
    for path in models:
        comment = "#" if path.suffix == ".py" else "--"
        code = re.sub(comment + r"[^\n]*", "", path.read_text())
        inputs[path.stem] = set(re.findall(r"\b\w+\b", code)) & names - {path.stem}
    return inputs


def models_needed(models: list[Path], targets: set[str]) -> list[Path]:
    """The models that building `targets` takes (the targets and all they read), in build order."""
    inputs, needed, todo = model_inputs(models), set(), list(targets)
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo.extend(inputs[name])
    return [path for path in models if path.stem in needed]


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    year, month = map(int, period.split("-"))
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def previous_period(period: str) -> str:
    start, _ = period_bounds(period)
    before = start - dt.timedelta(days=1)
    return f"{before.year:04d}-{before.month:02d}"


# A SQL model's config, as dbt's config block gives it: `-- key: value` lines at the top of the file.
CONFIG_LINE = re.compile(r"-- (materialized|set): (.+)")


def model_config(code: str) -> dict[str, list[str]]:
    """The values of each config key at the top of a SQL model: `materialized: view`, and
    `set: <setting> = <value>` for a DuckDB setting that holds only while the model is built."""
    config: dict[str, list[str]] = {}
    for line in code.splitlines():
        match = CONFIG_LINE.fullmatch(line.strip())
        if not match:
            break
        config.setdefault(match[1], []).append(match[2].strip())
    return config


def materialisation(model: Path, code: str) -> str:
    """How a model is kept: staging models only rename and cast, so they stay views over the
    silver files; intermediate models are temp tables (built in memory, spilled to disk when
    large, never written to the database file: writing them cost a third of the step); marts are
    what `publish` and the merge read, tables in the file. A SQL model configured
    `-- materialized: view` is a view instead (a temp view among the intermediate models)."""
    kind = {"staging": "view", "intermediate": "temp table"}.get(model.parent.name, "table")
    if model.suffix == ".sql" and model_config(code).get("materialized") == ["view"]:
        return "temp view" if kind == "temp table" else "view"
    return kind


def build_model(con, path: Path) -> None:
    """Make the table or view named after the model file. A `.sql` model is one `select`; a `.py`
    model is a module whose `model(con)` returns a relation (as dbt's Python models return a
    frame), for work that SQL does badly, such as a graph search."""
    code = path.read_text()
    kind = materialisation(path, code)
    if path.suffix == ".py":
        if kind.endswith("view"):
            # a view would read the model's in-process objects after they are gone
            raise RekonError(f"{path.name}: a Python model must be a table, not a {kind}")
        spec = importlib.util.spec_from_file_location(f"rekon_model_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        con.register("model_output", module.model(con))
        try:
            con.execute(f"create or replace {kind} {path.stem} as select * from model_output")
        finally:
            con.unregister("model_output")
        return
    # each setting holds for this model only: the connection's own value comes back after it
    settings = dict(setting.split("=", 1) for setting in model_config(code).get("set", []))
    before = {
        name: con.execute("select current_setting(?)", [name.strip()]).fetchall()[0][0] for name in settings
    }
    for name, value in settings.items():
        con.execute(f"set {name} = {value}")
    try:
        con.execute(f"create or replace {kind} {path.stem} as {code}")
    finally:
        for name, value in before.items():
            con.execute(f"set {name} = ?", [value])


def attach_inputs(con, layout: Layout) -> None:
    """Make the models' inputs: sources as raw_* views over silver Parquet, quarantined rows as
    raw_quarantine, the previous period's published findings as prev_findings (for history),
    reference CSVs as ref_* tables, and the period as variables."""
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
    previous = layout.data / "published" / previous_period(layout.period) / "findings.parquet"
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
    start, end = period_bounds(layout.period)
    con.execute("set variable period = ?", [layout.period])
    con.execute("set variable period_start = ?::date", [start])
    con.execute("set variable period_end = ?::date", [end])
    con.execute((SQL_DIR / "macros.sql").read_text())


def build_models(layout: Layout) -> dict[str, Any]:
    target = layout.warehouse
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_suffix(".building")
    building.unlink(missing_ok=True)
    con = connect(building, alone=True)
    timings: dict[str, float] = {}
    try:
        attach_inputs(con, layout)
        for path in model_files():
            started = time.perf_counter()
            build_model(con, path)
            timings[path.stem] = round(time.perf_counter() - started, 3)
            log.debug("built %s in %.3f s", path.stem, timings[path.stem])
        counts = dict(
            con.execute(
                "select category, count(*) from findings group by category order by category"
            ).fetchall()
        )
    finally:
        con.close()
    building.replace(target)
    return {"database": str(target), "findings": counts, "model_seconds": timings}
