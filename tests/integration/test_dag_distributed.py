"""Airflow as it runs in production: separate scheduler, dag-processor, API server and workers.

Each test starts real Airflow components as subprocesses, with a throw-away AIRFLOW_HOME and a
fresh metadata database on this machine's PostgreSQL (`.ci/run` starts it, and Redis, when
they are down):

- `test_celery_backfill_publishes_what_rekon_run_publishes`: the CeleryExecutor, with Redis as
  the broker and a Celery worker process, backfills three months; each month's lists equal
  `rekon run`'s over the same months, byte for byte; every publish updates the asset, and the
  summaries DAG it triggers writes per-branch summaries and e-mails them to an SMTP server
  in this process.
- `test_local_executor_run_and_clear`: the LocalExecutor runs one month of a delivery holding
  only the required registry and payroll, publishes what `rekon run` does, and publishes the
  same files again after a reconcile partition and everything after it are cleared.

Tasks reach the metadata database only through the API server's Execution API, which checks
the JWT every component signs with the shared `AIRFLOW__API_AUTH__JWT_SECRET`
(tests/integration/airflow_cluster.py starts and stops the components).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.airflow_cluster import (
    COMPARED,
    PG,
    REDIS,
    RUN_TIMEOUT,
    Cluster,
    SmtpSink,
    _reachable,
    assert_same_publication,
    clusters,
    copy_required_delivery,
    print_timings,
)

PERIODS = ("2026-08", "2026-09", "2026-10")
EMPLOYERS = 200

pytestmark = pytest.mark.real_scheduler


@pytest.fixture
def cluster_factory(tmp_path: Path) -> Iterator[Any]:
    with clusters(tmp_path) as make:
        yield make


@pytest.fixture(scope="module", autouse=True)
def services() -> None:
    missing = [
        name
        for name, addr in (("PostgreSQL", (PG["host"], PG["port"])), ("Redis", REDIS))
        if not _reachable(addr)
    ]
    if missing:
        message = f"{', '.join(missing)} not running on 127.0.0.1 (.ci/run starts them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.demo.generate import generate

    out = tmp_path_factory.mktemp("landing")
    generate(out, employers=EMPLOYERS, seed=20263, period=PERIODS[-1], periods=len(PERIODS))
    for period in PERIODS:
        # The agencies' "delivery complete" marker the DAG waits for.
        (out / period / "_READY").touch()
    return out


@pytest.fixture(scope="module")
def expected(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`rekon run` for the three months in order, with each month's wall time."""
    from pipeline.runner import run_period

    months = tmp_path_factory.mktemp("cli-months")
    seconds = {}
    for period in PERIODS:
        started = time.perf_counter()
        run_period(period, landing, months)
        seconds[period] = time.perf_counter() - started
    return {"months": months, "seconds": seconds}


def test_celery_backfill_publishes_what_rekon_run_publishes(
    cluster_factory: Any,
    landing: Path,
    expected: dict[str, Any],
    tmp_path: Path,
    record_property: pytest.RecordProperty,
) -> None:
    data = tmp_path / "data"
    with SmtpSink() as smtp:
        threading.Thread(target=smtp.serve_forever, daemon=True).start()
        connection = {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": smtp.server_address[1],
            "extra": {"from_email": "rekon@bpjs.test", "disable_tls": True, "disable_ssl": True},
        }
        started = time.perf_counter()
        cluster = cluster_factory(
            "CeleryExecutor",
            AIRFLOW_VAR_REKON_LANDING=str(landing),
            AIRFLOW_VAR_REKON_DATA=str(data),
            AIRFLOW_CONN_REKON_SMTP=json.dumps(connection),
            AIRFLOW_VAR_REKON_BRANCH_RECIPIENTS=json.dumps({"*": ["pusat@bpjs.test"]}),
        )
        startup = time.perf_counter() - started

        # Runs on 1 September, 1 October and 1 November reconcile August, September, October.
        started = time.perf_counter()
        # The README's command, no other option: the months still publish oldest first.
        cluster.airflow(
            "backfill", "create", "--dag-id", "rekon_monthly",
            "--from-date", "2026-09-01T00:00:00+00:00", "--to-date", "2026-11-01T00:00:00+00:00",
        )  # fmt: skip
        runs = cluster.wait_for_runs("rekon_monthly", len(PERIODS), timeout=RUN_TIMEOUT * len(PERIODS))
        seconds = time.perf_counter() - started
        cli = sum(expected["seconds"].values())
        record_property("celery_backfill_seconds", round(seconds, 1))
        record_property("cli_three_months_seconds", round(cli, 1))
        print(f"Celery cluster up in {startup:.1f} s; 3 months {seconds:.1f} s; `rekon run` x3 {cli:.1f} s")
        print_timings(cluster, "rekon_monthly")

        # A backfilled run's logical date is the start of its data interval: the period's month.
        assert [r[2].strftime("%Y-%m") for r in runs] == list(PERIODS)
        for period in PERIODS:
            # History (BARU/BERULANG, SELESAI) carries over between months exactly as in the CLI.
            published = Path("published") / period
            assert_same_publication(data / published, expected["months"] / published)
            # The teardown gave the period back: `rekon run` may work on it again.
            assert not (data / "work" / period / ".claim").exists()
        # The Celery worker ran every task, one mapped reconcile per province present.
        queues = {row[0] for row in cluster.sql("select distinct queue from task_instance")}
        assert queues == {cluster.env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"]}, queues
        provinces = cluster.sql(
            "select count(distinct map_index) from task_instance where task_id = 'reconcile_partition'"
        )[0][0]
        assert provinces >= 2

        # Every publish updated the asset. The scheduler ran without its own schedule so far
        # (only the runs a test asks for, whatever today's date); asset-triggered runs need it:
        # restart it with the schedule on and rekon_monthly paused, and the summaries DAG runs.
        cluster.airflow("dags", "pause", "rekon_monthly")
        cluster.restart("scheduler", "scheduler", AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="True")
        cluster.wait_for_runs("rekon_branch_summaries", 1)
        index = sorted(data.glob("summaries/*/branches.csv"))
        assert index, "no per-branch summaries written"
        cluster.wait(lambda: len(smtp.messages) > 0, 60, "a summary e-mail")
        assert smtp.messages[0]["to"] == ["pusat@bpjs.test"]
        assert "Rekon 2026-" in smtp.messages[0]["data"]
        smtp.shutdown()


def test_local_executor_run_and_clear(cluster_factory: Any, landing: Path, tmp_path: Path) -> None:
    from pipeline.runner import run_period

    period = PERIODS[-1]
    small = tmp_path / "landing"
    copy_required_delivery(landing, small, period)
    run_period(period, small, tmp_path / "cli")

    data = tmp_path / "data"
    cluster = cluster_factory(
        "LocalExecutor", AIRFLOW_VAR_REKON_LANDING=str(small), AIRFLOW_VAR_REKON_DATA=str(data)
    )
    started = time.perf_counter()
    # A manual run without a period: the month before its logical date.
    cluster.airflow("dags", "trigger", "rekon_monthly", "--logical-date", "2026-11-01T00:00:00+00:00")
    cluster.wait_for_runs("rekon_monthly", 1)
    print(f"LocalExecutor run {time.perf_counter() - started:.1f} s")
    print_timings(cluster, "rekon_monthly")
    published = Path("published") / period
    assert_same_publication(data / published, tmp_path / "cli" / published)

    # Clear one province's reconcile and everything after it: Airflow re-runs the claim (setup)
    # and its release (teardown) with them, and the same files are published again.
    before = {name: (data / published / name).read_bytes() for name in COMPARED}
    stamp = (data / published / "manifest.json").stat().st_mtime_ns
    cluster.airflow(
        # Airflow 3.3 matches --task-regex as a substring of the task id.
        "tasks", "clear", "rekon_monthly", "--task-regex", "reconcile_partition", "--downstream",
        "--start-date", "2026-11-01T00:00:00+00:00", "--end-date", "2026-11-01T00:00:00+00:00", "--yes",
    )  # fmt: skip
    cluster.wait(lambda: _publish_ran_again(cluster), RUN_TIMEOUT, "the cleared tasks to run again")
    cluster.wait_for_runs("rekon_monthly", 1)
    assert (data / published / "manifest.json").stat().st_mtime_ns != stamp, "publish did not run again"
    assert {name: (data / published / name).read_bytes() for name in COMPARED} == before
    assert not (data / "work" / period / ".claim").exists()


def _publish_ran_again(cluster: Cluster) -> bool:
    """Whether the publish task has succeeded again (its second try) since the clear."""
    rows = cluster.sql(
        "select state, try_number from task_instance where dag_id = 'rekon_monthly' and task_id = 'publish'"
    )
    return bool(rows) and rows[0][0] == "success" and rows[0][1] >= 2
