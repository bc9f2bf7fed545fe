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
DAG_IDS = ("rekon_monthly", "rekon_branch_summaries")

# Worth several seconds each to import: the dag-processor re-parses DAG files every few
# seconds, so these belong inside the tasks. `pipeline` too: its steps import them.
HEAVY = ("pandas", "pyarrow", "duckdb", "great_expectations", "pipeline")
# What DAG files may import at parse time: the run settings, periods and alerts, the one Period
# type (pipeline/layout.py: standard library only), and airflow.sdk (tests/unit/test_orchestration.py).
LIGHT = ("pipeline", "pipeline.orchestration", "pipeline.layout")


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
    assert {
        path: ours for path, warnings in dagbag.captured_warnings.items() if (ours := _ours(warnings))
    } == {}
    assert set(DAG_IDS) <= set(dagbag.dag_ids)


def _ours(warnings: tuple[str, ...]) -> list[str]:
    # apache-airflow-providers-standard 1.21.0 (the latest) imports a deprecated Airflow helper
    # in the module behind @task.sensor: that warning is the provider's, not the DAG files'.
    return [w for w in warnings if "airflow.utils.operator_helpers.determine_kwargs" not in w]


def test_dag_has_the_expected_tasks(dag: DAG) -> None:
    assert set(dag.task_ids) == {
        "settings",
        "wait_for_delivery",
        "claim_period",
        "check_delivery",
        "ingest",
        "validate",
        "prepare_partitions",
        "reconcile_partition",
        "merge",
        "publish",
        "release_period",
    }
    # One ingest and one validate per delivered source, one reconcile per province present.
    mapped = {t.task_id for t in dag.tasks if t.get_needs_expansion()}
    assert mapped == {"ingest", "validate", "reconcile_partition"}
    # settings feeds every task the period, folders and claim name, so it is upstream of all.
    upstream = {t.task_id: t.upstream_task_ids - {"settings"} for t in dag.tasks}
    assert upstream == {
        "settings": set(),
        "wait_for_delivery": set(),
        "claim_period": {"wait_for_delivery"},
        "check_delivery": {"claim_period"},
        "ingest": {"check_delivery"},
        # After every ingest, not just its own source's: batch expectations of
        # registry/participants read registry/employers' ingested files.
        "validate": {"check_delivery", "ingest"},
        "prepare_partitions": {"validate"},
        "reconcile_partition": {"prepare_partitions"},
        "merge": {"reconcile_partition"},
        "publish": {"merge"},
        "release_period": {"publish", "claim_period"},
    }
    # The claim is a setup and its release the teardown: clearing any task in between clears
    # them too, and the release runs however the run ends.
    assert dag.get_task("claim_period").is_setup
    assert dag.get_task("release_period").is_teardown
    assert [a.name for a in dag.get_task("publish").outlets] == ["rekon_published"]


def test_summaries_dag_runs_on_the_published_asset(dagbag: DagBag) -> None:
    summaries = dagbag.dags["rekon_branch_summaries"]
    assert [a.name for a in summaries.timetable.asset_condition.objects] == ["rekon_published"]
    assert set(summaries.task_ids) == {"published_periods", "summarise", "email_branches"}
    assert summaries.doc_md and "rekon_smtp" in summaries.doc_md


def test_dag_schedule_and_retries(dagbag: DagBag, dag: DAG) -> None:
    from pipeline.orchestration.settings import durations

    settings = durations()
    assert dag.catchup is False
    # D1: a period rerun runs beside a scheduled run that waits for its delivery.
    assert dag.max_active_runs > 1
    assert dag.doc_md and "period" in dag.doc_md
    for dag_id in DAG_IDS:
        # D9: a hung task or run frees its worker.
        assert dagbag.dags[dag_id].dagrun_timeout == settings["run_timeout"], dag_id
        for task in dagbag.dags[dag_id].tasks:
            assert task.retries >= 1, task.task_id
            assert task.retry_exponential_backoff > 1, task.task_id
            assert task.max_retry_delay is not None, task.task_id
            assert task.execution_timeout == settings["task_timeout"], task.task_id
            # D14: every task says what it does; D8: a failed task alerts.
            assert task.doc_md, task.task_id
            assert task.on_failure_callback, task.task_id
    # Sensors give up, with a message, rather than wait for ever.
    for task_id in ("wait_for_delivery", "claim_period"):
        sensor = dag.get_task(task_id)
        assert sensor.mode == "reschedule" and 0 < sensor.timeout <= 3 * 24 * 3600, task_id
    assert dag.dagrun_timeout > timedelta(seconds=dag.get_task("wait_for_delivery").timeout)


def test_the_period_param_and_the_ready_marker(dag: DAG) -> None:
    from airflow.sdk.exceptions import ParamValidationError

    params = dag.params
    assert params["require_ready_marker"] is True
    assert params["period"] is None
    period = params.get_param("period")
    assert period.schema["pattern"] and "null" in period.schema["type"]
    # The trigger form takes a month or nothing, and refuses anything else.
    assert period.resolve("2026-08") == "2026-08"
    assert period.resolve(None) is None
    for bad in ("2026-13", "2026-8", "202608", "2026-08-01"):
        with pytest.raises(ParamValidationError):
            period.resolve(bad)


def test_a_month_not_published_in_time_alerts(dag: DAG) -> None:
    from airflow.sdk import AsyncCallback, DeadlineReference

    from pipeline.orchestration.alerts import RekonAlert
    from pipeline.orchestration.settings import durations

    (deadline,) = dag.deadline
    assert deadline.reference == DeadlineReference.DAGRUN_QUEUED_AT
    assert deadline.interval == durations()["publication_due"]
    assert isinstance(deadline.callback, AsyncCallback)
    assert deadline.callback.path == f"{RekonAlert.__module__}.RekonAlert"
    assert deadline.callback.kwargs == {"kind": "late"}
    publish = dag.get_task("publish")
    assert any(getattr(cb, "kind", None) == "published" for cb in publish.on_success_callback)


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
light = {list(LIGHT)!r}
modules = [m for m in sys.modules if m not in light and not m.startswith("pipeline.orchestration.")]
heavy = sorted({{m.split(".")[0] for m in modules}} & set({list(HEAVY)!r}))
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
