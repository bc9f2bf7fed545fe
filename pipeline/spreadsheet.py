"""Spreadsheet safety (CONTRACT.md section 7): a text value that a spreadsheet would read as a
formula is written with a leading `'` in every CSV Rekon writes or serves.

The rule is defined here once, for Python (`csv_text`) and for DuckDB (the `csv_text` macro that
`copy_csv` applies to every text column). Numbers stay numbers; Parquet keeps the raw values;
workbooks write text as text cells (inline strings), which no spreadsheet evaluates.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.db import sql_name, sql_path

# What a text value may not begin with, unescaped: =, +, -, @, tab, carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"

_STARTS_SQL = ", ".join(f"chr({ord(c)})" for c in FORMULA_STARTS)
# A temporary macro: it lives on the connection only, also on a read-only database.
MACRO_SQL = (
    f"create or replace temp macro csv_text(v) as if(left(v, 1) in ({_STARTS_SQL}), '{ESCAPE * 2}' || v, v)"
)


def csv_text(value: str) -> str:
    """`value` as a CSV cell may carry it: with a leading `'` if it would start a formula."""
    return ESCAPE + value if value[:1] in FORMULA_STARTS else value


def safe_select(con, sql: str, params: dict | None = None) -> str:
    """`sql` with every text column passed through the `csv_text` macro (defined on `con`),
    the other columns and the column order unchanged."""
    con.execute(MACRO_SQL)
    described = con.execute(f"describe ({sql})", params or {}).fetchall()
    columns = [
        f"csv_text({sql_name(name)}) as {sql_name(name)}" if kind == "VARCHAR" else sql_name(name)
        for name, kind, *_ in described
    ]
    return f"select {', '.join(columns)} from ({sql})"


def copy_csv(con, sql: str, path: Path, params: dict | None = None, stream: bool = False) -> None:
    """Write `sql`'s rows to `path` as the contract's CSV (UTF-8, comma, header, `.` decimals),
    spreadsheet-safe. `stream`: straight into `path`, no temporary file renamed at the end, so
    that a download can read the file as it grows."""
    safe = safe_select(con, sql, params)
    options = "format csv, header true, delimiter ','" + (", use_tmp_file false" if stream else "")
    con.execute(f"copy ({safe}) to {sql_path(path)} ({options})", params or {})
