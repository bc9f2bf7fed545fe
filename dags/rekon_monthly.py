"""
# rekon_monthly

Monthly reconciliation of employers and workers against the BPJS Ketenagakerjaan registry.

A run reconciles one **period** (`YYYY-MM`): the calendar month before the run's logical date.
The scheduled run that fires at 00:00 UTC on 1 November 2026 reconciles `2026-10`; so does a
manual run triggered with any logical date in November 2026, which is how to redo a month.
The period comes from the run's `data_interval_start`, never from the wall clock, so a retry
or a rerun months later reprocesses the same month.

| task | does |
|---|---|
| `settings` | resolves the period and the folders, once for the whole run |
| `check_delivery` | lists the delivered sources; fails when a required registry extract is missing |
| `source.ingest` | one mapped instance per delivered source: landing files -> typed Parquet |
| `source.validate` | runs that source's expectation suite; splits accepted / quarantined rows |
| `reconcile` | builds the DuckDB models for the period |
| `publish` | writes `<data>/published/<YYYY-MM>/` and swaps it into place atomically |

Folders: Airflow Variables `rekon_landing` and `rekon_data`, else the environment variables
`REKON_LANDING` and `REKON_DATA`, else `var/landing` and `var/data` next to the `dags/` folder.
They are resolved once, by `settings`, so every task of a run uses the same folders.

The tasks hold no logic: each calls one function of `pipeline.steps` (the same functions
`rekon run` calls) and passes only small metadata through XCom.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import CronTriggerTimetable, dag, task, task_group
from dateutil.relativedelta import relativedelta

# Defaults for a checkout or an image where dags/ sits next to var/ (the repo layout).
_ROOT = Path(__file__).resolve().parent.parent
_FOLDERS = {
    "landing": ("rekon_landing", "REKON_LANDING", _ROOT / "var" / "landing"),
    "data": ("rekon_data", "REKON_DATA", _ROOT / "var" / "data"),
}


def _folder(name: str) -> str:
    """Resolve a folder at run time: Airflow Variable, then environment, then default."""
    from airflow.sdk import Variable

    variable, env, default = _FOLDERS[name]
    return str(Variable.get(variable, default=None) or os.environ.get(env) or default)


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
    def settings(data_interval_start: pendulum.DateTime | None = None) -> dict[str, str]:
        # Resolved once per run and passed on, so a retry hours later cannot switch folders.
        if data_interval_start is None:
            raise ValueError("rekon_monthly needs a data interval to know which month to reconcile")
        return {
            "period": pendulum.instance(data_interval_start).in_timezone("UTC").strftime("%Y-%m"),
            "landing": _folder("landing"),
            "data": _folder("data"),
        }

    @task
    def check_delivery(period: str, landing: str) -> list[str]:
        from pipeline.steps import sources_present

        return sources_present(period, landing)

    @task
    def ingest(period: str, landing: str, data: str, source: str) -> dict[str, Any]:
        from pipeline.steps import ingest as ingest_step

        return ingest_step(period, landing, data, source)

    @task
    def validate(period: str, data: str, source: str, ingested: dict[str, Any]) -> dict[str, Any]:
        # `ingested` is taken only so that validate waits for this source's ingest, not all of them.
        from pipeline.steps import validate as validate_step

        return validate_step(period, data, source)

    @task_group(group_id="source")
    def per_source(period: str, landing: str, data: str, source: str) -> None:
        validate(period, data, source, ingest(period, landing, data, source))

    @task
    def reconcile(period: str, data: str) -> dict[str, Any]:
        from pipeline.steps import reconcile as reconcile_step

        return reconcile_step(period, data)

    @task
    def publish(period: str, data: str, reconciled: dict[str, Any]) -> dict[str, Any]:
        # `reconciled` only orders publish after reconcile; the models are on disk under data/.
        from pipeline.steps import publish as publish_step

        return publish_step(period, data)

    run = settings()
    period, landing, data = run["period"], run["landing"], run["data"]
    sources = per_source.partial(period=period, landing=landing, data=data).expand(
        source=check_delivery(period, landing)
    )
    reconciled = reconcile(period, data)
    sources >> reconciled
    publish(period, data, reconciled)


rekon_monthly()
