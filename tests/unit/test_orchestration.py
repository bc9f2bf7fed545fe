"""What rekon_monthly decides around the steps: a run's period, the order of months, which errors
fail at once, the summaries' order, the alerts' text and where they go without mail."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.claim import previous_in_progress, read_claim, release, try_claim
from pipeline.layout import Layout
from pipeline.orchestration import periods
from pipeline.orchestration.publications import in_period_order
from pipeline.steps import claim_period

SEP = "airflow:rekon_monthly:backfill__2026-09-01T00:00:00+00:00"
OCT = "airflow:rekon_monthly:backfill__2026-10-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("requested", "run_type", "logical", "interval", "after", "period"),
    [
        ("2026-08", "manual", None, None, datetime(2026, 12, 7, tzinfo=UTC), "2026-08"),
        # the param wins over every date
        ("2026-08", "scheduled", None, datetime(2026, 11, 1, tzinfo=UTC), None, "2026-08"),
        (None, "scheduled", None, datetime(2026, 11, 1, tzinfo=UTC), None, "2026-11"),
        (None, "backfill", None, datetime(2026, 1, 1, tzinfo=UTC), None, "2026-01"),
        (None, "manual", datetime(2026, 11, 20, tzinfo=UTC), None, None, "2026-10"),
        (None, "manual", datetime(2026, 1, 1, tzinfo=UTC), None, None, "2025-12"),
        (None, "manual", None, None, datetime(2026, 12, 7, tzinfo=UTC), "2026-11"),
    ],
)
def test_the_period_of_a_run(requested, run_type, logical, interval, after, period) -> None:
    assert periods.of_run(requested, run_type, logical, interval, after) == period


@pytest.mark.parametrize("bad", ["2026-13", "2026-8", "26-08", "2026-08-01"])
def test_a_period_that_is_not_a_month_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        periods.of_run(bad, "manual")


def test_previous_month_and_month_start() -> None:
    assert periods.previous("2026-01") == "2025-12"
    assert periods.previous("2026-10") == "2026-09"
    assert periods.month_start("2026-10") == datetime(2026, 10, 1, tzinfo=UTC)


def test_a_month_waits_while_the_month_before_is_being_published(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert try_claim(Layout(data, "2026-09"), SEP) is None
    waiting = claim_period("2026-10", data, OCT)
    assert waiting and "2026-09 to be published first" in waiting and SEP in waiting
    assert read_claim(Layout(data, "2026-10")) is None  # not claimed while waiting
    # The month before's run is over (failed, or marked failed, without its teardown): go on.
    assert claim_period("2026-10", data, OCT, is_stale=lambda owner: owner == SEP) is None
    assert release(Layout(data, "2026-10"), OCT)
    # Published and released: go on.
    assert release(Layout(data, "2026-09"), SEP)
    assert claim_period("2026-10", data, OCT) is None


def test_a_month_waits_for_an_active_run_of_the_month_before_that_has_not_claimed_yet(
    tmp_path: Path,
) -> None:
    """A backfill's runs start together: October must not claim before September's run does."""
    layout = Layout(tmp_path / "data", "2026-10")
    asked = []

    def september_queued(period: str) -> str | None:
        asked.append(period)
        return "its run is still active"

    assert "2026-09" in (previous_in_progress(layout, previous_run=september_queued) or "")
    assert asked == ["2026-09"]
    assert claim_period("2026-10", layout.data, OCT, previous_run=september_queued)
    assert claim_period("2026-10", layout.data, OCT, previous_run=lambda _: None) is None


def test_data_errors_fail_at_once_other_errors_are_retried() -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from pipeline.claim import PeriodBusy
    from pipeline.errors import MissingRegistryError, RekonError
    from pipeline.orchestration.failfast import data_errors_fail_fast

    for error in (MissingRegistryError("no registry"), RekonError("error expectation"), PeriodBusy("x")):
        with pytest.raises(AirflowFailException, match="not retried"):
            with data_errors_fail_fast():
                raise error
    for transient in (OSError("disk"), ConnectionError("db"), TimeoutError("read")):
        with pytest.raises(type(transient)):
            with data_errors_fail_fast():
                raise transient


def test_queued_publications_are_summarised_one_per_period_oldest_first() -> None:
    events = [
        {"period": "2026-10", "data": "/d", "n": 1},
        {"period": "2026-08", "data": "/d", "n": 2},
        {"period": "2026-09", "data": "/d", "n": 3},
        {"period": "2026-08", "data": "/d", "n": 4},  # a rerun: the latest publication
    ]
    assert [(e["period"], e["n"]) for e in in_period_order(events)] == [
        ("2026-08", 4),
        ("2026-09", 3),
        ("2026-10", 1),
    ]


class _TI:
    task_id = "publish"

    def xcom_pull(self, task_ids: str, key: str = "return_value"):
        if task_ids == "settings":
            return "2026-10"
        return {
            "published": "/data/published/2026-10",
            "findings": {"PWBD": 3, "PDS_TK": 2},
            "rows_received": 1000,
            "rows_quarantined": 7,
            "quality_report": "/data/published/2026-10/quality.html",
        }


def test_the_success_alert_carries_the_summary() -> None:
    from pipeline.orchestration.alerts import message

    subject, text = message("published", {"ti": _TI(), "dag_run": {"run_id": "r1"}})
    assert subject == "Rekon 2026-10: published, 5 findings"
    assert "PWBD: 3" in text and "PDS_TK: 2" in text
    assert "quarantined: 7" in text and "quality.html" in text


def test_without_mail_an_alert_is_logged(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    from airflow.sdk import BaseHook, Variable
    from airflow.sdk.exceptions import AirflowNotFoundException

    from pipeline.orchestration.alerts import RekonAlert

    def no_connection(conn_id: str):
        raise AirflowNotFoundException(conn_id)

    monkeypatch.setattr(BaseHook, "get_connection", classmethod(lambda cls, c: no_connection(c)))
    monkeypatch.setattr(Variable, "get", classmethod(lambda cls, key, default=None: "ops@bpjs.test"))
    context = {"ti": _TI(), "dag_run": {"run_id": "r1"}, "exception": ValueError("no registry")}
    with caplog.at_level(logging.WARNING, logger="rekon.alerts"):
        RekonAlert("failed").notify(context)
    assert "Rekon 2026-10: FAILED in publish" in caplog.text
    assert "no registry" in caplog.text and "not e-mailed" in caplog.text


def test_an_unknown_alert_is_refused() -> None:
    from pipeline.orchestration.alerts import RekonAlert

    with pytest.raises(ValueError, match="unknown alert"):
        RekonAlert("sometimes")


def test_a_run_is_noted_with_its_period_when_it_starts() -> None:
    import importlib.util
    from types import SimpleNamespace

    path = Path(__file__).resolve().parents[2] / "plugins" / "rekon_period_note.py"
    spec = importlib.util.spec_from_file_location("rekon_period_note", path)
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)

    def run(**kw):
        base = {"dag_id": "rekon_monthly", "note": None, "conf": {}, "logical_date": None}
        base.update(data_interval_start=None, run_after=None, run_id="r")
        return SimpleNamespace(**{**base, **kw})

    rerun = run(run_type="manual", conf={"period": "2026-08"}, run_after=datetime(2026, 12, 7, tzinfo=UTC))
    scheduled = run(run_type="scheduled", data_interval_start=datetime(2026, 11, 1, tzinfo=UTC))
    written = run(run_type="manual", conf={"period": "2026-08"}, note="by hand")
    other = run(dag_id="rekon_branch_summaries", run_type="manual")
    (listener,) = plugin.RekonPeriodNote.listeners
    for dag_run in (rerun, scheduled, written, other):
        listener.on_dag_run_running(dag_run=dag_run, msg="started")
    assert rerun.note == "period 2026-08"
    assert scheduled.note == "period 2026-11"
    assert written.note == "by hand"
    assert other.note is None


def test_a_delivery_without_its_ready_marker_is_never_read(tmp_path: Path) -> None:
    from pipeline.errors import MissingRegistryError
    from pipeline.steps import delivery_status

    period = tmp_path / "2026-10"
    for name in ("registry/employers.csv", "registry/participants.parquet", "payroll/01.csv"):
        (period / name).parent.mkdir(parents=True, exist_ok=True)
        (period / name).write_text("x\n")
    # Every extract is there, but the agencies have not said the delivery is complete.
    status = delivery_status("2026-10", tmp_path, require_marker=True)
    assert status["ready"] is False and "_READY" in status["detail"]
    (period / "_READY").touch()
    assert delivery_status("2026-10", tmp_path, require_marker=True)["ready"] is True
    # Marked complete without a registry: a data error, not a wait.
    (period / "registry" / "employers.csv").unlink()
    with pytest.raises(MissingRegistryError):
        delivery_status("2026-10", tmp_path, require_marker=True)
