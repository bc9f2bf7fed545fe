"""What every Rekon DAG gives its tasks: retries with backoff, a time limit, the failure alert; and
the tags the DAGs are listed under."""

from __future__ import annotations

from typing import Any

from pipeline.orchestration.alerts import RekonAlert

TAGS = ["rekon", "bpjs"]


def default_args(settings: dict[str, Any]) -> dict[str, Any]:
    """A DAG's `default_args` from the run settings (settings.durations())."""
    return {
        "owner": "rekon",
        # Transient errors only: a data error fails at once (pipeline/orchestration/failfast.py).
        "retries": settings["retries"],
        "retry_delay": settings["retry_delay"],
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": settings["max_retry_delay"],
        "execution_timeout": settings["task_timeout"],
        "on_failure_callback": RekonAlert("failed"),
    }
