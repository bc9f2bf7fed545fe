"""The portal's XLSX download: every row, in order and with its values, across DuckDB's blocks."""

from __future__ import annotations

import datetime as dt
import io
import math

import openpyxl
import pyarrow as pa
import pytest

from pipeline.portal import exports
from pipeline.publish import table_xlsx
from pipeline.publish.sheet_rows import BLOCK_ROWS


def _sheet_rows(data: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))


def test_rows_keep_their_order_and_values_across_blocks() -> None:
    n = 3 * BLOCK_ROWS + 5
    table = pa.table(
        {
            "position": pa.array(range(n), pa.int64()),
            "name": pa.array([None if i % 7 == 0 else f"PT <A&B> {i} =1+1" for i in range(n)]),
            "wage": pa.array([math.nan if i % 11 == 0 else i * 1.5 for i in range(n)]),
            "stage_date": pa.array(
                [None if i % 5 == 0 else dt.date(2026, 1, 1) + dt.timedelta(days=i % 400) for i in range(n)],
                pa.date32(),
            ),
        }
    )
    rows = _sheet_rows(exports.to_xlsx(table, "Temuan", "Temuan kepatuhan periode 2026-10 (62)"))
    assert rows[0][0] == "Temuan kepatuhan periode 2026-10 (62)"
    assert rows[1] == ("position", "name", "wage", "stage_date")
    expected = [
        (
            row["position"],
            row["name"],
            None if math.isnan(row["wage"]) else row["wage"],
            row["stage_date"] and dt.datetime.combine(row["stage_date"], dt.time()),
        )
        for row in table.to_pylist()
    ]
    assert rows[2:] == expected


def test_an_empty_list_has_its_title_and_header() -> None:
    table = pa.table({"category": pa.array([], pa.string()), "workers": pa.array([], pa.int64())})
    assert _sheet_rows(exports.to_xlsx(table, "Temuan", "kosong")) == [
        ("kosong", None),
        ("category", "workers"),
    ]


def test_more_rows_than_a_sheet_holds_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_xlsx, "XLSX_MAX_ROWS", 10)
    with pytest.raises(exports.TooManyRows, match="11 rows do not fit"):
        exports.to_xlsx(pa.table({"i": list(range(11))}), "Temuan", "judul")


def test_columns_are_as_wide_as_their_values_and_filtered() -> None:
    table = pa.table(
        {
            "category": ["PWBD", "PDS_PROGRAM"],
            "evidence": ["x" * 500, "y"],
            "workers_affected": [3, 1_234_567],
        }
    )
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(table, "Temuan", "judul"))).active
    widths = {d.min: d.width for d in sheet.column_dimensions.values()}
    assert widths[1] >= len("PDS_PROGRAM") and widths[2] <= table_xlsx.WIDEST + 1
    assert widths[3] >= len("workers_affected")
    assert sheet.auto_filter.ref == "A2:C4"
