"""Celery settings for Rekon's Airflow workers: Airflow's own, plus a warm start.

Airflow runs every task in a process forked from the Celery worker. Importing Great
Expectations takes about 7.5 s on the reference machine, and every `validate` task would pay it
again; imported once by the worker before it forks its pool, it is inherited by every task for
free. Selected with `AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=pipeline.celery_config.CELERY_CONFIG`
(docker-compose.yml). The scheduler imports this module too, but `worker_init` fires only in a
worker, so the scheduler stays light.
"""

from __future__ import annotations

import importlib
import logging
import time
from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init

log = logging.getLogger(__name__)

CELERY_CONFIG: dict[str, Any] = dict(DEFAULT_CELERY_CONFIG)
# Heavy, fork-safe once imported, and needed by most tasks of rekon_monthly.
PRELOADED = ("great_expectations", "duckdb")


@worker_init.connect
def preload(**_: Any) -> None:
    started = time.perf_counter()
    for module in PRELOADED:
        importlib.import_module(module)
    log.info("preloaded %s in %.1f s", ", ".join(PRELOADED), time.perf_counter() - started)
