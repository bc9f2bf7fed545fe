"""The compliance workbook: Indonesian sheets, totals equal findings.csv, nothing lost to
Excel's sheet row limit."""

from __future__ import annotations

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
    assert book.sheetnames == ["Ringkasan", "Temuan", "Pekerja", "Cakupan", "Karantina"]
    findings = pd.read_csv(folder / "findings.csv")
    temuan = book["Temuan"]
    assert temuan.freeze_panes == "A2" and temuan.auto_filter.ref
    assert [c.value for c in temuan[1]][:3] == ["Kategori", "Status", "Prioritas"]
    assert temuan.max_row - 1 == len(findings)
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
    workers = con.execute("select count(*) from finding_workers").fetchall()[0][0]
    con.close()
    book = openpyxl.load_workbook(path)
    parts = [name for name in book.sheetnames if name.startswith("Pekerja")]
    assert len(parts) == -(-workers // 3) > 1
    assert sum(book[name].max_row - 1 for name in parts) == workers
    notes = [c.value for c in book["Ringkasan"]["A"] if c.value and "berlanjut" in str(c.value)]
    assert "Tabel Pekerja berlanjut di lembar Pekerja (2)." in notes


def test_text_that_looks_like_a_formula_stays_text(published: Path, tmp_path: Path) -> None:
    import shutil

    from pipeline.db import connect

    database = tmp_path / "rekon.duckdb"
    shutil.copy(published / "work" / s.PERIOD / "rekon.duckdb", database)
    con = connect(database)
    # The quarantine's detail carries delivered values verbatim: an extract can hold anything.
    con.execute("update quarantine set detail = '=1+1' where detail is not null")
    path = workbook.write_workbook(con, tmp_path, s.PERIOD)
    con.close()
    cells = [c for c in openpyxl.load_workbook(path)["Karantina"]["E"][1:] if c.value is not None]
    assert cells and all(c.value == "=1+1" and c.data_type == "s" for c in cells)
