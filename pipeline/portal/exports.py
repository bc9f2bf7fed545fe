"""Downloads as bytes: CSV as the contract writes it (UTF-8, comma, `.` decimals) and XLSX."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path

import pyarrow as pa


def to_csv(table: pa.Table) -> bytes:
    """DuckDB writes the CSV, so a download reads exactly like the published files (quotes only
    where needed, `4000000.0`); it can only write to a file, hence the private temp folder."""
    from pipeline.portal.queries import duck

    with tempfile.TemporaryDirectory(prefix="rekon-portal-") as folder:
        path = Path(folder) / "export.csv"
        with duck() as con:
            con.register("export", table)
            con.execute(f"copy export to '{path}' (format csv, header true, delimiter ',')")
        return path.read_bytes()


def to_xlsx(table: pa.Table, sheet: str, title: str) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    # constant_memory streams rows to disk-free temp storage, so a big list does not hold every
    # cell object in memory at once.
    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    ws = book.add_worksheet(sheet[:31])
    ws.write(0, 0, title, bold)
    ws.write_row(1, 0, table.column_names, bold)
    formats = [
        money
        if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)
        else date
        if pa.types.is_date(f.type)
        else None
        for f in table.schema
    ]
    row_number = 2
    for batch in table.to_batches(max_chunksize=10_000):
        for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
            for col, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    ws.write_datetime(row_number, col, dt.datetime.combine(value, dt.time()), formats[col])
                elif formats[col] is money:
                    ws.write_number(row_number, col, value, money)
                else:
                    ws.write_string(row_number, col, str(value))
            row_number += 1
    ws.freeze_panes(2, 0)
    book.close()
    return out.getvalue()
