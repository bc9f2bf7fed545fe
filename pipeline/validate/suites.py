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

    @property
    def row_checks(self) -> list[dict[str, Any]]:
        return [e for e in self.suite["expectations"] if not e.get("meta", {}).get("after_row_checks")]

    @property
    def after_row_checks(self) -> list[dict[str, Any]]:
        return [e for e in self.suite["expectations"] if e.get("meta", {}).get("after_row_checks")]


def load_suite(source: str, directory: Path = EXPECTATIONS_DIR) -> SuiteFiles:
    slug = source_slug(source)
    suite = json.loads((directory / f"{slug}.json").read_text())
    sql_path = directory / f"{slug}.sql"
    return SuiteFiles(source, suite, sql_path.read_text() if sql_path.exists() else None)


def macros_sql(directory: Path = EXPECTATIONS_DIR) -> str:
    return (directory / "macros.sql").read_text()
