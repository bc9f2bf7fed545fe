"""File writers that take rows in chunks and count them (1-based ordinal of the first row back).

CSV and Parquet stream to disk chunk by chunk, so the biggest sources never sit in memory;
XLSX files are small by design and are written once, at close.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

# xlsxwriter stamps the creation time into the file; a fixed one keeps output reproducible.
FIXED_CREATED = dt.datetime(2026, 1, 1, 8, 0, 0)


class Sink(Protocol):
    rows: int

    def append(self, frame: pd.DataFrame) -> int: ...

    def close(self) -> None: ...


class CsvSink:
    def __init__(
        self,
        path: Path,
        headers: list[str],
        *,
        sep: str = ",",
        quoting: int = csv.QUOTE_MINIMAL,
        encoding: str = "utf-8",
        lineterminator: str = "\n",
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(path, "w", encoding=encoding, newline="")
        self._headers = headers
        self._options = {"sep": sep, "quoting": quoting, "lineterminator": lineterminator, "index": False}
        self._header_written = False
        self.rows = 0

    def append(self, frame: pd.DataFrame) -> int:
        first = self.rows + 1
        if len(frame) or not self._header_written:
            frame.to_csv(
                self._handle, header=self._headers if not self._header_written else False, **self._options
            )
            self._header_written = True
        self.rows += len(frame)
        return first

    def close(self) -> None:
        if not self._header_written:
            self.append(pd.DataFrame(columns=self._headers))
        self._handle.close()


class ParquetSink:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(path, schema)
        self._schema = schema
        self.rows = 0

    def append(self, frame: pd.DataFrame) -> int:
        first = self.rows + 1
        if len(frame):
            self._writer.write_table(to_table(frame, self._schema))
        self.rows += len(frame)
        return first

    def close(self) -> None:
        if self.rows == 0:
            self._writer.write_table(self._schema.empty_table())
        self._writer.close()


def to_table(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    arrays = []
    for field in schema:
        values = frame[field.name]
        if pa.types.is_date32(field.type):
            arrays.append(
                pa.array(values.to_numpy().astype("datetime64[D]"), type=field.type, from_pandas=True)
            )
        else:
            arrays.append(pa.array(values.to_numpy(dtype=object), type=field.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


class XlsxSink:
    """A first sheet of data below optional title or blank rows; cells typed per column."""

    def __init__(
        self,
        path: Path,
        headers: list[str],
        kinds: list[str],
        *,
        titles: tuple[str, ...] = (),
        blank_rows: int = 0,
        notes_sheet: tuple[str, ...] = (),
    ) -> None:
        self._path = path
        self._headers, self._kinds = headers, kinds
        self._titles, self._blank_rows, self._notes = titles, blank_rows, notes_sheet
        self._frames: list[pd.DataFrame] = []
        self.rows = 0

    def append(self, frame: pd.DataFrame) -> int:
        first = self.rows + 1
        self._frames.append(frame)
        self.rows += len(frame)
        return first

    def close(self) -> None:
        import xlsxwriter

        self._path.parent.mkdir(parents=True, exist_ok=True)
        workbook = xlsxwriter.Workbook(str(self._path), {"constant_memory": True})
        workbook.set_properties({"created": FIXED_CREATED, "author": "Rekon demo"})
        formats = {
            "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
            "number": workbook.add_format({"num_format": "#,##0"}),
            "bold": workbook.add_format({"bold": True}),
        }
        sheet = workbook.add_worksheet("Data")
        row = 0
        for title in self._titles:
            sheet.write_string(row, 0, title, formats["bold"])
            row += 1
        row += self._blank_rows
        for col, header in enumerate(self._headers):
            sheet.write_string(row, col, header, formats["bold"])
        for frame in self._frames:
            for values in frame.itertuples(index=False, name=None):
                row += 1
                for col, value in enumerate(values):
                    _write_cell(sheet, row, col, value, self._kinds[col], formats)
        if self._notes:
            notes = workbook.add_worksheet("Catatan")
            for i, line in enumerate(self._notes):
                notes.write_string(i, 0, line)
        workbook.close()


def _write_cell(sheet: object, row: int, col: int, value: object, kind: str, formats: dict) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return
    if isinstance(value, str):
        sheet.write_string(row, col, value)
    elif kind == "date":
        if isinstance(value, np.datetime64):
            if np.isnat(value):
                return
            value = value.astype("datetime64[D]").item()
        sheet.write_datetime(row, col, pd.Timestamp(value).to_pydatetime(), formats["date"])
    elif kind == "number":
        sheet.write_number(row, col, float(value), formats["number"])
    else:
        sheet.write_string(row, col, str(value))


def write_not_a_spreadsheet(path: Path) -> None:
    """An `.xlsx` that is really a login page saved by a browser: not a spreadsheet at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"<!DOCTYPE html>\n<html><head><title>Sesi berakhir</title></head>\n"
        b"<body><p>Sesi Anda telah berakhir. Silakan login kembali.</p></body>"
        b"</html>\n"
    )


def write_truncated_parquet(path: Path, table: pa.Table) -> None:
    """A Parquet file cut off in transfer: the footer and most of the data are missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    data = buffer.getvalue()
    path.write_bytes(data[: max(16, len(data) * 55 // 100)])
