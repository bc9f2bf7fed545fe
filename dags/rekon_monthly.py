"""
# rekon_monthly

Monthly reconciliation of employers and workers against the BPJS Ketenagakerjaan registry.

A run reconciles one **period** (`YYYY-MM`), fixed when the run starts and shown in its
`settings` task:

- the **`period` param** (the trigger form, or `--conf '{"period": "2026-08"}'`), when given: how
  to rerun a month;
- else, for a scheduled or backfilled run, the month of its data interval: the run that fires at
  00:00 UTC on 1 November 2026 reconciles `2026-10` (its logical date, 1 October, is in the
  period: the run id `scheduled__2026-10-01T00:00:00+00:00` names the month it reconciles);
- else (a manual run without a period) the month before its logical date.

Months are published in order. A backfill (`airflow backfill create --dag-id rekon_monthly
--from-date 2026-09-01 --to-date 2026-11-01`, no other option) creates its runs at once, but
`claim_period` lets a month start only when the month before it is not being published (no live
run claims it and no active scheduled or backfilled run of it is waiting to), so the months are
published one at a time, oldest first, each one's history reading the month before's new
publication: the same files as `rekon run` month by month. A rerun of a period runs beside a
scheduled run that waits for its delivery (up to `max_active_runs` runs at once).

| task | does |
|---|---|
| `settings` | the period, the folders and the run's claim name, once for the whole run |
| `wait_for_delivery` | waits for the delivery's `_READY` marker |
| `claim_period` | waits for the month before and for any other run of the period, then claims it |
| `check_delivery` | stages the delivery, if stored; empties the work folder (a fresh run); lists sources |
| `ingest` | one mapped instance per delivered source: landing files -> typed Parquet |
| `validate` | one per source, after **all** ingests (batch expectations read other sources) |
| `prepare_partitions` | resolves employer identity once; splits rows by their employer's province |
| `reconcile_partition` | one per province present: its employers' models, in its own DuckDB file |
| `merge` | the provinces' marts and the national models into the period's database |
| `publish` | swaps in `<data>/published/<YYYY-MM>/`, copies it to any storage root; updates the asset |
| `release_period` | teardown: gives up the claim, whether the run succeeded, failed or was stopped |

**Delivery.** A delivery is complete when `<landing>/<period>/_READY` is there; a delivery without
it is never read, however many files are there (the `require_ready_marker` param, true by
default, may be set false to accept the registry extracts alone). A `_READY` marker without a
registry extract fails the run at once. The sensor gives up after `delivery_timeout_hours` and
fails, which alerts the operators. A rerun whose delivery is complete passes at its first poke.

**Failures.** A data error, whatever `rekon run` answers with exit status 2 (a missing or
unreadable registry, a failing `error` expectation, ...), fails its task at once without retry;
the teardown releases the period and the operators are alerted. Other errors (I/O, a lost
database connection, a killed worker) are retried with exponential backoff. Every task has an
`execution_timeout` and the run a `dagrun_timeout` (pipeline/orchestration/settings.toml).

**Operator actions are final.** Marking a run failed (UI or API) stops its running task, skips
every task still to run, `publish` included, and runs the teardown, which releases the claim: the
run publishes nothing (a publication is swapped in atomically by `publish`, the one point of no
return) and the next run of the period starts at once. (Airflow 3.3 then settles the run's state
from its tasks': failed when a running task was stopped, success when none was running and the
rest were skipped; either way nothing is published.)

**Alerts.** A failed task, a published period (findings per category, rows quarantined, the
quality report) and a run not finished `publication_due_days` after it was queued (a
`DeadlineAlert`) go to the operators through the SMTP connection `rekon_smtp` and the Variable
`rekon_alert_recipients`; without them the message is logged (pipeline/orchestration/alerts.py).

`publish` updates the asset `rekon_published` (the period, the folder and the storage root's copy
in the event's extra), on which `rekon_branch_summaries` is scheduled.

Safe reruns: every task rewrites its own outputs whole and swaps them into place, so clearing
any task (Airflow clears the claim and its teardown with it) or the whole run publishes the
same files again; two runs of the same period never interleave, and `rekon run` refuses to
start on a claimed period.

Folders: Airflow Variables `rekon_landing` and `rekon_data`, else the environment variables
`REKON_LANDING` and `REKON_DATA`, else `var/landing` and `var/data` next to the `dags/` folder.
Storage root: the Variable `rekon_storage` (else `REKON_STORAGE`), a path or an fsspec URL
(pipeline/storage.py): deliveries are staged from `<root>/landing/<period>/`, publications
mirrored to `<root>/published/<period>/`.

The tasks hold no logic: each calls functions of `pipeline.steps` (the same functions `rekon run`
calls) and passes only small metadata through XCom.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import (
    Asset,
    AsyncCallback,
    CronTriggerTimetable,
    DeadlineAlert,
    DeadlineReference,
    Param,
    PokeReturnValue,
    dag,
    task,
)
from dateutil.relativedelta import relativedelta

from pipeline.orchestration import settings as run_settings
from pipeline.orchestration.alerts import RekonAlert
from pipeline.orchestration.defaults import TAGS, default_args
from pipeline.orchestration.periods import PATTERN

# Defaults for a checkout or an image where dags/ sits next to var/ (the repo layout).
_ROOT = Path(__file__).resolve().parent.parent
_FOLDERS = {
    "landing": ("rekon_landing", "REKON_LANDING", _ROOT / "var" / "landing"),
    "data": ("rekon_data", "REKON_DATA", _ROOT / "var" / "data"),
    # Empty: the landing folder is the delivery, nothing is mirrored. Else a local path or fsspec
    # URL whose landing/ deliveries are staged from and whose published/ publications go to.
    "storage": ("rekon_storage", "REKON_STORAGE", ""),
}

# Updated by every successful publish, with the period and folder in the event's extra;
# dags/rekon_branch_summaries.py is scheduled on it.
PUBLISHED = Asset(name="rekon_published", uri="rekon://published", group="rekon")

# Waits, retries, timeouts and the deadline: pipeline/orchestration/settings.toml.
SETTINGS = run_settings.durations()


def _folder(name: str) -> str:
    """Resolve a folder at run time: Airflow Variable, then environment, then default."""
    from airflow.sdk import Variable

    variable, env, default = _FOLDERS[name]
    return str(Variable.get(variable, default=None) or os.environ.get(env) or default)


def _run_is_over(claimant: str) -> bool:
    """Whether the DAG run named in a claim (`airflow:<dag_id>:<run_id>`) is no longer active."""
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    kind, _, rest = claimant.partition(":")
    dag_id, _, run_id = rest.partition(":")
    if kind != "airflow" or not run_id:
        return False  # not a DAG run's claim: leave it to a person
    try:
        state = RuntimeTaskInstance.get_dagrun_state(dag_id=dag_id, run_id=run_id)
    except Exception as exc:  # the run was deleted: its claim is stale
        if "not found" in str(exc).lower() or "NOT_FOUND" in str(exc):
            return True
        raise
    # A DagRunState (a str enum: its str() is "DagRunState.RUNNING") or its value.
    return str(getattr(state, "value", state)) not in ("queued", "running")


def _scheduled_run_active(period: str) -> str | None:
    """An active scheduled or backfilled run of `period` (its logical date is the month's first
    day), which has perhaps not claimed the period yet: a backfill's runs all start at once."""
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    from pipeline.orchestration.periods import month_start

    active = RuntimeTaskInstance.get_dr_count(
        dag_id="rekon_monthly", logical_dates=[month_start(period)], states=["queued", "running"]
    )
    return f"its run is still active ({active} run(s) of logical date {period}-01)" if active else None


@dag(
    dag_id="rekon_monthly",
    doc_md=__doc__,
    # A bare "@monthly" means, with Airflow 3's default create_cron_data_intervals=False, a
    # zero-length data interval: data_interval_start would be the month that has only just
    # begun. An explicit one-month interval makes the run at 1 November cover October.
    schedule=CronTriggerTimetable("@monthly", timezone="UTC", interval=relativedelta(months=1)),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    # Not 1: a period rerun must not queue behind a scheduled run that waits days for its
    # delivery. The order of months and one run per period are kept by claim_period.
    max_active_runs=SETTINGS["max_active_runs"],
    dagrun_timeout=SETTINGS["run_timeout"],
    params={
        "period": Param(
            None,
            type=["null", "string"],
            pattern=PATTERN,
            title="Period (YYYY-MM)",
            description="The month to reconcile, e.g. 2026-08. Empty: the month before the run's date.",
        ),
        "require_ready_marker": Param(
            True,
            type="boolean",
            title="Wait for _READY",
            description="Read the delivery only once the agencies' _READY marker is there.",
        ),
    },
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=SETTINGS["publication_due"],
        callback=AsyncCallback(RekonAlert, kwargs={"kind": "late"}),
    ),
    default_args=default_args(SETTINGS),
    tags=TAGS,
)
def rekon_monthly() -> None:
    @task(multiple_outputs=True, doc_md="The run's period, folders and claim name, resolved once.")
    def settings(
        params: dict[str, Any] | None = None,
        logical_date: pendulum.DateTime | None = None,
        data_interval_start: pendulum.DateTime | None = None,
        dag_run: Any = None,
    ) -> dict[str, str]:
        from pipeline.orchestration.failfast import data_errors_fail_fast
        from pipeline.orchestration.periods import of_run

        with data_errors_fail_fast():
            run_type = str(getattr(dag_run.run_type, "value", dag_run.run_type))
            requested = (params or {}).get("period")
            period = of_run(requested, run_type, logical_date, data_interval_start, dag_run.run_after)
        print(f"{dag_run.run_id} reconciles {period}")
        return {
            "period": period,
            "landing": _folder("landing"),
            "data": _folder("data"),
            "storage": _folder("storage"),
            # The same after a clear: a cleared run takes its own claim back.
            "claimant": f"airflow:{dag_run.dag_id}:{dag_run.run_id}",
        }

    @task.sensor(
        poke_interval=SETTINGS["delivery_poke"],
        timeout=SETTINGS["delivery_timeout"],
        mode="reschedule",
        doc_md="Waits for `<landing>/<period>/_READY`; fails when it times out or the registry is missing.",
    )
    def wait_for_delivery(
        period: str, landing: str, storage: str, params: dict[str, Any] | None = None
    ) -> PokeReturnValue:
        from pipeline.orchestration.failfast import data_errors_fail_fast
        from pipeline.steps import delivery_status

        with data_errors_fail_fast():
            # A _READY marker without a registry: no wait would mend the delivery.
            required = bool((params or {}).get("require_ready_marker", True))
            status = delivery_status(period, landing, required, storage)
        print(f"delivery {period}: {status['detail']}")
        return PokeReturnValue(is_done=status["ready"], xcom_value=status.get("sources"))

    @task.sensor(
        poke_interval=SETTINGS["claim_poke"],
        timeout=SETTINGS["claim_timeout"],
        mode="reschedule",
        doc_md="Waits while the month before is being published or another run holds the period.",
    )
    def claim_period(period: str, data: str, claimant: str) -> PokeReturnValue:
        from pipeline.orchestration.failfast import data_errors_fail_fast
        from pipeline.steps import claim_period as claim

        with data_errors_fail_fast():
            holder = claim(period, data, claimant, _run_is_over, _scheduled_run_active)
        if holder:
            print(f"{period}: {holder}")
        return PokeReturnValue(is_done=holder is None, xcom_value=claimant)

    @task(doc_md="Stages the delivery from the storage root, if any; lists the delivered sources.")
    def check_delivery(period: str, landing: str, data: str, claimant: str, storage: str) -> list[str]:
        from pipeline.orchestration.failfast import data_errors_fail_fast
        from pipeline.steps import check_claim, stage_delivery, start

        with data_errors_fail_fast():
            check_claim(period, data, claimant)
            if storage:
                # After the claim: no other run of the period reads the landing folder meanwhile.
                print(f"staged {period}: {stage_delivery(period, storage, landing)}")
            return start(period, landing, data)

    @task(map_index_template="{{ source }}", doc_md="One source's landing files to typed Parquet.")
    def ingest(period: str, landing: str, data: str, claimant: str, source: str) -> dict[str, Any]:
        from pipeline.orchestration.failfast import data_errors_fail_fast
        from pipeline.steps import check_claim
        from pipeline.steps import ingest as ingest_step

        with data_errors_fail_fast():
            check_claim(period, data, claimant)
            return ingest_step(period, landing, data, source)

    @task(
        map_index_template="{{ source }}",
        doc_md="One source's expectation suite: accepted rows on, the others to quarantine.",
    )
    def validate(period: str, data: str, claimant: str, source: str) -> dict[str, Any]:
        from pipeline.orchestration.failfast import data_errors_fail_fast
        from pipeline.orchestration.quiet import quiet_great_expectations
        from pipeline.steps import check_claim
        from pipeline.steps import validate as validate_step

        with data_errors_fail_fast(), quiet_great_expectations():
            check_claim(period, data, claimant)
            return validate_step(period, data, source)

    @task(doc_md="Resolves employer identity once; splits rows by their employer's province.")
    def prepare_partitions(period: str, data: str, claimant: str) -> list[str]:
        from pipeline.orchestration.failfast import data_errors_fail_fast
        from pipeline.steps import check_claim, reconcile_prepare

        with data_errors_fail_fast():
            check_claim(period, data, claimant)
            return reconcile_prepare(period, data)["partitions"]

    @task(map_index_template="{{ partition }}", doc_md="One province's models in its own DuckDB file.")
    def reconcile_partition(period: str, data: str, claimant: str, partition: str) -> dict[str, Any]:
        from pipeline.orchestration.failfast import data_errors_fail_fast
        from pipeline.steps import check_claim
        from pipeline.steps import reconcile_partition as build

        with data_errors_fail_fast():
            check_claim(period, data, claimant)
            result = build(period, data, partition)
        # Per-table timings stay in the log; XCom carries the summary only.
        return {k: result[k] for k in ("partition", "employers", "rows", "seconds")}

    @task(doc_md="The provinces' marts and the national models into the period's database.")
    def merge(period: str, data: str, claimant: str) -> dict[str, Any]:
        from pipeline.orchestration.failfast import data_errors_fail_fast
        from pipeline.steps import check_claim, reconcile_merge

        with data_errors_fail_fast():
            check_claim(period, data, claimant)
            return {k: v for k, v in reconcile_merge(period, data).items() if k != "model_seconds"}

    @task(
        outlets=[PUBLISHED],
        on_success_callback=RekonAlert("published"),
        doc_md="Swaps in `<data>/published/<period>/`, mirrors it to any storage root; alerts.",
    )
    def publish(
        period: str, data: str, claimant: str, storage: str, outlet_events: Any = None, dag_run: Any = None
    ) -> dict[str, Any]:
        from pipeline.orchestration.failfast import data_errors_fail_fast
        from pipeline.steps import check_claim, mirror_publication
        from pipeline.steps import publish as publish_step

        with data_errors_fail_fast():
            check_claim(period, data, claimant)
            if _run_is_over(claimant):
                # Marked failed by an operator: nothing is published.
                raise ValueError(f"{dag_run.run_id} is no longer running: {period} is not published")
            published = publish_step(period, data)
            mirrored = mirror_publication(period, data, storage)["url"] if storage else None
        outlet_events[PUBLISHED].extra = {
            "period": period,
            "data": data,
            "published": published["published"],
            "mirrored": mirrored,
        }
        keys = ("published", "findings", "rows_received", "rows_quarantined", "quality_report")
        return {**{k: published.get(k) for k in keys}, "mirrored": mirrored}

    @task(doc_md="Teardown: gives up the period's claim, whatever became of the run.")
    def release_period(period: str, data: str, claimant: str) -> bool:
        from pipeline.steps import release_period as release

        return release(period, data, claimant)

    run = settings()
    period, landing, data, claimant = run["period"], run["landing"], run["data"], run["claimant"]
    storage = run["storage"]
    delivered = wait_for_delivery(period, landing, storage)
    claimed = claim_period(period, data, claimant)
    sources = check_delivery(period, landing, data, claimant, storage)
    delivered >> claimed >> sources

    work = {"period": period, "data": data, "claimant": claimant}
    ingested = ingest.partial(landing=landing, **work).expand(source=sources)
    validated = validate.partial(**work).expand(source=sources)
    # Not per source: validating registry/participants reads registry/employers' ingested files.
    ingested >> validated

    partitions = prepare_partitions(**work)
    validated >> partitions
    built = reconcile_partition.partial(**work).expand(partition=partitions)
    merged = merge(**work)
    built >> merged
    published = publish(storage=storage, **work)
    merged >> published
    published >> release_period(**work).as_teardown(setups=claimed)


rekon_monthly()
