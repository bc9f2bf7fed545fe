"""Per-branch-office summaries of a period's publication, for the compliance teams' inboxes.

`<data>/summaries/<period>/`: `branches.csv` (one row per branch office: findings and estimated
monthly contributions per category) and `<branch_code>.csv` (that branch's findings in priority
order, the columns a team follows up with). Read from the published `findings.parquet`, so a
summary always matches a publication; rewritten whole and swapped into place on every run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.db import sql_path
from pipeline.errors import RekonError
from pipeline.layout import Layout
from pipeline.publication import BRANCH_SUMMARY_COLUMNS, FINDINGS, PARQUET
from pipeline.publish import modes
from pipeline.publish.swap import recover, staging_dir, swap_into_place
from pipeline.reference import categories
from pipeline.spreadsheet import copy_csv

# One row per branch office, the index a national team reads first: a column of findings per
# category (pipeline/reference/categories.csv, in its order), named by the code in lower case.
CATEGORY_COUNTS = ",\n           ".join(
    f"count(*) filter (where category = '{c.code}') as {c.column}" for c in categories()
)
INDEX_SQL = f"""
    select branch_code, any_value(branch_name) as branch_name, count(*) as findings,
           count(*) filter (where status = 'BARU') as new_findings,
           coalesce(sum(estimated_contribution_monthly), 0)::bigint as contribution_monthly,
           {CATEGORY_COUNTS}
    from findings group by branch_code order by branch_code"""


def summaries_dir(layout: Layout) -> Path:
    return layout.data / "summaries" / layout.period


def write_branch_summaries(layout: Layout) -> dict[str, Any]:
    import duckdb

    findings = layout.published / (FINDINGS.name + PARQUET)
    if not findings.exists():
        raise RekonError(f"{layout.period} has no publication to summarise: {findings} is missing")
    target = summaries_dir(layout)
    modes.folder(target.parent)
    recover(target)
    staging = staging_dir(target)
    con = duckdb.connect()
    try:
        con.execute(f"create view findings as select * from read_parquet({sql_path(findings)})")
        branches = con.execute(INDEX_SQL).fetchall()
        columns = [d[0] for d in con.description]
        copy_csv(
            con,
            f"select '{layout.period}' as period, * from ({INDEX_SQL}) order by branch_code",
            staging / "branches.csv",
        )
        columns_sql = ", ".join(BRANCH_SUMMARY_COLUMNS)
        for row in branches:
            code = row[0]
            if not code.replace("-", "").replace("_", "").isalnum():
                raise RekonError(f"branch code {code!r} cannot be a file name")
            copy_csv(
                con,
                f"select {columns_sql} from findings where branch_code = '{code}' order by priority",
                staging / f"{code}.csv",
            )
    finally:
        con.close()
    modes.seal(staging)
    swap_into_place(staging, target)
    listed = [dict(zip(columns, row, strict=True)) for row in branches]
    for entry in listed:
        entry["file"] = str(target / f"{entry['branch_code']}.csv")
    return {"period": layout.period, "folder": str(target), "branches": listed}
