"""Batch rules: checks on a whole file or a whole source, each with the severity the operator set.

The batch expectations live in the same suites as the row rules (`meta.batch` is `file` or
`source`, `meta.check` names the setting in pipeline/quality/defaults.toml). This module works
out their parameters, runs them on each file's header, each file's judged rows and the whole
source, and turns their outcomes into verdicts: a warning is reported; an error holds the file
back (the whole source, for a source-level check). The registry gates then stop the run on a
registry that would make every employer a finding (contract section 4).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline.contract import SOURCES
from pipeline.db import frame
from pipeline.errors import RegistryGateError, RekonError
from pipeline.layout import Layout, Period
from pipeline.publication import MANIFEST
from pipeline.quality.config import QualityConfig
from pipeline.reference import REFERENCE_DIR
from pipeline.validate.gx_runner import ROW_ID, Validator
from pipeline.validate.report import read_report, totals
from pipeline.validate.suites import SuiteFiles, named_columns


@dataclass
class BatchOutcome:
    """The results of a source's batch expectations, and the files they hold back whole."""

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

    @property
    def source_errors(self) -> list[dict[str, Any]]:
        """Failed checks of severity error on the whole source."""
        return [r for r in self.errors if r["file"] is None]

    @property
    def warnings(self) -> int:
        return sum(not r["success"] and r["severity"] == "warning" for r in self.results)


def lowest_minimum_wage(period: Period) -> float | None:
    """The lowest provincial minimum wage in force on the period's first day, if known."""
    table = pd.read_csv(REFERENCE_DIR / "minimum_wages.csv", dtype={"province_code": str})
    table = table[pd.to_datetime(table.effective_from).dt.date <= period.first_day]
    if table.empty:
        return None
    latest = table.sort_values("effective_from").groupby("province_code").tail(1)
    return float(latest.minimum_wage.min())


def previous_rows(layout: Layout, source: str) -> int | None:
    """Rows received for `source` in the previous period's run, when there was one."""
    report = read_report(layout.previous(), source)
    return None if report is None else totals(report["files"])["rows_received"]


def parameters(layout: Layout, source: str, config: QualityConfig) -> dict[str, Any]:
    """Suite parameters for the batch expectations; a missing one means the check is skipped."""
    values: dict[str, Any] = {"max_quarantine_share": config.value("quarantine_share", "max_share")}
    minimum_wage = lowest_minimum_wage(layout.month)
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


@dataclass
class BatchRules:
    """A source's batch expectations as one validation runs them, and what they decided."""

    source: str
    suite: SuiteFiles
    values: dict[str, Any]  # the suite's parameters
    config: QualityConfig
    validator: Validator
    outcome: BatchOutcome = field(default_factory=BatchOutcome)

    def _record(
        self, summary: list[dict[str, Any]], expectations: list[dict[str, Any]], file: str | None
    ) -> None:
        """Turn the batch expectations' results into verdicts (row rules in `summary` are skipped)."""
        by_check = {e["meta"]["check"]: e for e in expectations if e["meta"].get("batch")}
        for result in summary:
            if result["check"] in by_check:
                severity = self.config.severity(result["check"])
                self.outcome.record(by_check[result["check"]], result, severity, file)

    def check_headers(self, readable: list[dict[str, Any]]) -> None:
        """Each readable file's header (required columns), before any row is read."""
        checks = self.suite.header_checks
        for entry in readable:
            header = columns_frame(self.source, entry["columns"])
            _, result, _ = self.validator.run(
                f"{self.source}:{entry['path']}:header", header, checks, self.values
            )
            self._record(result, checks, entry["path"])

    def check_files(self, con, file_rows: dict[str, tuple[int, int]]) -> None:
        """Each file's batch expectations (quarantine share, wage median, ...), on the columns they
        name of view `checked`, with `_quarantined` from table `verdict`."""
        per_file = self.suite.file_checks + self.suite.file_checks_after_row_checks
        wanted = ", ".join(
            [ROW_ID] + [f"checked.{c}" for c in named_columns(per_file) if c != "_quarantined"]
        )
        for file, (first, last) in file_rows.items():
            rows = frame(
                con,
                f"select {wanted}, (verdict.{ROW_ID} is not null)::double as _quarantined "
                f"from checked left join verdict using ({ROW_ID}) "
                f"where checked.{ROW_ID} between {first} and {last}",
            )
            todo = [e for e in per_file if runnable(e, self.values, list(rows.columns))]
            if todo:
                _, result, _ = self.validator.run(f"{self.source}:{file}:batch", rows, todo, self.values)
                self._record(result, todo, file)

    def check_source(self, con, readable: list[dict[str, Any]]) -> None:
        """The source's batch expectations (row count against last period, cross-source keys) on
        view `checked`; a failed one of severity error holds every `readable` file back."""
        rows = frame(
            con, f"select {', '.join([ROW_ID, *named_columns(self.suite.source_checks)])} from checked"
        )
        todo = [e for e in self.suite.source_checks if runnable(e, self.values, list(rows.columns))]
        if todo:
            _, result, _ = self.validator.run(self.source, rows.drop(columns=[ROW_ID]), todo, self.values)
            self._record(result, todo, None)
        source_errors = self.outcome.source_errors
        if source_errors:
            for entry in readable:
                self.outcome.held_back.setdefault(
                    entry["path"], {**source_errors[0], "reason": source_errors[0]["check"]}
                )


def previous_accepted(layout: Layout, source_name: str) -> int | None:
    """Rows of `source_name` accepted by the previous period's publication, when there is one."""
    manifest = layout.previous().published / MANIFEST
    if not manifest.exists():
        return None
    inputs = json.loads(manifest.read_text()).get("inputs", [])
    return totals(i for i in inputs if i.get("source") == source_name)["rows_accepted"]


def registry_gates(
    layout: Layout, report: dict[str, Any], outcome: BatchOutcome, config: QualityConfig
) -> None:
    """Stop the run on a registry that would turn every employer into a finding (contract
    section 4): a failed source-level check of severity error, every file held back, no
    accepted rows, or far fewer than the previous period's publication."""
    source_name, files = report["source"], report["files"]
    if outcome.source_errors:
        failed = "; ".join(f"{r['check']} (observed {r['observed_value']})" for r in outcome.source_errors)
        raise RekonError(
            f"{source_name} failed batch expectations of severity error: {failed}; nothing was published"
        )
    counts = totals(files)
    if outcome.held_back and counts["files_quarantined"] == len(files):
        raise RekonError(
            f"every {source_name} file was held back by its batch expectations "
            f"({', '.join(sorted(outcome.held_back))}); nothing was published"
        )
    accepted = counts["rows_accepted"]
    names = ", ".join(f["path"] for f in files)
    if accepted == 0:
        raise RegistryGateError(
            f"{source_name} ({names}): no row accepted; a registry without rows would make every "
            "employer a finding, so nothing was published"
        )
    before = previous_accepted(layout, source_name)
    ratio = config.value("registry_shrink", "min_ratio")
    if before and accepted < before * ratio and config.severity("registry_shrink") == "error":
        raise RegistryGateError(
            f"{source_name} ({names}): {accepted:,} rows accepted, under {ratio:.0%} of the "
            f"{before:,} of {layout.previous().period}; a registry that shrank so much would "
            "make registered employers findings, so nothing was published "
            "(setting checks.registry_shrink in rekon.toml)"
        )
