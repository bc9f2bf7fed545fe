"""Run expectations with Great Expectations' pandas engine and list the rows that fail them.

GX has no working DuckDB backend (see DESIGN.md), so rows reach it as a pandas DataFrame.
"""

from __future__ import annotations

import itertools
import logging
from functools import cache
from typing import Any

import pandas as pd

ROW_ID = "_row_id"
_batches = itertools.count()


@cache
def _context():
    """One ephemeral context per process: each one creates a temporary Data Docs folder."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # GX draws a progress bar per validation; in a batch job's log that is only noise.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    return context


def run_expectations(
    name: str,
    frame: pd.DataFrame,
    expectations: list[dict[str, Any]],
    parameters: dict[str, Any],
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Validate `frame`.

    Returns the failing rows, one per (row, expectation) with `_row_id`, `reason`, `check` (only
    when the frame has a `_row_id` column), and a JSON-able summary per expectation.
    """
    import great_expectations as gx

    context = _context()
    source_name = f"{name}-{next(_batches)}"
    batch = (
        context.data_sources.add_pandas(source_name)
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("whole")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = gx.ExpectationSuite(name=name, expectations=expectations)
    try:
        with_rows = ROW_ID in frame.columns
        result = batch.validate(
            suite,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [ROW_ID],
                "return_unexpected_index_query": False,
            }
            if with_rows
            else {"result_format": "SUMMARY"},
            expectation_parameters=parameters,
        )
    finally:
        context.data_sources.delete(source_name)  # releases the frame
    failures: list[pd.DataFrame] = []
    summary: list[dict[str, Any]] = []
    for outcome in result.results:
        config = outcome.expectation_config
        check = f"{config.type}({config.kwargs.get('column', '')})"
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"expectation {check} of suite {name} could not run: "
                f"{outcome.exception_info.get('exception_message')}"
            )
        rows = outcome.result.get("unexpected_index_list") or [] if with_rows else []
        ids = [r[ROW_ID] for r in rows]
        summary.append(
            {
                "expectation": config.type,
                "column": config.kwargs.get("column"),
                "reason": config.meta.get("reason"),
                "check": config.meta.get("check"),
                "success": bool(outcome.success),
                "unexpected_count": outcome.result.get("unexpected_count", len(ids)),
                "observed_value": _plain(outcome.result.get("observed_value")),
            }
        )
        if ids and "reason" in config.meta:
            failures.append(
                pd.DataFrame(
                    {
                        ROW_ID: pd.Series(ids, dtype="int64"),
                        "reason": config.meta["reason"],
                        "check": check,
                    }
                )
            )
    empty = pd.DataFrame(
        {
            ROW_ID: pd.Series([], dtype="int64"),
            "reason": pd.Series([], dtype=str),
            "check": pd.Series([], dtype=str),
        }
    )
    return (pd.concat(failures, ignore_index=True) if failures else empty), summary


def _plain(value: Any) -> Any:
    """Observed values as JSON can hold them (numpy scalars and lists of columns included)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return str(value)
