"""Airflow plugin: a rekon_monthly run's note names the period it reconciles, so the run list
shows it (a scheduled run's id and a manual run's logical date name other months).

The listener runs in the scheduler when a run starts, and leaves a note someone wrote alone.
Loaded from the plugins folder (`AIRFLOW__CORE__PLUGINS_FOLDER`, /opt/rekon/plugins in the image).
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin

DAG_ID = "rekon_monthly"
log = logging.getLogger(__name__)


class PeriodNote:
    @hookimpl
    def on_dag_run_running(self, dag_run: Any, msg: str) -> None:
        if dag_run.dag_id != DAG_ID or dag_run.note:
            return
        from pipeline.orchestration.periods import of_run

        run_type = str(getattr(dag_run.run_type, "value", dag_run.run_type))
        try:
            period = of_run(
                (dag_run.conf or {}).get("period"),
                run_type,
                dag_run.logical_date,
                dag_run.data_interval_start,
                dag_run.run_after,
            )
        except ValueError as error:  # the run's own settings task fails on it, with this message
            log.warning("%s: no period note: %s", dag_run.run_id, error)
            return
        dag_run.note = f"period {period}"


class RekonPeriodNote(AirflowPlugin):
    name = "rekon_period_note"
    listeners = [PeriodNote()]
