"""The quarantine: the rows (and whole files) a source's rules rejected, each with its reason.

A row that breaks several rules gets one reason, the first by REASON_PRIORITY, and the detail of
every check it failed. The quarantine file holds those rows by file and row number (never their
values), and a line per file quarantined whole: unreadable, or held back by a batch rule.
"""

from __future__ import annotations

from typing import Any

from pipeline.db import copy_to_parquet, sql_text
from pipeline.layout import Layout
from pipeline.validate.bronze import file_list_sql
from pipeline.validate.gx_runner import ROW_ID

# CONTRACT.md section 4, most specific first: a row with a bad NIK and a missing name is
# quarantined for its NIK; a date that is there but unreadable is `invalid_date`, not missing.
# `duplicate` is last: only otherwise valid rows can be duplicates.
REASON_PRIORITY = (
    "unreadable_file",
    "invalid_nik",
    "invalid_wage",
    "missing_employer_id",
    "invalid_date",
    "invalid_period",
    "missing_required",
    "invalid_code",
    "duplicate",
)


def reason_rank_sql() -> str:
    """A SQL expression ranking column `reason` by REASON_PRIORITY (unknown reasons last)."""
    cases = " ".join(f"when '{r}' then {i}" for i, r in enumerate(REASON_PRIORITY))
    return f"case reason {cases} else {len(REASON_PRIORITY)} end"


def create_verdict(con) -> None:
    """Create table `verdict` from table `failures`: each failing row's `_row_id`, its reason
    and the checks it failed."""
    con.execute(
        f"""create table verdict as
        select {ROW_ID}, arg_min(reason, {reason_rank_sql()}) as reason,
               string_agg(distinct "check", '; ' order by "check") as detail
        from failures group by {ROW_ID}"""
    )


def write_quarantine(
    con,
    layout: Layout,
    source_name: str,
    ingested: list[dict[str, Any]],
    held_back: dict[str, dict[str, Any]],
) -> dict[str, int]:
    """Write the source's quarantine file from table `verdict` (rows of files not held back) and
    the files quarantined whole (unreadable `ingested` entries, and those `held_back`, each with
    the check that failed); return the rows of each file that have a verdict."""
    whole_files = [
        (e["path"], "unreadable_file", e["detail"]) for e in ingested if e["status"] == "unreadable"
    ] + [
        (path, check["reason"], f"{check['expectation']}: observed {check['observed_value']}")
        for path, check in held_back.items()
    ]
    whole_sql = " union all ".join(
        f"select {sql_text(source_name)}, {sql_text(p)}, null::bigint, {sql_text(r)}, {sql_text(d)}"
        for p, r, d in whole_files
    )
    # each quarantined row's file and row number, from its `_row_id`
    con.execute(
        f"create view quarantined as select verdict.*, _file, {ROW_ID} - _base as _row_number "
        f"from verdict join file_base on {ROW_ID} between _base + 1 and _last"
    )
    rows_sql = (
        f"select {sql_text(source_name)} as source, _file as file, _row_number as row_number, "
        "reason::varchar as reason, detail::varchar as detail "
        f"from quarantined where _file not in ({file_list_sql(held_back)})"
    )
    copy_to_parquet(
        con,
        f"select * from ({rows_sql}{' union all ' + whole_sql if whole_sql else ''}) "
        "order by file, row_number nulls first",
        layout.quarantine(source_name),
    )
    return dict(con.execute("select _file, count(*) from quarantined group by _file").fetchall())
