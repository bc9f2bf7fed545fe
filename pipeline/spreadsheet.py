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
    the other columns, the column order and the row order unchanged."""
    con.execute(MACRO_SQL)
    described = con.execute(f"describe ({sql})", params or {}).fetchall()
    columns = [
        f"csv_text({sql_name(name)}) as {sql_name(name)}" if kind == "VARCHAR" else sql_name(name)
        for name, kind, *_ in described
    ]
    inner, order = _order_outside(sql)
    return f"select {', '.join(columns)} from ({inner})" + (f" order by {order}" if order else "")


def _order_outside(sql: str) -> tuple[str, str]:
    """`sql` without its ORDER BY but with each sort key as an extra column, and the ORDER BY over
    those columns: a query over a sorted subquery does not keep its order in DuckDB (its rows
    come from several threads), so the order must be the outer query's. `(sql, "")` for a query
    that is not one SELECT with an ORDER BY (nothing to keep) or whose keys could change its rows
    (DISTINCT, LIMIT, OFFSET)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    order = tree.args.get("order") if isinstance(tree, exp.Select) else None
    if order is None or any(tree.args.get(k) for k in ("distinct", "limit", "offset")):
        return sql, ""
    outer = []
    for i, ordered in enumerate(order.expressions):
        key = ordered.this
        if isinstance(key, exp.Literal) and key.is_int:  # a position in the select list
            key = tree.expressions[int(key.name) - 1].unalias()
        name = f"__rekon_order_{i}"
        tree.select(exp.alias_(key.copy(), name), copy=False)
        by_column = ordered.copy()
        by_column.set("this", exp.column(name))
        outer.append(by_column.sql(dialect="duckdb"))
    tree.set("order", None)
    return tree.sql(dialect="duckdb"), ", ".join(outer)


def copy_csv(con, sql: str, path: Path, params: dict | None = None, stream: bool = False) -> None:
    """Write `sql`'s rows to `path` as the contract's CSV (UTF-8, comma, header, `.` decimals),
    spreadsheet-safe. `stream`: straight into `path`, no temporary file renamed at the end, so
    that a download can read the file as it grows."""
    safe = safe_select(con, sql, params)
    options = "format csv, header true, delimiter ','" + (", use_tmp_file false" if stream else "")
    con.execute(f"copy ({safe}) to {sql_path(path)} ({options})", params or {})
