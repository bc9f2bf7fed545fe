"""
# rekon_monthly

Monthly reconciliation of employers and workers against the BPJS Ketenagakerjaan registry.

A run reconciles one **period** (`YYYY-MM`): the calendar month before the run's logical date.
The scheduled run that fires at 00:00 UTC on 1 November 2026 reconciles `2026-10`; so does a
manual run triggered with any logical date in November 2026, which is how to redo a month (a
manual run without a logical date reconciles the month before the moment it was triggered).
Scheduled and backfilled runs take the month of their data interval (in Airflow their logical
date is that interval's start: 1 October 2026 for the run of 1 November). The period is fixed
when the run is created, never read from the wall clock at task time, so a retry, a cleared
task or a backfill months later reprocesses the same month.

| task | does |
|---|---|
| `settings` | the period, the folders and the run's claim name, once for the whole run |
| `wait_for_delivery` | waits (up to 3 days) for the delivery: see below |
| `claim_period` | waits until no other run works on the period, then claims it |
| `check_delivery` | stages the delivery, if stored; empties the work folder (fresh run); lists sources |
| `ingest` | one mapped instance per delivered source: landing files -> typed Parquet |
| `validate` | one per source, after **all** ingests (batch expectations read other sources) |
| `prepare_partitions` | resolves employer identity once; splits rows by their employer's province |
| `reconcile_partition` | one per province present: its employers' models, in its own DuckDB file |
| `merge` | the provinces' marts and the national models into the period's database |
| `publish` | swaps in `<data>/published/<YYYY-MM>/`, copies it to any storage root; updates the asset |
| `release_period` | teardown: gives up the claim, whether the run succeeded or not |

A delivery is complete when `<landing>/<period>/_READY` is there, or, unless the run's
`require_ready_marker` param is true, when the registry extracts are. A `_READY` marker without
a registry extract fails the run at once: waiting would not mend it. With a storage root, the
same rules are applied to the listing of `<root>/landing/<period>/` instead.

`publish` updates the asset `rekon_published` (the period, the folder and the storage root's copy
in the event's extra), on which `rekon_branch_summaries` is scheduled.

Safe reruns: every task rewrites its own outputs whole and swaps them into place, so clearing
any task (Airflow clears the claim and its teardown with it) or the whole run publishes the
same files again. Runs of different periods (a backfill) are independent; two runs of the same
period never interleave: the second waits in `claim_period`, and `rekon run` refuses to start
on a claimed period.

Folders: Airflow Variables `rekon_landing` and `rekon_data`, else the environment variables
`REKON_LANDING` and `REKON_DATA`, else `var/landing` and `var/data` next to the `dags/` folder.
They are resolved once, by `settings`, so every task of a run uses the same folders.

Storage root: when the Variable `rekon_storage` (else `REKON_STORAGE`) names one (a path or an
fsspec URL such as `s3://bucket/rekon`; S3 credentials and endpoint from the `AWS_*` environment),
deliveries come from `<root>/landing/<period>/` and publications go to `<root>/published/<period>/`
(pipeline/storage.py). `wait_for_delivery` watches the root; `check_delivery` stages the delivery
into `<landing>/<period>/` (new or changed files copied, files no longer delivered removed, the
result checked against the listing), so ingest reads local files as ever; `publish` publishes
locally, then mirrors the publication to the root, `manifest.json` last. The data folder stays a
local (shared) folder: DuckDB, the atomic swap and the period claim need one. Without a storage
root, the landing folder is the delivery and nothing is mirrored.

The tasks hold no logic: each calls functions of `pipeline.steps` (the same functions `rekon run`
calls) and passes only small metadata through XCom.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, Param, PokeReturnValue, dag, task
from dateutil.relativedelta import relativedelta

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

# Extracts trickle in over the first days of the month: poke rarely, give up after 3 days.
DELIVERY_POKE = timedelta(minutes=15)
DELIVERY_TIMEOUT = timedelta(days=3)
# Another run of the same period finishes within hours (a backfill's run, a manual rerun).
CLAIM_POKE = timedelta(minutes=1)
CLAIM_TIMEOUT = timedelta(hours=12)


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
    return str(state) not in ("queued", "running")


@dag(
    dag_id="rekon_monthly",
    doc_md=__doc__,
    # A bare "@monthly" means, with Airflow 3's default create_cron_data_intervals=False, a
    # zero-length data interval: data_interval_start would be the month that has only just
    # begun. An explicit one-month interval makes the run at 1 November cover October, for
    # scheduled and manual runs alike, whatever that setting says.
    schedule=CronTriggerTimetable("@monthly", timezone="UTC", interval=relativedelta(months=1)),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    # A run can need gigabytes (DuckDB joins over millions of payroll rows): one month at a
    # time keeps a backfill from overloading the workers.
    max_active_runs=1,
    params={
        "require_ready_marker": Param(
            False,
            type="boolean",
            description="Wait for the agencies' _READY marker even when the registry extracts are there.",
        )
    },
    default_args={
        "owner": "rekon",
        # Extracts land late or a worker dies: retries at 5, 10, 20 and 40 minutes ride that out.
        "retries": 4,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(hours=2),
    },
    tags=["rekon", "bpjs"],
)
def rekon_monthly() -> None:
    @task(multiple_outputs=True)
    def settings(
        logical_date: pendulum.DateTime | None = None,
        data_interval_start: pendulum.DateTime | None = None,
        dag_run: Any = None,
    ) -> dict[str, str]:
        # Resolved once per run and passed on, so a retry hours later cannot switch folders.
        run_type = str(getattr(dag_run.run_type, "value", dag_run.run_type))
        if run_type == "manual" and logical_date is not None:
            # Airflow infers a manual run's data interval from the moment it was triggered,
            # whatever logical date it was given: the logical date says which month was meant.
            month = pendulum.instance(logical_date).in_timezone("UTC").subtract(months=1)
        elif data_interval_start is not None:
            # Scheduled and backfilled runs: the interval is the month (its start is also the
            # logical date); a manual run without a logical date: the month before the trigger.
            month = pendulum.instance(data_interval_start).in_timezone("UTC")
        else:
            raise ValueError("rekon_monthly needs a logical date or a data interval to pick its month")
        return {
            "period": month.strftime("%Y-%m"),
            "landing": _folder("landing"),
            "data": _folder("data"),
            "storage": _folder("storage"),
            # The same after a clear: a cleared run takes its own claim back.
            "claimant": f"airflow:{dag_run.dag_id}:{dag_run.run_id}",
        }

    @task.sensor(poke_interval=DELIVERY_POKE, timeout=DELIVERY_TIMEOUT, mode="reschedule")
    def wait_for_delivery(
        period: str, landing: str, storage: str, params: dict[str, Any] | None = None
    ) -> PokeReturnValue:
        from airflow.sdk.exceptions import AirflowFailException

        from pipeline.steps import MissingRegistryError, delivery_status

        try:
            required = bool((params or {}).get("require_ready_marker"))
            status = delivery_status(period, landing, required, storage)
        except MissingRegistryError as incomplete:
            # Marked complete yet without a registry: no retry or wait will fix the delivery.
            raise AirflowFailException(str(incomplete)) from None
        print(f"delivery {period}: {status['detail']}")
        return PokeReturnValue(is_done=status["ready"], xcom_value=status.get("sources"))

    @task.sensor(poke_interval=CLAIM_POKE, timeout=CLAIM_TIMEOUT, mode="reschedule")
    def claim_period(period: str, data: str, claimant: str) -> PokeReturnValue:
        from pipeline.steps import claim_period as claim

        holder = claim(period, data, claimant, _run_is_over)
        if holder:
            print(f"waiting for {period}: {holder}")
        return PokeReturnValue(is_done=holder is None, xcom_value=claimant)

    @task
    def check_delivery(period: str, landing: str, data: str, claimant: str, storage: str) -> list[str]:
        from pipeline.steps import check_claim, stage_delivery, start

        check_claim(period, data, claimant)
        if storage:
            # After the claim: no other run of the period reads the landing folder meanwhile.
            print(f"staged {period}: {stage_delivery(period, storage, landing)}")
        return start(period, landing, data)

    @task(map_index_template="{{ source }}")
    def ingest(period: str, landing: str, data: str, claimant: str, source: str) -> dict[str, Any]:
        from pipeline.steps import check_claim
        from pipeline.steps import ingest as ingest_step

        check_claim(period, data, claimant)
        return ingest_step(period, landing, data, source)

    @task(map_index_template="{{ source }}")
    def validate(period: str, data: str, claimant: str, source: str) -> dict[str, Any]:
        from pipeline.steps import check_claim
        from pipeline.steps import validate as validate_step

        check_claim(period, data, claimant)
        return validate_step(period, data, source)

    @task
    def prepare_partitions(period: str, data: str, claimant: str) -> list[str]:
        from pipeline.steps import check_claim, reconcile_prepare

        check_claim(period, data, claimant)
        return reconcile_prepare(period, data)["partitions"]

    @task(map_index_template="{{ partition }}")
    def reconcile_partition(period: str, data: str, claimant: str, partition: str) -> dict[str, Any]:
        from pipeline.steps import check_claim
        from pipeline.steps import reconcile_partition as build

        check_claim(period, data, claimant)
        result = build(period, data, partition)
        # Per-table timings stay in the log; XCom carries the summary only.
        return {k: result[k] for k in ("partition", "employers", "rows", "seconds")}

    @task
    def merge(period: str, data: str, claimant: str) -> dict[str, Any]:
        from pipeline.steps import check_claim, reconcile_merge

        check_claim(period, data, claimant)
        return {k: v for k, v in reconcile_merge(period, data).items() if k != "model_seconds"}

    @task(outlets=[PUBLISHED])
    def publish(
        period: str, data: str, claimant: str, storage: str, outlet_events: Any = None
    ) -> dict[str, Any]:
        from pipeline.steps import check_claim, mirror_publication
        from pipeline.steps import publish as publish_step

        check_claim(period, data, claimant)
        published = publish_step(period, data)
        mirrored = mirror_publication(period, data, storage)["url"] if storage else None
        outlet_events[PUBLISHED].extra = {
            "period": period,
            "data": data,
            "published": published["published"],
            "mirrored": mirrored,
        }
        summary = {k: published[k] for k in ("published", "findings", "rows_received", "rows_quarantined")}
        return {**summary, "mirrored": mirrored}

    @task
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
