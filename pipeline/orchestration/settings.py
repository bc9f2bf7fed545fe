"""Run settings of the Airflow DAGs: `settings.toml`, each key overridable by `REKON_<KEY>`."""

from __future__ import annotations

import os
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

DEFAULTS = Path(__file__).with_name("settings.toml")


def load() -> dict[str, int | float]:
    values: dict[str, Any] = tomllib.loads(DEFAULTS.read_text())
    for key in values:
        override = os.environ.get(f"REKON_{key.upper()}")
        if override:
            values[key] = type(values[key])(override)
    return values


def durations() -> dict[str, Any]:
    """The settings as Airflow takes them: timedeltas and counts."""
    s = load()
    return {
        "delivery_poke": timedelta(seconds=s["delivery_poke_seconds"]),
        "delivery_timeout": timedelta(hours=s["delivery_timeout_hours"]),
        "claim_poke": timedelta(seconds=s["claim_poke_seconds"]),
        "claim_timeout": timedelta(hours=s["claim_timeout_hours"]),
        "retries": s["retries"],
        "retry_delay": timedelta(minutes=s["retry_delay_minutes"]),
        "max_retry_delay": timedelta(minutes=s["max_retry_delay_minutes"]),
        "task_timeout": timedelta(minutes=s["task_timeout_minutes"]),
        "run_timeout": timedelta(hours=s["run_timeout_hours"]),
        "max_active_runs": s["max_active_runs"],
        "publication_due": timedelta(days=s["publication_due_days"]),
        "clean_stop": timedelta(seconds=s["clean_stop_seconds"]),
    }
