"""The DAG files parse the way Airflow's dag-processor parses them: cleanly, quickly, lightly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import DAG

DAGS = Path(__file__).resolve().parents[2] / "dags"
DAG_ID = "rekon_monthly"

# Worth several seconds each to import: the dag-processor re-parses DAG files every few
# seconds, so these belong inside the tasks. `pipeline` too: its steps import them.
HEAVY = ("pandas", "pyarrow", "duckdb", "great_expectations", "pipeline")


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=DAGS)


@pytest.fixture(scope="module")
def dag(dagbag: DagBag) -> DAG:
    return dagbag.dags[DAG_ID]


def test_every_dag_file_imports_without_errors(dagbag: DagBag) -> None:
    # DagBag in Airflow 3 has no include_examples: examples are a separate bundle, and
    # AIRFLOW__CORE__LOAD_EXAMPLES=False (conftest) keeps them out anyway.
    assert dagbag.import_errors == {}
    assert dagbag.captured_warnings == {}
    assert DAG_ID in dagbag.dag_ids


def test_dag_has_the_expected_tasks(dag: DAG) -> None:
    assert set(dag.task_ids) == {
        "settings",
        "check_delivery",
        "source.ingest",
        "source.validate",
        "reconcile",
        "publish",
    }
    # One ingest and one validate per delivered source, decided at run time.
    mapped = {t.task_id for t in dag.tasks if t.get_closest_mapped_task_group() is not None}
    assert mapped == {"source.ingest", "source.validate"}
    # settings feeds every task the period and folders, so it is upstream of all of them.
    upstream = {t.task_id: t.upstream_task_ids - {"settings"} for t in dag.tasks}
    assert upstream == {
        "settings": set(),
        "check_delivery": set(),
        "source.ingest": {"check_delivery"},
        # check_delivery: the mapped `source` argument comes from its list.
        "source.validate": {"check_delivery", "source.ingest"},
        "reconcile": {"source.validate"},
        "publish": {"reconcile"},
    }


def test_dag_schedule_and_retries(dag: DAG) -> None:
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.doc_md and "period" in dag.doc_md
    for task in dag.tasks:
        assert task.retries >= 1
        assert task.retry_exponential_backoff > 1
        assert task.max_retry_delay is not None


@pytest.mark.parametrize(
    ("run_after", "manual", "period"),
    [
        (datetime(2026, 11, 1), False, "2026-10"),  # the scheduled run on the 1st
        # a rerun triggered later in the month
        (datetime(2026, 11, 20), True, "2026-10"),
        (datetime(2026, 1, 1), True, "2025-12"),
        (datetime(2026, 3, 31), True, "2026-02"),
    ],
)
def test_a_run_covers_the_month_before_its_logical_date(
    dag: DAG, run_after: datetime, manual: bool, period: str
) -> None:
    import pendulum
    from airflow.serialization.encoders import coerce_to_core_timetable
    from airflow.timetables.base import TimeRestriction

    timetable = coerce_to_core_timetable(dag.timetable)
    when = pendulum.instance(run_after, tz="UTC")
    if manual:
        interval = timetable.infer_manual_data_interval(run_after=when)
    else:
        restriction = TimeRestriction(earliest=when - timedelta(days=1), latest=None, catchup=True)
        info = timetable.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
        assert info is not None and info.run_after == when
        interval = info.data_interval
    assert interval.start.strftime("%Y-%m") == period


def test_parsing_is_fast(dagbag: DagBag) -> None:
    from airflow.dag_processing.dagbag import DagBag

    started = time.perf_counter()
    DagBag(dag_folder=DAGS)
    elapsed = time.perf_counter() - started
    # Generous: parsing takes well under 0.1 s here. Seconds would mean I/O or heavy imports.
    assert elapsed < 5, f"parsing dags/ took {elapsed:.2f} s"
    for stat in dagbag.dagbag_stats:
        assert stat.duration.total_seconds() < 5, stat


def test_dag_files_do_not_import_heavy_modules() -> None:
    # A fresh interpreter: in this one, other tests may have imported pandas already.
    probe = f"""
import importlib.util, json, pathlib, sys, time
import airflow.sdk  # paid by every DAG file alike; not what this test measures
loaded = {{}}
for path in sorted(pathlib.Path({str(DAGS)!r}).glob("*.py")):
    started = time.perf_counter()
    spec = importlib.util.spec_from_file_location("dag_" + path.stem, path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    loaded[path.name] = time.perf_counter() - started
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({list(HEAVY)!r}))
print(json.dumps({{"files": loaded, "heavy": heavy}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["files"], "no DAG file found"
    assert report["heavy"] == [], f"importing dags/ imported {report['heavy']}"
    for name, seconds in report["files"].items():
        assert seconds < 5, f"{name} took {seconds:.2f} s to import"
