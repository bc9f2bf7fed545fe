"""Validate one source: its ingested rows through the row rules and the batch rules, into silver
(accepted rows), the quarantine (rejected rows and files, with reasons) and the validation report.

Order: each file's header (required columns) -> row rules over every row -> rules that judge
only otherwise valid rows (duplicates) -> each file's batch expectations (quarantine share,
wage median, ...) -> the source's (row count against last period, cross-source keys).
A file failing a batch expectation of severity `error` is held back whole.
"""

from __future__ import annotations

from typing import Any

from pipeline.contract import REGISTRY_SOURCES
from pipeline.db import connect
from pipeline.layout import Layout
from pipeline.quality.config import load_config
from pipeline.reference import plausibility_parameters
from pipeline.validate import batch, bronze, quarantine, report, row_rules, silver
from pipeline.validate.gx_runner import Validator
from pipeline.validate.suites import load_suite


def validate_source(layout: Layout, source_name: str) -> dict[str, Any]:
    """Validate the source's ingested rows for the layout's period; return its counts.

    Raises RekonError (RegistryGateError) when a registry would make every employer a finding."""
    config = load_config(layout.data)
    ingest = bronze.ingest_report(layout, source_name)
    suite = load_suite(source_name)
    values = {
        "period": layout.period,
        **plausibility_parameters(source_name),
        **batch.parameters(layout, source_name, config),
    }
    validator = Validator(docs_dir=layout.data_docs(source_name), run_name=f"rekon {layout.period}")
    rules = batch.BatchRules(source_name, suite, values, config, validator)
    readable = bronze.readable(ingest)
    rules.check_headers(readable)
    usable = [e for e in readable if e["path"] not in rules.outcome.held_back]

    con = connect()
    checked_path = layout.validation_report(source_name).with_suffix(".checked.parquet")
    try:
        row_rules.load_lookups(con, layout)
        file_rows = bronze.load_rows(con, source_name, usable)
        row_rules.write_checked(con, suite, checked_path, layout.period)
        row_summary = row_rules.judge_rows(
            con, source_name, suite, checked_path, file_rows, values, validator
        )
        quarantine.create_verdict(con)
        rules.check_files(con, file_rows)
        rules.check_source(con, readable)
        validator.build_docs()
        held_back = rules.outcome.held_back
        silver.write_silver(con, layout, source_name, held_back)
        rows_quarantined = quarantine.write_quarantine(con, layout, source_name, ingest["files"], held_back)
    finally:
        con.close()
        checked_path.unlink(missing_ok=True)

    written = report.write_report(
        layout, source_name, ingest["files"], rows_quarantined, held_back, row_summary, rules.outcome.results
    )
    if source_name in REGISTRY_SOURCES:
        batch.registry_gates(layout, written, rules.outcome, config)
    return {
        "source": source_name,
        "delivered": written["delivered"],
        **report.totals(written["files"]),
        "warnings": rules.outcome.warnings,
    }
