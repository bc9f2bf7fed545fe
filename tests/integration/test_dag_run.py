"""The DAG, run by real Airflow on demo data, publishes exactly what the steps publish run directly.

`dag.test()` runs every task in this process against the SQLite metadata DB the `airflow_db`
fixture creates, with no scheduler or executor. The direct run is `rekon run`'s own code
(`pipeline.runner.run_period`: the `pipeline.steps` functions in order) into another data folder.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from airflow.models.dagrun import DagRun
    from airflow.sdk import DAG

DAGS = Path(__file__).resolve().parents[2] / "dags"
DAG_ID = "rekon_monthly"
PERIOD = "2026-10"
# The scheduled run that fires on 1 November reconciles October.
LOGICAL_DATE = datetime(2026, 11, 1, tzinfo=UTC)
COMPARED = ("findings.csv", "workers.csv", "coverage.csv", "quarantine.csv")


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.demo.generate import generate

    out = tmp_path_factory.mktemp("landing")
    generate(out, employers=200, seed=20261, period=PERIOD)
    (out / PERIOD / "_READY").touch()  # complete: the DAG reads a delivery only then
    return out


def load_dag() -> DAG:
    """A fresh parse of the DAG file, as the dag-processor would produce it."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=DAGS)
    assert bag.import_errors == {}
    dag = bag.dags[DAG_ID]
    # dag.test() in Airflow 3.3 cannot prune a DeadlineAlert when a run succeeds (it looks the
    # alert up by its definition instead of its stored id); the real scheduler's tests
    # (test_dag_scheduler.py) run the deadline.
    dag.deadline = None
    return dag


def task_states(run: DagRun) -> dict[str, str]:
    return {f"{ti.task_id}[{ti.map_index}]": str(ti.state) for ti in run.get_task_instances()}


def run_settings(run: DagRun) -> dict[str, str]:
    """The period and folders the run resolved (the `settings` task's XComs)."""
    ti = run.get_task_instance("settings")
    assert ti is not None
    return {key: ti.xcom_pull(task_ids="settings", key=key) for key in ("period", "landing", "data")}


def test_dag_publishes_what_the_steps_publish(
    airflow_db: Path,
    landing: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    record_property: pytest.RecordProperty,
) -> None:
    from pipeline.runner import run_period

    direct, via_airflow = tmp_path / "direct", tmp_path / "airflow"
    # Exactly what `rekon run --period ... --landing ... --data direct` does.
    run_period(PERIOD, landing, direct)

    # Through Airflow Variables, the DAG's first choice. Given as AIRFLOW_VAR_* rather than
    # dag.test(variable_file_path=...): Airflow 3.3 memoises that file's secrets backend for
    # the rest of the process, so its values would leak into every later dag.test() call.
    monkeypatch.setenv("AIRFLOW_VAR_REKON_LANDING", str(landing))
    monkeypatch.setenv("AIRFLOW_VAR_REKON_DATA", str(via_airflow))
    dag = load_dag()
    started = time.perf_counter()
    run = dag.test(logical_date=LOGICAL_DATE)
    seconds = time.perf_counter() - started
    record_property("dag_test_seconds", round(seconds, 1))
    print(f"dag.test() took {seconds:.1f} s")

    assert run.state == "success", task_states(run)
    assert run_settings(run) == {
        "period": PERIOD,
        "landing": str(landing),
        "data": str(via_airflow),
    }
    delivered = {ti.map_index for ti in run.get_task_instances() if ti.task_id == "ingest"}
    assert len(delivered) >= 2, "expected one mapped ingest per delivered source"
    provinces = {ti.map_index for ti in run.get_task_instances() if ti.task_id == "reconcile_partition"}
    assert len(provinces) >= 2, "expected one mapped reconcile per province present"
    # The teardown gave the period back.
    assert not (via_airflow / "work" / PERIOD / ".claim").exists()

    expected = direct / "published" / PERIOD
    published = via_airflow / "published" / PERIOD
    for name in COMPARED:
        assert (published / name).read_bytes() == (expected / name).read_bytes(), name
    assert (published / "manifest.json").is_file()


def test_a_ready_delivery_without_registry_fails_at_once_and_publishes_nothing(
    airflow_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # November's delivery is marked complete but holds payroll and no registry extracts.
    landing, data = tmp_path / "landing", tmp_path / "data"
    payroll = landing / "2026-11" / "payroll"
    payroll.mkdir(parents=True)
    (payroll / "payroll.csv").write_text("npwp,nik,nama,gaji\n")
    (landing / "2026-11" / "_READY").touch()
    # No Variables this time: the folders come from the environment fallback.
    monkeypatch.setenv("REKON_LANDING", str(landing))
    monkeypatch.setenv("REKON_DATA", str(data))

    dag = load_dag()
    started = time.perf_counter()
    run = dag.test(logical_date=datetime(2026, 12, 1, tzinfo=UTC))

    states = task_states(run)
    assert run.state == "failed", states
    # Failed at the first poke, without retries: the marker says nothing more is coming.
    assert time.perf_counter() - started < 60
    assert run_settings(run) == {"period": "2026-11", "landing": str(landing), "data": str(data)}
    assert states["wait_for_delivery[-1]"] == "failed", states
    assert states["claim_period[-1]"] == "upstream_failed", states
    assert states["publish[-1]"] == "upstream_failed", states
    assert not (data / "published").exists()


def test_a_dag_run_waits_for_a_cli_run_of_the_same_period(
    airflow_db: Path, landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.claim import exclusive
    from pipeline.layout import Layout

    data = tmp_path / "data"
    monkeypatch.setenv("REKON_LANDING", str(landing))
    monkeypatch.setenv("REKON_DATA", str(data))
    dag = load_dag()
    claim = dag.get_task("claim_period")
    # Seconds instead of hours: the CLI run below never ends while the DAG run waits.
    claim.timeout, claim.poke_interval, claim.retries = 2, 0.5, 0
    # What `rekon run --period 2026-10` holds for its whole run.
    with exclusive(Layout(data, PERIOD)):
        run = dag.test(logical_date=LOGICAL_DATE)

    states = task_states(run)
    assert run.state == "failed", states
    assert states["claim_period[-1]"] == "failed", states
    assert states["check_delivery[-1]"] == "upstream_failed", states
    assert not (data / "work" / PERIOD / ".claim").exists()
    assert not (data / "published").exists()
