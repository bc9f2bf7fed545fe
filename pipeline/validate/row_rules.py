"""Row rules: every row of a source judged by its suite's row expectations in Great Expectations.

The suite's helper SQL (expectations/<source>.sql) adds the columns the expectations read; the
rows with those columns, `checked`, are kept as a Parquet file that worker processes read in
chunks (parallel.py). Rules on otherwise valid rows only (duplicates) run after the others.
What is left is table `failures`: a row per failing row and rule, with the rule's reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.db import frame, sql_path
from pipeline.layout import Layout
from pipeline.reference import regency_codes
from pipeline.validate import parallel
from pipeline.validate.gx_runner import ROW_ID, Validator, empty_failures
from pipeline.validate.suites import SuiteFiles, macros_sql, named_columns


def employer_npp_files(layout: Layout) -> list[Path]:
    """registry/employers as ingested: the NPPs participants must refer to."""
    return sorted(layout.bronze("registry/employers").glob("*.parquet"))


def load_lookups(con, layout: Layout) -> None:
    """Create what the helper SQL may read: the NIK macros, `regencies` and `employer_npps`
    (expectations/README.md)."""
    # `digits`: the code as a NIK begins with it (62.71 -> 6271)
    con.execute(
        "create table regencies as select code, replace(code, '.', '') as digits "
        "from (select unnest(?::varchar[]) as code)",
        [regency_codes()],
    )
    con.execute(macros_sql())
    npp_files = employer_npp_files(layout)
    con.execute(
        "create view employer_npps as "
        + (
            "select distinct npp from read_parquet([" + ", ".join(f"{sql_path(p)}" for p in npp_files) + "])"
            if npp_files
            else "select null::varchar as npp where false"
        )
    )


def checked_columns(suite: SuiteFiles) -> list[str]:
    """What validation reads of a row once its helper columns are added: every column an
    expectation names or ranks by. Only these are kept in `checked`, beside `_row_id`; the
    silver file takes the whole row from the ingested file (10 M payroll rows: a table of every
    column cost 1-2 s more to build, and as much to write out again), and a quarantined row's
    file and row number come from its `_row_id` (table `file_base`): the same file name on
    every row of 11 M participants cost 0.5 s to keep."""
    computed = {"_occurrence", "_quarantined"}  # made by validation itself, after `checked`
    named = set(named_columns(suite.suite["expectations"]))
    keys = {c for e in suite.after_row_checks for c in e["meta"]["key"]}
    return sorted((named | keys) - computed)


def write_checked(con, suite: SuiteFiles, path: Path, period: str) -> None:
    """Write the rows of view `rows` with their helper columns (only the columns validation
    reads) to `path`, and create view `checked` over it."""
    helper = suite.helper_sql or "select * from rows"
    kept = ", ".join(f"checked.{c}" for c in [ROW_ID, *checked_columns(suite)])
    # A Parquet file rather than a table: the worker processes read their chunks from it, and
    # writing it once cost less than a table and then a file for them (11 M participants:
    # 10.8 s to 8.4 s; 10 M payroll rows: 8.9 s to 7.5 s).
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"copy (select {kept} from ({helper}) as checked) to {sql_path(path)} (format parquet)",
        {"period": period} if "$period" in helper else None,
    )
    con.execute(f"create view checked as select * from read_parquet({sql_path(path)})")


def occurrence_sql(key: list[str]) -> str:
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


def judge_rows(
    con,
    source_name: str,
    suite: SuiteFiles,
    checked_path: Path,
    file_rows: dict[str, tuple[int, int]],
    values: dict[str, Any],
    validator: Validator,
) -> list[dict[str, Any]]:
    """Run the row rules over view `checked` (the Parquet file `checked_path`), chunk by chunk
    (one Data Docs result per file, or per chunk of a big file), then the rules on otherwise
    valid rows; create table `failures` in `con` and return each rule's summary."""
    failures = []
    summary: list[dict[str, Any]] = []
    chunks = parallel.plan_chunks([(f, lo, hi) for f, (lo, hi) in file_rows.items()])
    for chunk, (found, result, gx_result) in parallel.validate_chunks(
        con,
        checked_path,
        source_name,
        chunks,
        named_columns(suite.row_checks),
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
        later = frame(con, occurrence_sql(expectation["meta"]["key"]))
        more, result, _ = validator.run(
            f"{source_name}:{expectation['meta']['reason']}", later, [expectation], values
        )
        con.register("more_failures", more)
        con.execute("insert into failures select * from more_failures")
        summary += result
    return summary
