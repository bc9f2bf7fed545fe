"""Run expectations with Great Expectations' pandas engine and list the rows that fail them.

GX has no working DuckDB backend (see DESIGN.md), so rows reach it as a pandas DataFrame.
Validations that matter to operators go through a Checkpoint, which keeps their results for the
source's Data Docs site.
"""

from __future__ import annotations

import itertools
import logging
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

ROW_ID = "_row_id"
DOCS_SITE = "rekon"


def _empty_failures() -> pd.DataFrame:
    return pd.DataFrame(
        {
            ROW_ID: pd.Series([], dtype="int64"),
            "reason": pd.Series([], dtype=str),
            "check": pd.Series([], dtype=str),
        }
    )


class Validator:
    """One ephemeral GX context per source: its validations, and its Data Docs site."""

    def __init__(self, docs_dir: Path | None = None, run_name: str | None = None) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self._names = itertools.count()
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        self.context = gx.get_context(mode="ephemeral")
        # An ephemeral context makes a default docs site in a fresh temporary folder; drop it so
        # runs do not leave folders behind in /tmp.
        for site in self.context.variables.data_docs_sites.values():
            shutil.rmtree(site["store_backend"]["base_directory"], ignore_errors=True)
        self.context.variables.data_docs_sites = {}
        # GX draws a progress bar per validation; in a batch job's log that is only noise.
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.docs_dir = docs_dir
        self.run_name = run_name
        if docs_dir is not None:
            shutil.rmtree(docs_dir, ignore_errors=True)  # a rerun's site shows that run only
            docs_dir.mkdir(parents=True, exist_ok=True)
            self.context.add_data_docs_site(
                DOCS_SITE,
                {
                    "class_name": "SiteBuilder",
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(docs_dir),
                    },
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                },
            )

    def run(
        self,
        name: str,
        frame: pd.DataFrame,
        expectations: list[dict[str, Any]],
        parameters: dict[str, Any],
        docs: bool = False,
    ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
        """Validate `frame` as the batch `name`.

        Returns the failing rows, one per (row, expectation) with `_row_id`, `reason`, `check`
        (only when the frame has a `_row_id` column and the expectation a `meta.reason`), and a
        JSON-able summary per expectation. With `docs`, the result goes to the Data Docs site.
        """
        gx = self._gx
        name = name.replace("/", "__")  # GX stores results under file names built from it
        with_rows = ROW_ID in frame.columns
        result_format = (
            {
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [ROW_ID],
                "return_unexpected_index_query": False,
            }
            if with_rows
            else {"result_format": "SUMMARY"}
        )
        source_name = f"batch-{next(self._names)}"
        batch_definition = (
            self.context.data_sources.add_pandas(source_name)
            .add_dataframe_asset(name)
            .add_batch_definition_whole_dataframe("whole")
        )
        suite = gx.ExpectationSuite(name=name.split(":")[0], expectations=expectations)
        try:
            if docs and self.docs_dir is not None:
                result = self._checkpoint(
                    source_name, batch_definition, suite, result_format, frame, parameters
                )
            else:
                result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
                    suite, result_format=result_format, expectation_parameters=parameters
                )
        finally:
            self.context.data_sources.delete(source_name)  # releases the frame
        return _failures(name, result, with_rows)

    def build_docs(self) -> Path | None:
        """Render the Data Docs site from every result kept so far; return its index page."""
        if self.docs_dir is None:
            return None
        self.context.build_data_docs(site_names=[DOCS_SITE])
        return self.docs_dir / "index.html"

    def _checkpoint(self, key, batch_definition, suite, result_format, frame, parameters):
        gx = self._gx
        suite = self.context.suites.add_or_update(suite)
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=key, data=batch_definition, suite=suite)
        )
        checkpoint = gx.Checkpoint(
            name=f"checkpoint-{key}",
            validation_definitions=[definition],
            # The results are kept in the context's store; the site is built once, by `build_docs`.
            actions=[],
            result_format=result_format,
        )
        from great_expectations.core.run_identifier import RunIdentifier

        outcome = checkpoint.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=parameters,
            run_id=RunIdentifier(run_name=self.run_name),
        )
        return next(iter(outcome.run_results.values()))


def _failures(name: str, result, with_rows: bool) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    failures: list[pd.DataFrame] = []
    summary: list[dict[str, Any]] = []
    for outcome in result.results:
        config = outcome.expectation_config
        check = f"{config.type}({config.kwargs.get('column', '')})"
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"expectation {check} of {name} could not run: "
                f"{outcome.exception_info.get('exception_message')}"
            )
        rows = (outcome.result.get("unexpected_index_list") or []) if with_rows else []
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
        if ids and "reason" in config.meta and not config.meta.get("batch"):
            failures.append(
                pd.DataFrame(
                    {ROW_ID: pd.Series(ids, dtype="int64"), "reason": config.meta["reason"], "check": check}
                )
            )
    return (pd.concat(failures, ignore_index=True) if failures else _empty_failures()), summary


def _plain(value: Any) -> Any:
    """Observed values as JSON can hold them (numpy scalars and lists of columns included)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return str(value)
