"""One rule for spreadsheet safety (pipeline/spreadsheet.py): the DuckDB macro that every CSV goes
through and the Python function agree on every text, and only text columns are touched."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.spreadsheet import FORMULA_STARTS, copy_csv, csv_text, safe_select

texts = st.one_of(
    st.text(max_size=12),
    st.builds(
        lambda start, rest: start + rest,
        st.sampled_from(FORMULA_STARTS + ("'", " ", "0")),
        st.text(max_size=8),
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=20))
def test_the_macro_and_the_function_agree(values: list[str]) -> None:
    con = duckdb.connect()
    con.execute("create table t as select unnest($v::varchar[]) as v", {"v": values})
    got = [r[0] for r in con.execute(f"select v from ({safe_select(con, 'select v from t')})").fetchall()]
    assert got == [csv_text(v) for v in values]


def test_formula_starts_get_a_quote_and_nothing_else_changes() -> None:
    assert [csv_text(v) for v in ("=1+1", "+62 811", "-2", "@SUM(A1)", "\tx", "\rx")] == [
        "'=1+1",
        "'+62 811",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
    ]
    assert [csv_text(v) for v in ("PT Satu", "'=x", "", " =x", "0012")] == [
        "PT Satu",
        "'=x",
        "",
        " =x",
        "0012",
    ]


def test_numbers_dates_and_nulls_are_left_as_they_are(tmp_path) -> None:
    con = duckdb.connect()
    path = tmp_path / "out.csv"
    copy_csv(
        con,
        "select -5 as n, -2.5::double as d, date '2026-10-01' as day, null::varchar as empty, '-5' as text",
        path,
    )
    assert path.read_text() == "n,d,day,empty,text\n-5,-2.5,2026-10-01,,'-5\n"
