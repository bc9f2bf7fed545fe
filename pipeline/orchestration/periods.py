"""Which period an Airflow run reconciles, and which month comes before it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any

from pipeline.layout import Period

PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def month_start(period: str) -> datetime:
    """The first moment of the month, in UTC."""
    return datetime.combine(Period.parse(period).first_day, time(), tzinfo=UTC)


def previous(period: str) -> str:
    """The month before, written `YYYY-MM`."""
    return str(Period.parse(period).previous)


def of_run(
    requested: str | None,
    run_type: str,
    logical_date: Any = None,
    data_interval_start: Any = None,
    run_after: Any = None,
) -> str:
    """The `period` param when the run names one; else a scheduled or backfilled run's data
    interval (the month before the run fires), else the month before a manual run's logical
    date (or, without one, the moment it was triggered)."""
    if requested:
        if not re.match(PATTERN, requested):
            raise ValueError(f"period must be YYYY-MM, got {requested!r}")
        return requested
    if run_type == "manual" and (logical_date or run_after) is not None:
        # Airflow infers a manual run's interval from the moment it was triggered, whatever
        # logical date it was given: the logical date says which month was meant.
        when = (logical_date or run_after).astimezone(UTC)
        return previous(f"{when.year}-{when.month:02d}")
    if data_interval_start is not None:
        when = data_interval_start.astimezone(UTC)
        return f"{when.year}-{when.month:02d}"
    raise ValueError("rekon_monthly needs a period, a logical date or a data interval to pick its month")
