"""rekon_monthly under a real scheduler gives `rekon run`'s answers (CONTRACT.md section 6).

One LocalExecutor cluster (api-server, scheduler, dag-processor, triggerer; a throw-away
PostgreSQL database; tests/integration/airflow_cluster.py) runs with its own schedule on, so the
month's scheduled run (period 2026-11, whose delivery never comes) waits on its sensor
throughout, as it would in production in early December. Beside it, in this order:

1. the README's backfill command, no other option, publishes 2026-08..2026-10 one at a time,
   oldest first, each byte for byte what `rekon run` publishes for those months in order; the
   summaries DAG writes every period's branch summaries; each publication alerts by e-mail;
2. a trigger with `{"period": "2026-08"}` publishes that month again, and nothing else, at once;
3. an operator marks a run failed while it works: it publishes nothing and releases its claim;
4. a delivery without a registry, then one with a truncated registry, each fail at once (no task
   tried twice, none waiting to retry), publish nothing, release the period and alert; the good
   delivery runs next and publishes;
5. the waiting scheduled run misses its deadline (set to seconds here): the DeadlineAlert fires.

Each test prints its wall time (`-s` shows them).
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.airflow_cluster import (
    Cluster,
    SmtpSink,
    assert_same_publication,
    clusters,
    copy_required_delivery,
    postgres_reachable,
)

pytestmark = pytest.mark.real_scheduler

DAG_ID = "rekon_monthly"
PERIODS = ("2026-08", "2026-09", "2026-10")
BAD = "2026-07"  # the month whose deliveries go wrong
SCHEDULED = "2026-11"  # the scheduled run's period: its delivery never comes
# Bounds that stop a hung cluster, not measurements: on a quiet machine a 3-month backfill takes
# well under 6 minutes and a run under 3 (the tests print their times); a shared 2-core machine
# can take three times as long.
BACKFILL_BUDGET = 1200
RUN_BUDGET = 600
ALERTS_TO = "ops@bpjs.test"


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.demo.generate import generate

    full = tmp_path_factory.mktemp("generated")
    generate(full, employers=200, seed=20263, period=PERIODS[-1], periods=len(PERIODS) + 1)
    out = tmp_path_factory.mktemp("landing")
    for period in (BAD, *PERIODS):
        copy_required_delivery(full, out, period)
    return out


@pytest.fixture(scope="module")
def good_bad_month(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bad month's good delivery, put back when the tests are done breaking it."""
    copy = tmp_path_factory.mktemp("good") / BAD
    shutil.copytree(landing / BAD, copy)
    return copy


@pytest.fixture(scope="module")
def expected(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`rekon run` for the three months in order."""
    from pipeline.runner import run_period

    months = tmp_path_factory.mktemp("cli-months")
    for period in PERIODS:
        run_period(period, landing, months)
    return months


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        threading.Thread(target=sink.serve_forever, daemon=True).start()
        yield sink
        sink.shutdown()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def cluster(
    landing: Path, data: Path, smtp: SmtpSink, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    if not postgres_reachable():
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (.ci/run starts it)")
    connection = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": smtp.server_address[1],
        "extra": {"from_email": "rekon@bpjs.test", "disable_tls": True, "disable_ssl": True},
    }
    with clusters(tmp_path_factory.mktemp("cluster")) as make:
        started = time.perf_counter()
        cluster = make(
            "LocalExecutor",
            # The scheduler's own schedule: the latest month's run is created and waits.
            AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="True",
            AIRFLOW_VAR_REKON_LANDING=str(landing),
            AIRFLOW_VAR_REKON_DATA=str(data),
            AIRFLOW_CONN_REKON_SMTP=json.dumps(connection),
            AIRFLOW_VAR_REKON_ALERT_RECIPIENTS=ALERTS_TO,
            # Quicker turns than production's (pipeline/orchestration/settings.toml).
            REKON_DELIVERY_POKE_SECONDS="30",
            REKON_CLAIM_POKE_SECONDS="30",
            REKON_RETRY_DELAY_MINUTES="1",
            # About a minute: the waiting scheduled run misses it while the tests run.
            REKON_PUBLICATION_DUE_DAYS="0.0007",
        )
        print(f"cluster up in {time.perf_counter() - started:.1f} s")
        cluster.wait(lambda: _scheduled_run_waits(cluster), 180, "the scheduled run to wait for its delivery")
        yield cluster


def _scheduled_run(cluster: Cluster) -> str | None:
    rows = cluster.sql(
        "select run_id from dag_run where dag_id = %s and run_type = 'scheduled' and state = 'running'",
        (DAG_ID,),
    )
    return rows[0][0] if rows else None


def _scheduled_run_waits(cluster: Cluster) -> bool:
    """The scheduled run is running, its delivery sensor waiting (nothing after it started)."""
    run_id = _scheduled_run(cluster)
    if run_id is None:
        return False
    tries = cluster.tries(DAG_ID, run_id)
    sensor = tries.get("wait_for_delivery[-1]", (None, 0))[0]
    started = [task for task, (state, _) in tries.items() if state and task.startswith(("claim", "ingest"))]
    # Between two pokes the sensor is rescheduled, scheduled, queued, running: never finished.
    return sensor in ("up_for_reschedule", "scheduled", "queued", "running") and not started


def _settings_period(cluster: Cluster, run_id: str) -> str:
    rows = cluster.sql(
        "select value from xcom where dag_id = %s and run_id = %s "
        "and task_id = 'settings' and key = 'period'",
        (DAG_ID, run_id),
    )
    if not rows:
        return ""
    value = rows[0][0]  # a jsonb column: psycopg gives the decoded value
    return value if isinstance(value, str) else json.loads(value)


def _note(cluster: Cluster, run_id: str) -> str | None:
    rows = cluster.sql(
        "select n.content from dag_run_note n join dag_run r on r.id = n.dag_run_id where r.run_id = %s",
        (run_id,),
    )
    return rows[0][0] if rows else None


def _task_times(cluster: Cluster, run_id: str, task_id: str) -> tuple[Any, Any]:
    rows = cluster.sql(
        "select min(start_date), max(end_date) from task_instance "
        "where dag_id = %s and run_id = %s and task_id = %s",
        (DAG_ID, run_id, task_id),
    )
    return rows[0]


def _trigger(cluster: Cluster, period: str, run_id: str) -> None:
    cluster.airflow("dags", "trigger", DAG_ID, "--run-id", run_id, "--conf", json.dumps({"period": period}))


def _text(message: dict[str, Any]) -> str:
    """A received mail's subject and text parts, decoded (bodies travel base64-encoded)."""
    import email
    from email.header import decode_header, make_header

    parsed = email.message_from_string(message.get("data", ""))
    parts = [str(make_header(decode_header(parsed.get("Subject", ""))))]
    for part in parsed.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8"))
    return "\n".join(parts)


def _mail(smtp: SmtpSink, subject: str) -> list[str]:
    return [text for text in map(_text, smtp.messages) if subject in text]


def test_backfill_publishes_oldest_first_with_the_history_of_rekon_run(
    cluster: Cluster, data: Path, expected: Path, smtp: SmtpSink, record_property: pytest.RecordProperty
) -> None:
    started = time.perf_counter()
    # The README's command, with no other option.
    cluster.airflow(
        "backfill", "create", "--dag-id", DAG_ID, "--from-date", "2026-09-01", "--to-date", "2026-11-01"
    )  # fmt: skip

    def backfill_done() -> bool:
        states = [r[0] for r in cluster.sql("select state from dag_run where run_type = 'backfill'")]
        if "failed" in states:
            raise AssertionError(f"a backfilled run failed: {cluster.task_states(DAG_ID)}")
        return states.count("success") == len(PERIODS)

    cluster.wait(backfill_done, BACKFILL_BUDGET, "the backfill's three runs")
    seconds = time.perf_counter() - started
    record_property("backfill_seconds", round(seconds, 1))
    print(f"backfill of 3 months: {seconds:.1f} s")

    runs = cluster.sql(
        "select run_id, logical_date from dag_run where dag_id = %s and run_type = 'backfill' "
        "order by logical_date",
        (DAG_ID,),
    )
    by_period = {_settings_period(cluster, run_id): run_id for run_id, _ in runs}
    assert list(by_period) == list(PERIODS)
    # D5: a backfilled run's logical date, in the run list, is its period's first day; its note
    # names the period (plugins/rekon_period_note.py), as the scheduled run's does.
    assert [logical.strftime("%Y-%m") for _, logical in runs] == list(PERIODS)
    assert [_note(cluster, run_id) for run_id, _ in runs] == [f"period {p}" for p in PERIODS]
    assert _note(cluster, str(_scheduled_run(cluster))) == f"period {SCHEDULED}"
    for period in PERIODS:
        published = Path("published") / period
        assert_same_publication(data / published, expected / published)
        assert not (data / "work" / period / ".claim").exists()
    # One at a time, oldest first: no month started its work before the one before had published.
    for before, after in zip(PERIODS, PERIODS[1:], strict=False):
        published_at = _task_times(cluster, by_period[before], "publish")[1]
        work_started = _task_times(cluster, by_period[after], "check_delivery")[0]
        assert work_started >= published_at, (before, after, published_at, work_started)

    # The scheduled run waited throughout, untouched by the backfill.
    assert _scheduled_run_waits(cluster)

    # D10: every period's branch summaries, although the backfill published them in a row.
    cluster.wait(
        lambda: all((data / "summaries" / p / "branches.csv").exists() for p in PERIODS),
        180,
        "the branch summaries of every period",
    )
    # D8: each publication alerted the operators with its summary.
    for period in PERIODS:
        cluster.wait(lambda p=period: bool(_mail(smtp, f"Rekon {p}: published")), 60, f"{period}'s mail")
        mail = _mail(smtp, f"Rekon {period}: published")[0]
        assert "Findings per category" in mail and "quarantined" in mail and "quality.html" in mail
    assert all(m["to"] == [ALERTS_TO] for m in smtp.messages if "Rekon 2026-08: published" in _text(m))


def test_a_period_rerun_runs_beside_the_waiting_scheduled_run(
    cluster: Cluster, data: Path, expected: Path, record_property: pytest.RecordProperty
) -> None:
    others = {p: (data / "published" / p / "manifest.json").stat().st_mtime_ns for p in PERIODS[1:]}
    started = time.perf_counter()
    _trigger(cluster, PERIODS[0], "rerun-2026-08")
    assert cluster.wait_for_run(DAG_ID, "rerun-2026-08", RUN_BUDGET) == "success"
    seconds = time.perf_counter() - started
    record_property("rerun_seconds", round(seconds, 1))
    print(f"period rerun: {seconds:.1f} s")
    assert _settings_period(cluster, "rerun-2026-08") == PERIODS[0]
    assert _note(cluster, "rerun-2026-08") == f"period {PERIODS[0]}"
    published = Path("published") / PERIODS[0]
    assert_same_publication(data / published, expected / published)
    # That month and nothing else.
    assert {p: (data / "published" / p / "manifest.json").stat().st_mtime_ns for p in PERIODS[1:]} == others
    assert not (data / "published" / SCHEDULED).exists()
    assert _scheduled_run_waits(cluster)


def test_a_run_marked_failed_publishes_nothing_and_releases_its_claim(cluster: Cluster, data: Path) -> None:
    period, run_id = PERIODS[1], "stopped-2026-09"
    manifest = data / "published" / period / "manifest.json"
    before = manifest.read_bytes()
    _trigger(cluster, period, run_id)

    def working() -> bool:
        tries = cluster.tries(DAG_ID, run_id)
        return any(
            task.startswith(("ingest", "validate")) and s == "running" for task, (s, _) in tries.items()
        )

    cluster.wait(working, RUN_BUDGET, f"{run_id} to work on {period}")
    cluster.api("PATCH", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}", {"state": "failed"})
    # Airflow 3.3 lets the teardown run, then settles the run's state from its tasks': failed when
    # a running task was stopped, success when none was running (the rest are skipped).
    cluster.wait_for_run(DAG_ID, run_id, RUN_BUDGET)
    tries = cluster.tries(DAG_ID, run_id)
    assert tries["publish[-1]"][0] in ("skipped", "upstream_failed", None), tries
    assert tries["release_period[-1]"][0] == "success", tries
    assert manifest.read_bytes() == before
    assert not (data / "work" / period / ".claim").exists()


@pytest.mark.parametrize("fault", ["missing registry", "truncated registry"])
def test_a_data_error_fails_at_once_and_releases_the_period(
    cluster: Cluster,
    landing: Path,
    good_bad_month: Path,
    data: Path,
    smtp: SmtpSink,
    fault: str,
    record_property: pytest.RecordProperty,
) -> None:
    delivery = landing / BAD
    shutil.rmtree(delivery)
    shutil.copytree(good_bad_month, delivery)
    employers = delivery / "registry" / "employers.csv"
    if fault == "missing registry":
        employers.unlink()
    else:
        content = employers.read_bytes()
        employers.write_bytes(content[: len(content) // 2])
    run_id = f"bad-{BAD}-{fault.split()[0]}"
    started = time.perf_counter()
    _trigger(cluster, BAD, run_id)
    assert cluster.wait_for_run(DAG_ID, run_id, RUN_BUDGET) == "failed"
    seconds = time.perf_counter() - started
    record_property(f"{fault.split()[0]}_registry_seconds", round(seconds, 1))
    print(f"{fault}: failed in {seconds:.1f} s")
    tries = cluster.tries(DAG_ID, run_id)
    assert all(n <= 1 for _, n in tries.values()), tries
    assert not any(s in ("up_for_retry", "queued", "scheduled") for s, _ in tries.values()), tries
    # The teardown released the claim, or, when the run failed before claiming, had none to release.
    claimed = tries["claim_period[-1]"][0] == "success"
    assert tries["release_period[-1]"][0] == ("success" if claimed else "upstream_failed"), tries
    assert not (data / "published" / BAD).exists()
    assert not (data / "work" / BAD / ".claim").exists()
    cluster.wait(lambda: bool(_mail(smtp, f"Rekon {BAD}: FAILED")), 60, "the failure alert")


def test_the_good_delivery_runs_next(
    cluster: Cluster, landing: Path, good_bad_month: Path, data: Path, record_property: pytest.RecordProperty
) -> None:
    shutil.rmtree(landing / BAD)
    shutil.copytree(good_bad_month, landing / BAD)
    started = time.perf_counter()
    _trigger(cluster, BAD, f"good-{BAD}")
    assert cluster.wait_for_run(DAG_ID, f"good-{BAD}", RUN_BUDGET) == "success"
    record_property("good_delivery_seconds", round(time.perf_counter() - started, 1))
    assert (data / "published" / BAD / "findings.csv").exists()
    assert _scheduled_run_waits(cluster)


def test_a_month_late_for_its_deadline_alerts(cluster: Cluster, smtp: SmtpSink) -> None:
    def alerted() -> bool:
        logs = "".join(p.read_text(errors="replace") for p in cluster.logs.glob("*.log"))
        return "not published by" in logs or bool(_mail(smtp, "not published by"))

    cluster.wait(alerted, 120, "the DeadlineAlert of the waiting scheduled run")
    assert _scheduled_run_waits(cluster)
