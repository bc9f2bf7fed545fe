"""Load a source's expectation suite and its helper-column SQL from expectations/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.layout import source_slug

EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"


@dataclass(frozen=True)
class SuiteFiles:
    source: str
    suite: dict[str, Any]
    helper_sql: str | None  # a select over relation `rows` adding the suite's helper columns

    def _select(self, batch: str | None, after_row_checks: bool = False) -> list[dict[str, Any]]:
        return [
            e
            for e in self.suite["expectations"]
            if e["meta"].get("batch") == batch and bool(e["meta"].get("after_row_checks")) == after_row_checks
        ]

    @property
    def row_checks(self) -> list[dict[str, Any]]:
        """Row rules: every failing row is quarantined with the expectation's reason."""
        return self._select(None)

    @property
    def after_row_checks(self) -> list[dict[str, Any]]:
        """Row rules judged only on rows that passed the others (duplicates)."""
        return self._select(None, after_row_checks=True)

    @property
    def header_checks(self) -> list[dict[str, Any]]:
        """Batch expectations on each file's header."""
        return [e for e in self._select("file") if e["type"] == "expect_table_columns_to_match_set"]

    @property
    def file_checks(self) -> list[dict[str, Any]]:
        """Batch expectations on each file's rows, run with the row rules."""
        return [e for e in self._select("file") if e["type"] != "expect_table_columns_to_match_set"]

    @property
    def file_checks_after_row_checks(self) -> list[dict[str, Any]]:
        """Batch expectations on each file once its rows are judged (quarantine share)."""
        return self._select("file", after_row_checks=True)

    @property
    def source_checks(self) -> list[dict[str, Any]]:
        """Batch expectations on all of the source's rows together."""
        return self._select("source")


def named_columns(expectations: list[dict[str, Any]]) -> list[str]:
    """The columns a list of expectations names, in a stable order."""
    return sorted({e["kwargs"]["column"] for e in expectations if "column" in e["kwargs"]})


def load_suite(source: str, directory: Path = EXPECTATIONS_DIR) -> SuiteFiles:
    slug = source_slug(source)
    suite = json.loads((directory / f"{slug}.json").read_text())
    sql_path = directory / f"{slug}.sql"
    return SuiteFiles(source, suite, sql_path.read_text() if sql_path.exists() else None)


def macros_sql(directory: Path = EXPECTATIONS_DIR) -> str:
    return (directory / "macros.sql").read_text()
