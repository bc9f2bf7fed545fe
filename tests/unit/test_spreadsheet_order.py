"""copy_csv keeps the row order its query asks for, on any number of threads: the spreadsheet-safe
projection goes over the query, and DuckDB does not keep a subquery's order by itself."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from pipeline.spreadsheet import _order_outside, copy_csv


def test_a_large_sorted_query_is_written_in_its_order(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("set threads = 4")
    con.execute(
        "create table t as select (i * 7919) % 300007 as k, 'nama ' || i as name, hash(i) % 1000 as h "
        "from range(300007) r(i)"
    )
    path = tmp_path / "out.csv"
    # sorted by a key that is not among the written columns, one of them descending
    copy_csv(con, "select name, k from t order by h desc, k", path)
    with path.open(newline="") as f:
        written = [row["name"] for row in csv.DictReader(f)]
    expected = [r[0] for r in con.execute("select name from t order by h desc, k").fetchall()]
    assert written == expected


@pytest.mark.parametrize(
    ("sql", "inner", "order"),
    [
        (
            "select a, b from t where x = $x order by 1 desc, lower(b)",
            "SELECT a, b, a AS __rekon_order_0, LOWER(b) AS __rekon_order_1 FROM t WHERE x = $x",
            "__rekon_order_0 DESC, __rekon_order_1",
        ),
        ("select * from t", "select * from t", ""),
        ("select distinct a from t order by a", "select distinct a from t order by a", ""),
        ("select a from t order by a limit 5", "select a from t order by a limit 5", ""),
    ],
)
def test_the_order_moves_outside_only_where_it_keeps_the_rows(sql: str, inner: str, order: str) -> None:
    assert _order_outside(sql) == (inner, order)
