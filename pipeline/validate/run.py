"""Validate one source: helper columns in DuckDB, the suite in GX, then silver and quarantine."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pipeline.contract import SOURCES, empty_relation_sql
from pipeline.ingest.run import INGEST_REPORT
from pipeline.layout import Layout
from pipeline.reference import regency_codes
from pipeline.validate.gx_runner import ROW_ID, run_expectations
from pipeline.validate.quarantine import reason_rank_sql
from pipeline.validate.suites import load_suite, macros_sql

log = logging.getLogger(__name__)

LINEAGE = ["_source", "_file", "_file_sha256", "_row_number"]
QUARANTINE_COLUMNS = (
    "_source as source, _file as file, _row_number as row_number, reason::varchar as reason, "
    "detail::varchar as detail"
)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _write(con, sql: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    con.execute(f"copy ({sql}) to '{_sql_path(tmp)}' (format parquet, compression zstd)")
    tmp.replace(path)


def validate_source(layout: Layout, source_name: str) -> dict[str, Any]:
    import duckdb

    source = SOURCES[source_name]
    ingest = json.loads((layout.bronze(source_name) / INGEST_REPORT).read_text())
    suite = load_suite(source_name)
    parameters = {"regency_codes": regency_codes(), "period": layout.period}
    columns = ", ".join(LINEAGE + source.column_names)
    readable = [e for e in ingest["files"] if e["status"] == "read"]

    con = duckdb.connect()
    try:
        con.execute(macros_sql())
        if readable:
            files = ", ".join(f"'{_sql_path(Path(e['output']))}'" for e in readable)
            con.execute(f"create view rows as select * from read_parquet([{files}])")
        else:
            # No readable file: an empty relation of the right shape keeps every step uniform.
            con.execute(f"create table rows as {empty_relation_sql(source)}")
        helper = suite.helper_sql or "select * from rows"
        con.execute(
            f"create table checked as select row_number() over (order by _file, _row_number) as {ROW_ID}, * "
            f"from ({helper})",
            {"period": layout.period} if "$period" in helper else None,
        )
        frame = con.execute("select * from checked").df()
        failures, summary = run_expectations(source_name, frame, suite.row_checks, parameters)
        del frame
        con.register("row_failures", failures)
        con.execute("create table failures as select * from row_failures")
        for expectation in suite.after_row_checks:
            key = ", ".join(expectation["meta"]["key"])
            later = con.execute(
                f"select {ROW_ID}, row_number() over (partition by {key} order by _file, _row_number) "
                f"as _occurrence from checked anti join failures using ({ROW_ID})"
            ).df()
            more, more_summary = run_expectations(source_name, later, [expectation], parameters)
            con.register("more_failures", more)
            con.execute("insert into failures select * from more_failures")
            summary += more_summary
        con.execute(
            f"""create table verdict as
            select {ROW_ID}, arg_min(reason, {reason_rank_sql()}) as reason,
                   string_agg(distinct "check", '; ' order by "check") as detail
            from failures group by {ROW_ID}"""
        )
        _write(
            con,
            f"select {columns} from checked anti join verdict using ({ROW_ID}) order by {ROW_ID}",
            layout.silver(source_name),
        )
        unreadable = [e for e in ingest["files"] if e["status"] == "unreadable"]
        whole_files = " union all ".join(
            f"select $${source_name}$$, $${e['path']}$$, null::bigint, 'unreadable_file', $${e['detail']}$$"
            for e in unreadable
        )
        rows_sql = f"select {QUARANTINE_COLUMNS} from checked join verdict using ({ROW_ID})"
        _write(
            con,
            f"select * from ({rows_sql}{' union all ' + whole_files if whole_files else ''}) "
            "order by file, row_number nulls first",
            layout.quarantine(source_name),
        )
        per_file = dict(
            con.execute(
                f"select _file, count(*) from checked join verdict using ({ROW_ID}) group by _file"
            ).fetchall()
        )
    finally:
        con.close()

    files = []
    for entry in ingest["files"]:
        quarantined = per_file.get(entry["path"], 0)
        received = entry["rows_received"]
        if entry["status"] == "unreadable":
            status = "quarantined"
        else:
            status = "accepted" if quarantined == 0 else "partially_accepted"
        files.append(
            {
                "path": entry["path"],
                "sha256": entry["sha256"],
                "rows_received": received,
                "rows_accepted": received - quarantined,
                "rows_quarantined": quarantined,
                "status": status,
                **({"detail": entry["detail"]} if "detail" in entry else {}),
            }
        )
    report = {"source": source_name, "period": layout.period, "files": files, "expectations": summary}
    path = layout.validation_report(source_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2))
    return {
        "source": source_name,
        "rows_received": sum(f["rows_received"] for f in files),
        "rows_accepted": sum(f["rows_accepted"] for f in files),
        "rows_quarantined": sum(f["rows_quarantined"] for f in files),
        "files_quarantined": len(unreadable),
    }
