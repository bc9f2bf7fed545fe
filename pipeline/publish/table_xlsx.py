"""A table as a one-sheet workbook: a title, the column names, the rows. The portal's downloads
(pipeline/portal/exports.py) and the whole-scope files written at publish (serving.py) are made
by it, so a file written at publish is byte for byte the portal's download of it.

xlsxwriter writes the frame and DuckDB renders the rows, as for the published workbook
(sheet_rows.py), rather than Python writing each cell."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from pipeline.db import sql_name
from pipeline.publish.sheet_rows import rendered, splice
from pipeline.publish.workbook import printable, write_text, write_texts

# An export's sheet: the title on row 1, the column names on row 2, the rows from row 3 on.
FIRST_ROW = 3
XLSX_MAX_ROWS = 1_048_576 - (FIRST_ROW - 1)  # Excel's rows per sheet, less the title and header


class TooManyRows(ValueError):
    """More rows than one sheet holds; the CSV download has no such limit."""


def to_xlsx(
    con,
    table: pa.Table,
    sheet: str,
    title: str,
    number_formats: dict[str, str] | None = None,
    created: dt.datetime | None = None,
) -> bytes:
    """The table as a one-sheet workbook: the title, the column names, then the rows (numbers as
    `#,##0` unless `number_formats` names another Excel format for the column, dates as dates).
    xlsxwriter writes the frame and DuckDB renders the rows, as for the published workbook
    (pipeline/publish/sheet_rows.py), rather than Python writing each cell.

    `con` is a DuckDB connection of the caller's that renders the rows (it registers `export`
    on it for the time of the call). `created` fixes the workbook's creation date (publish: the
    same bytes on every run). Raises TooManyRows for more rows than a sheet holds."""
    if table.num_rows > XLSX_MAX_ROWS:
        raise TooManyRows(f"{table.num_rows:,} rows do not fit on one sheet ({XLSX_MAX_ROWS:,})")
    kinds = [_kind(field.type) for field in table.schema]
    with tempfile.TemporaryDirectory(prefix="rekon-portal-") as folder:
        path = Path(folder) / "export.xlsx"
        _write_frame(path, sheet, title, table, kinds, number_formats or {}, created)
        if table.num_rows:
            # each row's position in the table gives its sheet row
            con.register("export", table.append_column("_position", pa.array(range(table.num_rows))))
            try:
                splice(path, {"xl/worksheets/sheet1.xml": lambda xml: _rows(con, xml, table, kinds)})
            finally:
                con.unregister("export")
        return path.read_bytes()


def _write_frame(
    path: Path,
    sheet: str,
    title: str,
    table: pa.Table,
    kinds: list[str],
    number_formats: dict[str, str],
    created: dt.datetime | None = None,
) -> None:
    """The workbook without its rows: the title; the column names, with a filter; columns as wide
    as their values; printed one page wide with the names on every page; and, when there are
    rows, a placeholder row styled as each kind of column will be."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    if created is not None:
        book.set_properties({"created": created})
    bold = book.add_format({"bold": True})
    formats = {
        "number": book.add_format({"num_format": "#,##0"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
    }
    worksheet = book.add_worksheet(sheet_name(sheet))
    for column, width in enumerate(_widths(table, kinds)):
        worksheet.set_column(column, column, width)
    worksheet.freeze_panes(FIRST_ROW - 1, 0)
    printable(worksheet, header_rows=FIRST_ROW - 1)
    write_text(worksheet, 0, 0, title, bold)
    write_texts(worksheet, 1, table.column_names, bold)
    worksheet.autofilter(FIRST_ROW - 2, 0, FIRST_ROW - 2 + max(table.num_rows, 1), len(kinds) - 1)
    for column, kind in enumerate(kinds if table.num_rows else []):
        name = table.column_names[column]
        if kind == "text":
            worksheet.write_string(FIRST_ROW - 1, column, "-")
        elif kind == "number" and name in number_formats:
            worksheet.write_number(
                FIRST_ROW - 1, column, 0, book.add_format({"num_format": number_formats[name]})
            )
        else:
            worksheet.write_number(FIRST_ROW - 1, column, 0, formats[kind])
    book.close()


def sheet_name(name: str) -> str:
    """A name Excel accepts for a sheet: none of `[]:*?/\\`, no leading or trailing `'`, at most
    31 characters, not empty."""
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in name).strip("'")[:31]
    return cleaned or "Data"


# Column widths, in characters: text as wide as its longest value (up to WIDEST; evidence runs
# longer), numbers and dates as their formats need.
WIDEST = 60
WIDTHS = {"number": 14, "date": 11}


def _widths(table: pa.Table, kinds: list[str]) -> list[int]:
    import pyarrow.compute as pc

    widths = []
    for name, column, kind in zip(table.column_names, table.columns, kinds, strict=True):
        longest = WIDTHS.get(kind) or pc.max(pc.utf8_length(column.cast(pa.string()))).as_py() or 0
        widths.append(min(max(len(name), longest) + 2, WIDEST))
    return widths


def _rows(con, sheet_xml: bytes, table: pa.Table, kinds: list[str]) -> Iterator[bytes]:
    """The sheet's XML with the table's rows in place of the placeholder. A plain projection of
    the registered table keeps its order."""
    values = ", ".join(_cell_sql(name, kind) for name, kind in zip(table.column_names, kinds, strict=True))
    rows = f"select {values}, (_position + {FIRST_ROW})::varchar as r from export"
    columns = [(name, kind != "text") for name, kind in zip(table.column_names, kinds, strict=True)]
    return rendered(con, sheet_xml, rows, columns, table.num_rows, FIRST_ROW)


def _kind(data_type: pa.DataType) -> str:
    if pa.types.is_integer(data_type) or pa.types.is_floating(data_type) or pa.types.is_decimal(data_type):
        return "number"
    if pa.types.is_date(data_type) or pa.types.is_timestamp(data_type):
        return "date"
    return "text"


def _cell_sql(name: str, kind: str) -> str:
    """A column as its cells show it: dates as Excel's day numbers (days since 1899-12-30)."""
    column = sql_name(name)
    if kind == "date":
        return f"epoch({column}::timestamp) / 86400 + 25569 as {column}"
    return column
