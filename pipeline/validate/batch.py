"""Batch-level expectations: per file and per source, each with the severity the operator set.

They live in the same suites as the row rules (`meta.batch` is `file` or `source`, `meta.check`
names the setting in pipeline/quality/defaults.toml). This module works out their parameters
and turns their outcomes into verdicts: a warning is reported; an error holds the file back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.contract import SOURCES
from pipeline.layout import Layout, Period
from pipeline.quality.config import QualityConfig
from pipeline.reference import REFERENCE_DIR


@dataclass
class BatchOutcome:
    results: list[dict[str, Any]] = field(default_factory=list)
    held_back: dict[str, dict[str, Any]] = field(default_factory=dict)  # file -> the failed check

    def record(
        self, expectation: dict[str, Any], summary: dict[str, Any], severity: str, file: str | None
    ) -> None:
        meta = expectation["meta"]
        observed = summary.get("observed_value")
        if observed is None and summary.get("element_count") is not None:
            # A rule over values (a code in a list, say) observes no one value: say how many failed.
            observed = f"{summary['unexpected_count']:,} of {summary['element_count']:,} rows fail"
        result = {
            "check": meta["check"],
            "expectation": expectation["type"],
            "file": file,
            "severity": severity,
            "success": summary["success"],
            "observed_value": observed,
        }
        self.results.append(result)
        if not summary["success"] and severity == "error" and file is not None:
            self.held_back.setdefault(file, {**result, "reason": meta.get("reason", meta["check"])})

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [r for r in self.results if not r["success"] and r["severity"] == "error"]


def lowest_minimum_wage(period: str) -> float | None:
    """The lowest provincial minimum wage in force on the period's first day, if known."""
    start = Period.parse(period).first_day
    table = pd.read_csv(REFERENCE_DIR / "minimum_wages.csv", dtype={"province_code": str})
    table = table[pd.to_datetime(table.effective_from).dt.date <= start]
    if table.empty:
        return None
    latest = table.sort_values("effective_from").groupby("province_code").tail(1)
    return float(latest.minimum_wage.min())


def previous_rows(layout: Layout, source: str) -> int | None:
    """Rows received for `source` in the previous period's run, when there was one."""
    report = layout.previous().validation_report(source)
    if not report.exists():
        return None
    return sum(f["rows_received"] for f in json.loads(report.read_text())["files"])


def employer_npp_files(layout: Layout) -> list[Path]:
    """registry/employers as ingested: the NPPs participants must refer to."""
    return sorted(layout.bronze("registry/employers").glob("*.parquet"))


def parameters(layout: Layout, source: str, config: QualityConfig) -> dict[str, Any]:
    """Suite parameters for the batch expectations; a missing one means the check is skipped."""
    values: dict[str, Any] = {"max_quarantine_share": config.value("quarantine_share", "max_share")}
    minimum_wage = lowest_minimum_wage(layout.period)
    if minimum_wage:
        values["wage_median_min"] = minimum_wage * config.value("wage_median", "min_ratio")
        values["wage_median_max"] = minimum_wage * config.value("wage_median", "max_ratio")
    before = previous_rows(layout, source)
    if before is not None:
        band = config.value("row_count_band", "band")
        values["row_count_min"] = int(before * (1 - band))
        values["row_count_max"] = int(before * (1 + band)) + 1
    if source == "registry/participants":
        values["npp_known_min_share"] = config.value("participants_npp_known", "min_share")
    return values


def runnable(expectation: dict[str, Any], available: dict[str, Any], columns: list[str]) -> bool:
    """Whether the expectation's parameters are known (history, minimum wage) and its column exists."""
    needed = [
        v["$PARAMETER"] for v in expectation["kwargs"].values() if isinstance(v, dict) and "$PARAMETER" in v
    ]
    column = expectation["kwargs"].get("column")
    return all(n in available for n in needed) and (column is None or column in columns)


def columns_frame(source: str, columns: list[str]) -> pd.DataFrame:
    """An empty frame with the file's header columns; `a|b` stands for either of a pair."""
    names = list(columns)
    for group in SOURCES[source].one_of:
        if any(c in columns for c in group):
            names.append("|".join(group))
    return pd.DataFrame(columns=names)


def record(
    outcome: BatchOutcome,
    summary: list[dict[str, Any]],
    expectations: list[dict[str, Any]],
    config: QualityConfig,
    file: str | None,
) -> None:
    """Turn the batch expectations' results into verdicts (row rules in `summary` are skipped)."""
    by_check = {e["meta"]["check"]: e for e in expectations if e["meta"].get("batch")}
    for result in summary:
        if result["check"] in by_check:
            outcome.record(by_check[result["check"]], result, config.severity(result["check"]), file)
