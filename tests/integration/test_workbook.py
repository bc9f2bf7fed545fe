"""The compliance workbook: Indonesian sheets, totals equal findings.csv, nothing lost to
Excel's sheet row limit."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.publish import workbook
from pipeline.runner import run_period
from tests import scenario as s


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("workbook")
    s.build_base_delivery(base / "landing")
    run_period(s.PERIOD, base / "landing", base / "data")
    return base / "data"


def test_sheets_headers_and_totals(published: Path) -> None:
    folder = published / "published" / s.PERIOD
    book = openpyxl.load_workbook(folder / f"kepatuhan_{s.PERIOD}.xlsx")
    assert book.sheetnames == [
        "Ringkasan",
        "Temuan",
        "Selesai",
        "Pekerja",
        "Perlu Tinjauan",
        "Cakupan",
        "Karantina",
    ]
    assert [c.value for c in book["Perlu Tinjauan"][1]][:2] == ["ID tinjauan", "Kunci pemberi kerja"]
    findings = pd.read_csv(folder / "findings.csv")
    temuan = book["Temuan"]
    assert temuan.freeze_panes == "A2" and temuan.auto_filter.ref
    assert [c.value for c in temuan[1]][:3] == ["Kategori", "Status", "Prioritas"]
    assert temuan.max_row - 1 == len(findings)
    # printed: the findings without their evidence's overflow; coverage with its chart
    assert temuan.print_area == f"'Temuan'!$A$1:$Q${len(findings) + 1}"
    assert not book["Cakupan"].print_area
    summary = {
        row[0]: row[1:]
        for row in book["Ringkasan"].iter_rows(min_row=4, max_col=4, values_only=True)
        if row[0] in set(findings.category)
    }
    for category, group in findings.groupby("category"):
        employers, workers, contribution = summary[category]
        assert employers == len(group)
        assert workers == group.workers_affected.sum()
        assert contribution == group.estimated_contribution_monthly.sum()
    assert book["Temuan"]["N2"].number_format == '"Rp" #,##0'
    assert {c.value for c in book["Cakupan"]["A"][1:]} == {"Provinsi", "Kabupaten/Kota"}


def test_a_table_longer_than_a_sheet_continues(published: Path, tmp_path: Path, monkeypatch) -> None:
    from pipeline.db import connect

    monkeypatch.setattr(workbook, "EXCEL_MAX_ROWS", 4)  # header + 3 rows per sheet
    con = connect(published / "work" / s.PERIOD / "rekon.duckdb", read_only=True)
    path = workbook.write_workbook(con, tmp_path, s.PERIOD)
    pekerja = next(sheet for sheet in workbook.SHEETS if sheet.name == "Pekerja")
    expected = con.execute(f"select * from ({pekerja.sql}) order by {pekerja.order}").fetchall()
    con.close()
    book = openpyxl.load_workbook(path)
    parts = [name for name in book.sheetnames if name.startswith("Pekerja")]
    assert len(parts) == -(-len(expected) // 3) > 1
    # every row once, in order, each part's rows from row 2
    shown = [list(row) for name in parts for row in book[name].iter_rows(min_row=2, values_only=True)]
    assert shown == [_as_cells(row, len(pekerja.columns)) for row in expected]
    notes = [c.value for c in book["Ringkasan"]["A"] if c.value and "berlanjut" in str(c.value)]
    assert "Tabel Pekerja berlanjut di lembar Pekerja (2)." in notes


def _as_cells(row: tuple, width: int) -> list:
    """A table row as its sheet's cells read back: its first `width` values, numbers as floats."""
    return [v if v is None or isinstance(v, str) else float(v) for v in row[:width]]


def _as_excel_reads(text: str) -> str:
    """Excel reads `_xHHHH_` in a cell's text as the character HHHH (ECMA-376 ST_Xstring), once,
    left to right; openpyxl leaves inline strings as written."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def test_every_table_sheet_holds_its_rows_cell_for_cell(published: Path) -> None:
    from pipeline.db import connect

    book = openpyxl.load_workbook(published / "published" / s.PERIOD / f"kepatuhan_{s.PERIOD}.xlsx")
    con = connect(published / "work" / s.PERIOD / "rekon.duckdb", read_only=True)
    for sheet in workbook.SHEETS:
        width = len(sheet.columns)
        expected = con.execute(f"select * from ({sheet.sql}) order by {sheet.order}").fetchall()
        shown = list(book[sheet.name].iter_rows(min_row=2, values_only=True))
        assert len(shown) == len(expected), sheet.name
        # a first period has nothing resolved; tests/integration/test_history.py checks a third one
        assert expected or sheet.name == "Selesai", sheet.name
        for got, row in zip(shown, expected, strict=True):
            assert list(got) == _as_cells(row, width)
    con.close()


def test_delivered_text_reaches_the_sheet_verbatim(published: Path, tmp_path: Path) -> None:
    import shutil

    from pipeline.db import connect

    database = tmp_path / "rekon.duckdb"
    shutil.copy(published / "work" / s.PERIOD / "rekon.duckdb", database)
    con = connect(database)
    # The quarantine's detail carries delivered values verbatim: an extract can hold anything,
    # a formula, markup, a control character, Excel's own escape syntax, edge spaces.
    hostile = ["=1+1", "<b>PT A&B</b>", "tab\there\x01", "_x0041_", "  padded  "]
    con.execute(
        "update quarantine set detail = (?::varchar[])[1 + row_number % 5] where detail is not null",
        [hostile],
    )
    details = con.execute("select detail from quarantine where detail is not null").fetchall()
    expected = [detail for (detail,) in details]
    path = workbook.write_workbook(con, tmp_path, s.PERIOD)
    con.close()
    cells = [c for c in openpyxl.load_workbook(path)["Karantina"]["E"][1:] if c.value is not None]
    assert {c.data_type for c in cells} == {"s"}
    assert sorted(_as_excel_reads(c.value) for c in cells) == sorted(expected)
    assert set(expected) >= {"=1+1", "<b>PT A&B</b>"}


def _widths(sheet) -> dict[int, float]:
    """Column number -> width, from the sheet's column ranges (xlsxwriter writes adjacent columns
    of one width and style as one range, which openpyxl keys by its first letter only)."""
    return {
        number: dimension.width
        for dimension in sheet.column_dimensions.values()
        for number in range(dimension.min, dimension.max + 1)
    }


def test_headers_and_short_values_fit_their_columns(published: Path) -> None:
    """What a printout or a PDF shows whole: every header within two lines of its column (header
    rows are two lines high), and every value of the columns with a short vocabulary (categories,
    statuses, levels, match rules, sources, reasons) within one."""
    book = openpyxl.load_workbook(published / "published" / s.PERIOD / f"kepatuhan_{s.PERIOD}.xlsx")
    short = {"Kategori", "Status", "Tingkat", "Dicocokkan dengan", "Sumber", "Alasan"}
    summary = book["Ringkasan"]
    summary_headers = [
        c.row for (c,) in summary.iter_rows(max_col=1) if c.value in ("Kategori", "Kantor cabang")
    ]
    checked = set()
    for sheet, rows in [(book[sheet.name], [1]) for sheet in workbook.SHEETS] + [(summary, summary_headers)]:
        widths = _widths(sheet)
        for row in rows:
            assert sheet.row_dimensions[row].height == workbook.HEADER_HEIGHT, (sheet.title, row)
            for cell in (c for c in sheet[row] if c.value is not None):
                width = widths[cell.column]
                # bold text is about a tenth wider than the unit of width (a digit of the default font)
                assert len(cell.value) * 1.1 <= 2 * width, (sheet.title, cell.value, width)
                if cell.value in short and sheet is not summary and sheet.max_row > 1:
                    (column,) = sheet.iter_cols(cell.column, cell.column, 2, values_only=True)
                    values = [str(v) for v in column if v is not None]
                    assert max(map(len, values)) <= width, (sheet.title, cell.value, width)
                    checked.add(cell.value)
    assert checked == short
