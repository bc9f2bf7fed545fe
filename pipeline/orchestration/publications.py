"""The publications a summaries run was triggered by, in the order they must be summarised."""

from __future__ import annotations

from typing import Any


def in_period_order(extras: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One publication per period and data folder (the latest event of each: a period published
    twice is summarised as it now is), oldest period first."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for extra in extras:
        latest[(extra["period"], extra["data"])] = extra
    return [latest[key] for key in sorted(latest)]
