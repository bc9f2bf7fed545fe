"""Run expectations with Great Expectations' pandas engine and list the rows that fail them.

GX has no working DuckDB backend (see DESIGN.md), so rows reach it as a pandas DataFrame.
The results operators read (one per file, or per chunk of a large file) are kept and rendered
into the source's Data Docs site.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import RekonError

ROW_ID = "_row_id"
DOCS_SITE = "rekon"


def empty_failures() -> pd.DataFrame:
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
        from great_expectations.execution_engine import pandas_execution_engine

        self._gx = gx
        # GX fingerprints every pandas batch under 1 GB by hashing all of its rows, twice per
        # validation (getting the batch, then the validator's own copy): at 1 M rows that was
        # 60 % of a validation. Nothing here reads the fingerprint (each batch is a new frame),
        # so no frame is hashed. tests/unit/test_gx_runner.py notices if GX renames the knob.
        pandas_execution_engine.HASH_THRESHOLD = 0
        # GX pins one module's logger at INFO, which would print a line per validation.
        for name in ("great_expectations", "great_expectations.data_context.types.base"):
            logging.getLogger(name).setLevel(logging.WARNING)
        self.context = gx.get_context(mode="ephemeral")
        # An ephemeral context makes a default docs site in a fresh temporary folder; drop it so
        # runs do not leave folders behind in /tmp.
        for site in self.context.variables.data_docs_sites.values():
            shutil.rmtree(site["store_backend"]["base_directory"], ignore_errors=True)
        self.context.variables.data_docs_sites = {}
        # GX draws a progress bar per validation; in a batch job's log that is only noise.
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._batches = (
            self.context.data_sources.add_pandas("rekon")
            .add_dataframe_asset("rows")
            .add_batch_definition_whole_dataframe("whole")
        )
        # GX's filesystem store refuses a relative folder (`rekon demo` runs in ./demo).
        self.docs_dir = docs_dir = docs_dir.resolve() if docs_dir is not None else None
        self.run_name = run_name
        self._kept_suites: set[str] = set()
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
    ) -> tuple[pd.DataFrame, list[dict[str, Any]], Any]:
        """Validate `frame` as the batch `name`.

        Returns the failing rows, one per (row, expectation) with `_row_id`, `reason`, `check`
        (only when the frame has a `_row_id` column and the expectation a `meta.reason`), a
        JSON-able summary per expectation, and GX's own result (for `keep`).
        """
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
        # One data source and asset for all batches: adding or deleting one rewrites the
        # context's configuration, which costs more than validating a small file.
        batch = self._batches.get_batch(batch_parameters={"dataframe": frame})
        suite = self._gx.ExpectationSuite(name=name.split(":")[0], expectations=expectations)
        result = batch.validate(suite, result_format=result_format, expectation_parameters=parameters)
        del batch
        return (*_failures(name, result, with_rows), result)

    def keep(self, name: str, suite: dict[str, Any], result: Any) -> None:
        """Keep a validation result (made here or in a worker process) for the Data Docs site."""
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        _slim(result)
        suite_name = suite["name"]
        if suite_name not in self._kept_suites:
            self.context.suites.add_or_update(self._gx.ExpectationSuite(**suite))
            self._kept_suites.add(suite_name)
        suite_id = ExpectationSuiteIdentifier(name=suite_name)
        self.context.validation_results_store.store_validation_results(
            suite_validation_result=result,
            suite_validation_result_identifier=ValidationResultIdentifier(
                expectation_suite_identifier=suite_id,
                run_id=RunIdentifier(run_name=self.run_name),
                batch_identifier=name.replace("/", "__"),
            ),
            expectation_suite_identifier=suite_id,
        )

    def build_docs(self) -> Path | None:
        """Render the Data Docs site from every result kept so far; return its index page.

        GX logs a page it could not write (a full disk) with its traceback and goes on; here that
        is an error of the run, raised as one line (RekonError)."""
        if self.docs_dir is None:
            return None
        failures = _Failures()
        builder = logging.getLogger(SITE_BUILDER_LOG)
        builder.addHandler(failures)
        builder.propagate = False
        try:
            self.context.build_data_docs(site_names=[DOCS_SITE])
        finally:
            builder.removeHandler(failures)
            builder.propagate = True
        if failures.errors:
            raise RekonError(f"the Data Docs in {self.docs_dir} could not be written: {failures.errors[-1]}")
        return self.docs_dir / "index.html"


SITE_BUILDER_LOG = "great_expectations.render.renderer.site_builder"


class _Failures(logging.Handler):
    """Keeps the last line of each error GX logs (the exception, not its traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage().rstrip().rstrip('"').splitlines()
        self.errors.append(text[-1].strip() if text else "unknown error")


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
                "element_count": outcome.result.get("element_count"),
                "observed_value": _plain(outcome.result.get("observed_value")),
            }
        )
        if ids and "reason" in config.meta and not config.meta.get("batch"):
            failures.append(
                pd.DataFrame(
                    {ROW_ID: pd.Series(ids, dtype="int64"), "reason": config.meta["reason"], "check": check}
                )
            )
    return (pd.concat(failures, ignore_index=True) if failures else empty_failures()), summary


def _slim(result: Any) -> None:
    """Keep what Data Docs needs and no personal data: counts and the row ids of a few failing
    rows. The values (NIKs, names, wages) stay in quarantine; the complete lists of failing rows
    would also make the stored result as large as the data."""
    for outcome in result.results:
        for key in (
            "unexpected_index_list",
            "unexpected_list",
            "unexpected_index_query",
            "partial_unexpected_list",
            "partial_unexpected_counts",
        ):
            outcome.result.pop(key, None)
        partial = outcome.result.get("partial_unexpected_index_list")
        if partial:
            outcome.result["partial_unexpected_index_list"] = [{ROW_ID: row.get(ROW_ID)} for row in partial]


def _plain(value: Any) -> Any:
    """Observed values as JSON can hold them (numpy scalars and lists of columns included)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return str(value)
