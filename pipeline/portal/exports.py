"""Downloads as bytes: CSV as the contract writes it (UTF-8, comma, `.` decimals) and XLSX."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pyarrow as pa

from pipeline.publish import table_xlsx
from pipeline.publish.table_xlsx import XLSX_MAX_ROWS, TooManyRows

# The XLSX writer's limits and its error, as the routes name them.
__all__ = ["XLSX_MAX_ROWS", "TooManyRows", "to_csv", "to_xlsx"]


def to_csv(table: pa.Table) -> bytes:
    """DuckDB writes the CSV, so a download reads exactly like the published files (quotes only
    where needed, `4000000.0`, formula starts escaped); it can only write to a file, hence the
    private temp folder."""
    from pipeline.portal.queries import duck
    from pipeline.spreadsheet import copy_csv

    with tempfile.TemporaryDirectory(prefix="rekon-portal-") as folder:
        path = Path(folder) / "export.csv"
        with duck() as con:
            con.register("export", table)
            copy_csv(con, "select * from export", path)
        return path.read_bytes()


def to_xlsx(
    table: pa.Table,
    sheet: str,
    title: str,
    number_formats: dict[str, str] | None = None,
    created: dt.datetime | None = None,
) -> bytes:
    """The table as a one-sheet workbook (pipeline/publish/table_xlsx.py), its rows rendered on
    this process's DuckDB. Raises TooManyRows for more rows than a sheet holds."""
    from pipeline.portal.queries import duck

    with duck() as con:
        return table_xlsx.to_xlsx(con, table, sheet, title, number_formats, created)
