"""Validate one source: helper columns in DuckDB, the suite in GX, then silver and quarantine.

Order: each file's header (required columns) -> row rules over every row -> rules that judge
only otherwise valid rows (duplicates) -> each file's batch expectations (quarantine share,
wage median, ...) -> the source's (row count against last period, cross-source keys).
A file failing a batch expectation of severity `error` is held back whole.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.contract import REGISTRY_SOURCES, SOURCES, empty_relation_sql
from pipeline.db import connect, frame, sql_path
from pipeline.errors import RegistryGateError, RekonError
from pipeline.ingest.run import INGEST_REPORT
from pipeline.ingest.standardise import UNUSABLE
from pipeline.layout import Layout
from pipeline.publication import MANIFEST
from pipeline.quality.config import QualityConfig, load_config
from pipeline.reference import plausibility_parameters, regency_codes
from pipeline.validate import batch, parallel
from pipeline.validate.gx_runner import ROW_ID, Validator, empty_failures
from pipeline.validate.quarantine import reason_rank_sql
from pipeline.validate.suites import SuiteFiles, load_suite, macros_sql

log = logging.getLogger(__name__)

LINEAGE = ["_source", "_file", "_file_sha256", "_row_number"]


def _write(con, sql: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    con.execute(f"copy ({sql}) to {sql_path(tmp)} (format parquet)")
    tmp.replace(path)


def _sql_text(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _columns(expectations: list[dict[str, Any]]) -> list[str]:
    """The columns a list of expectations names, in a stable order."""
    return sorted({e["kwargs"]["column"] for e in expectations if "column" in e["kwargs"]})


def _checked_columns(suite: SuiteFiles) -> list[str]:
    """What validation reads of a row once its helper columns are added: every column an
    expectation names or ranks by. Only these are kept in `checked`, beside `_row_id`; the
    silver file takes the whole row from the ingested file (10 M payroll rows: a table of every
    column cost 1-2 s more to build, and as much to write out again), and a quarantined row's
    file and row number come from its `_row_id` (table `file_base`): the same file name on
    every row of 11 M participants cost 0.5 s to keep."""
    computed = {"_occurrence", "_quarantined"}  # made by validation itself, after `checked`
    named = set(_columns(suite.suite["expectations"]))
    keys = {c for e in suite.after_row_checks for c in e["meta"]["key"]}
    return sorted((named | keys) - computed)


def _occurrence_sql(key: list[str]) -> str:
    """Each valid row's `_occurrence` among the valid rows of its key, in `_row_id` order (which
    is file path, then row number). Only keys that repeat are ranked: a window over every row
    took twice as long at 10 M payroll rows. Repeats are found by the key's hash, one integer
    instead of three texts (10 M payroll rows: 3.9 s to 2.6 s); a collision only ranks a few
    more rows, which the window, partitioned by the key itself, ranks right. Null key parts are
    equal to each other, in the hash as in the window."""
    columns = ", ".join(key)
    return f"""
        with valid as (
            select {ROW_ID}, {columns}, hash({columns}) as _key
            from checked anti join failures using ({ROW_ID})
        ),
        repeated as (select _key from valid group by _key having count(*) > 1)
        select {ROW_ID}, 1 as _occurrence from valid anti join repeated using (_key)
        union all
        select {ROW_ID}, row_number() over (partition by {columns} order by {ROW_ID}) as _occurrence
        from valid semi join repeated using (_key)"""


def validate_source(layout: Layout, source_name: str) -> dict[str, Any]:

    source = SOURCES[source_name]
    config = load_config(layout.data)
    ingest = json.loads((layout.bronze(source_name) / INGEST_REPORT).read_text())
    suite = load_suite(source_name)
    values = {
        "period": layout.period,
        **plausibility_parameters(source_name),
        **batch.parameters(layout, source_name, config),
    }
    columns = ", ".join(LINEAGE + source.column_names)
    outcome = batch.BatchOutcome()

    validator = Validator(docs_dir=layout.data_docs(source_name), run_name=f"rekon {layout.period}")
    readable = [e for e in ingest["files"] if e["status"] == "read"]
    for entry in readable:
        header = batch.columns_frame(source_name, entry["columns"])
        _, result, _ = validator.run(
            f"{source_name}:{entry['path']}:header", header, suite.header_checks, values
        )
        batch.record(outcome, result, suite.header_checks, config, entry["path"])
    usable = [e for e in readable if e["path"] not in outcome.held_back]

    con = connect()
    checked_path = layout.validation_report(source_name).with_suffix(".checked.parquet")
    try:
        # `digits`: the code as a NIK begins with it (62.71 -> 6271)
        con.execute(
            "create table regencies as select code, replace(code, '.', '') as digits "
            "from (select unnest(?::varchar[]) as code)",
            [regency_codes()],
        )
        con.execute(macros_sql())
        npp_files = batch.employer_npp_files(layout)
        con.execute(
            "create view employer_npps as "
            + (
                "select distinct npp from read_parquet(["
                + ", ".join(f"{sql_path(p)}" for p in npp_files)
                + "])"
                if npp_files
                else "select null::varchar as npp where false"
            )
        )
        # `_row_id`: the row's position in the source, files in path order; no sort needed.
        file_rows, base = {}, 0
        for entry in sorted(usable, key=lambda e: e["path"]):
            file_rows[entry["path"]] = (base + 1, base + entry["rows_received"])
            base += entry["rows_received"]
        con.execute("create table file_base (_file varchar, _base bigint, _last bigint)")
        if file_rows:  # none when every file of the source was unreadable
            con.executemany(
                "insert into file_base values (?, ?, ?)",
                [(f, lo - 1, hi) for f, (lo, hi) in file_rows.items()],
            )
        file_rows = {f: r for f, r in file_rows.items() if r[1] >= r[0]}
        # No usable file: an empty relation of the right shape keeps every step uniform.
        files = ", ".join(sql_path(Path(e["output"])) for e in usable)
        ingested = (
            f"read_parquet([{files}])"
            if usable
            else f"(select *, []::varchar[] as {UNUSABLE} from ({empty_relation_sql(source)}))"
        )
        con.execute(
            f"create view rows as select file_base._base + ingested._row_number as {ROW_ID}, ingested.* "
            f"from {ingested} as ingested join file_base using (_file)"
        )
        helper = suite.helper_sql or "select * from rows"
        kept = ", ".join(f"checked.{c}" for c in [ROW_ID, *_checked_columns(suite)])
        # A Parquet file rather than a table: the worker processes read their chunks from it, and
        # writing it once cost less than a table and then a file for them (11 M participants:
        # 10.8 s to 8.4 s; 10 M payroll rows: 8.9 s to 7.5 s).
        checked_path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"copy (select {kept} from ({helper}) as checked) to {sql_path(checked_path)} (format parquet)",
            {"period": layout.period} if "$period" in helper else None,
        )
        con.execute(f"create view checked as select * from read_parquet({sql_path(checked_path)})")

        # Row rules, chunk by chunk (one Data Docs result per file, or per chunk of a big file).
        failures = []
        summary: list[dict[str, Any]] = []
        chunks = parallel.plan_chunks([(f, lo, hi) for f, (lo, hi) in file_rows.items()])
        for chunk, (found, result, gx_result) in parallel.validate_chunks(
            con,
            checked_path,
            source_name,
            chunks,
            _columns(suite.row_checks),
            suite.row_checks,
            values,
            validator,
        ):
            failures.append(found)
            summary += [{**r, "file": chunk.file} for r in result]
            validator.keep(parallel.chunk_label(chunk, file_rows), suite.suite, gx_result)
        con.register("row_failures", pd.concat(failures) if failures else empty_failures())
        con.execute("create table failures as select * from row_failures")

        # Rules on otherwise valid rows only (duplicates: the first valid row is kept).
        for expectation in suite.after_row_checks:
            later = frame(con, _occurrence_sql(expectation["meta"]["key"]))
            more, result, _ = validator.run(
                f"{source_name}:{expectation['meta']['reason']}", later, [expectation], values
            )
            con.register("more_failures", more)
            con.execute("insert into failures select * from more_failures")
            summary += result
        con.execute(
            f"""create table verdict as
            select {ROW_ID}, arg_min(reason, {reason_rank_sql()}) as reason,
                   string_agg(distinct "check", '; ' order by "check") as detail
            from failures group by {ROW_ID}"""
        )

        # Each file's batch expectations, on the columns they name.
        per_file = suite.file_checks + suite.file_checks_after_row_checks
        wanted = ", ".join([ROW_ID] + [f"checked.{c}" for c in _columns(per_file) if c != "_quarantined"])
        for file, (first, last) in file_rows.items():
            rows = frame(
                con,
                f"select {wanted}, (verdict.{ROW_ID} is not null)::double as _quarantined "
                f"from checked left join verdict using ({ROW_ID}) "
                f"where checked.{ROW_ID} between {first} and {last}",
            )
            todo = [e for e in per_file if batch.runnable(e, values, list(rows.columns))]
            if todo:
                _, result, _ = validator.run(f"{source_name}:{file}:batch", rows, todo, values)
                batch.record(outcome, result, todo, config, file)
        rows = frame(con, f"select {', '.join([ROW_ID, *_columns(suite.source_checks)])} from checked")
        todo = [e for e in suite.source_checks if batch.runnable(e, values, list(rows.columns))]
        if todo:
            _, result, _ = validator.run(source_name, rows.drop(columns=[ROW_ID]), todo, values)
            batch.record(outcome, result, todo, config, None)
        del rows
        validator.build_docs()

        source_errors = [r for r in outcome.errors if r["file"] is None]
        if source_errors:
            for entry in readable:  # a failed source-level check holds the whole source back
                outcome.held_back.setdefault(
                    entry["path"], {**source_errors[0], "reason": source_errors[0]["check"]}
                )
        held = [*outcome.held_back] or ["\x00none"]
        held_sql = ", ".join(_sql_text(f) for f in held)
        # Whole rows come from the ingested files: `checked` holds only what validation reads.
        _write(
            con,
            f"select {columns} from rows anti join verdict using ({ROW_ID}) where _file not in ({held_sql})",
            layout.silver(source_name),
        )
        whole_files = [
            (e["path"], "unreadable_file", e["detail"])
            for e in ingest["files"]
            if e["status"] == "unreadable"
        ] + [
            (path, check["reason"], f"{check['expectation']}: observed {check['observed_value']}")
            for path, check in outcome.held_back.items()
        ]
        whole_sql = " union all ".join(
            f"select {_sql_text(source_name)}, {_sql_text(p)}, null::bigint, {_sql_text(r)}, {_sql_text(d)}"
            for p, r, d in whole_files
        )
        # each quarantined row's file and row number, from its `_row_id`
        con.execute(
            f"create view quarantined as select verdict.*, _file, {ROW_ID} - _base as _row_number "
            f"from verdict join file_base on {ROW_ID} between _base + 1 and _last"
        )
        rows_sql = (
            f"select {_sql_text(source_name)} as source, _file as file, _row_number as row_number, "
            "reason::varchar as reason, detail::varchar as detail "
            f"from quarantined where _file not in ({held_sql})"
        )
        _write(
            con,
            f"select * from ({rows_sql}{' union all ' + whole_sql if whole_sql else ''}) "
            "order by file, row_number nulls first",
            layout.quarantine(source_name),
        )
        per_file = dict(con.execute("select _file, count(*) from quarantined group by _file").fetchall())
    finally:
        con.close()
        checked_path.unlink(missing_ok=True)

    report = _report(layout, source_name, ingest, per_file, outcome, summary)
    if source_name in REGISTRY_SOURCES and source_errors:
        failed = "; ".join(f"{r['check']} (observed {r['observed_value']})" for r in source_errors)
        raise RekonError(
            f"{source_name} failed batch expectations of severity error: {failed}; nothing was published"
        )
    if (
        source_name in REGISTRY_SOURCES
        and outcome.held_back
        and not any(f["status"] in ("accepted", "partially_accepted") for f in report["files"])
    ):
        raise RekonError(
            f"every {source_name} file was held back by its batch expectations "
            f"({', '.join(sorted(outcome.held_back))}); nothing was published"
        )
    if source_name in REGISTRY_SOURCES:
        registry_gates(layout, source_name, report, config)
    return {
        "source": source_name,
        "delivered": report["delivered"],
        "rows_received": sum(f["rows_received"] for f in report["files"]),
        "rows_accepted": sum(f["rows_accepted"] for f in report["files"]),
        "rows_quarantined": sum(f["rows_quarantined"] for f in report["files"]),
        "files_quarantined": sum(f["status"] in ("quarantined", "held_back") for f in report["files"]),
        "warnings": sum(not r["success"] and r["severity"] == "warning" for r in outcome.results),
    }


def previous_accepted(layout: Layout, source_name: str) -> int | None:
    """Rows of `source_name` accepted by the previous period's publication, when there is one."""
    manifest = layout.previous().published / MANIFEST
    if not manifest.exists():
        return None
    inputs = json.loads(manifest.read_text()).get("inputs", [])
    return sum(i["rows_accepted"] for i in inputs if i.get("source") == source_name)


def registry_gates(layout: Layout, source_name: str, report: dict[str, Any], config: QualityConfig) -> None:
    """Stop the run on a registry that would turn every employer into a finding: no accepted
    rows, or far fewer than the previous period's publication (contract section 4)."""
    accepted = sum(f["rows_accepted"] for f in report["files"])
    files = ", ".join(f["path"] for f in report["files"])
    if accepted == 0:
        raise RegistryGateError(
            f"{source_name} ({files}): no row accepted; a registry without rows would make every "
            "employer a finding, so nothing was published"
        )
    before = previous_accepted(layout, source_name)
    ratio = config.value("registry_shrink", "min_ratio")
    if before and accepted < before * ratio and config.severity("registry_shrink") == "error":
        raise RegistryGateError(
            f"{source_name} ({files}): {accepted:,} rows accepted, under {ratio:.0%} of the "
            f"{before:,} of {layout.previous().period}; a registry that shrank so much would "
            "make registered employers findings, so nothing was published "
            "(setting checks.registry_shrink in rekon.toml)"
        )


def _optional_absent(source_name: str, entry: dict[str, Any]) -> dict[str, int]:
    """Optional columns of a file whose values were unusable and so treated as absent."""
    optional = {c.name for c in SOURCES[source_name].columns if not c.required and c.kind == "date"}
    return {c: n for c, n in entry.get("unusable", {}).items() if c in optional}


def _report(
    layout: Layout,
    source_name: str,
    ingest: dict[str, Any],
    per_file: dict[str, int],
    outcome: batch.BatchOutcome,
    row_summary: list[dict[str, Any]],
) -> dict[str, Any]:
    files = []
    for entry in ingest["files"]:
        received = entry["rows_received"]
        if entry["status"] == "unreadable":
            status, quarantined = "quarantined", 0
        elif entry["path"] in outcome.held_back:
            status, quarantined = "held_back", received
        else:
            quarantined = per_file.get(entry["path"], 0)
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
                # optional dates that were there but not real or not plausible: kept as absent
                **({"values_absent": absent} if (absent := _optional_absent(source_name, entry)) else {}),
                **(
                    {"held_back_by": outcome.held_back[entry["path"]]["check"]}
                    if status == "held_back"
                    else {}
                ),
            }
        )
    report = {
        "source": source_name,
        "period": layout.period,
        # all files unreadable, empty or held back: as if the source had not been delivered
        "delivered": any(f["rows_accepted"] > 0 for f in files),
        "files": files,
        "row_expectations": row_summary,
        "batch_expectations": outcome.results,
    }
    path = layout.validation_report(source_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2))
    return report
