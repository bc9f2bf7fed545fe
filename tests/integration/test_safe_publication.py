"""What `rekon run` publishes is safe to open (CONTRACT.md section 7): a name that looks like a
formula reaches no CSV as one (published lists, restricted files, branch summaries) and no
workbook cell as a formula; identifiers are text cells; and every file and folder has its mode
whatever the umask the run had (files 0640, files with full NIKs 0600, folders 0750)."""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.layout import Layout
from pipeline.summaries import write_branch_summaries
from tests import scenario as s

# Names as a hostile or careless delivery might carry them.
EMPLOYER_FORMULA = '=HYPERLINK("http://contoh.invalid/x","PT Satu Jaya")'
WORKER_AT = "@SUM(1+1) Rina"
WORKER_PLUS = "+62 Hadi Susanto"
WORKER_MINUS = "-2+3 Indra"
LIVE = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def rewrite(path: Path, column: str, old: str, new: str, **options: str) -> None:
    """Replace one value of `column` in a delivered CSV, written back as it was delivered."""
    encoding = options.get("encoding", "utf-8")
    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding)), **options.get("reader", {})))
    assert any(r[column] == old for r in rows), (path, old)
    for row in rows:
        if row[column] == old:
            row[column] = new
    s.write_csv(path, rows, **{k: v for k, v in options.items() if k != "reader"})


def hostile_delivery(landing: Path) -> None:
    s.build_base_delivery(landing)
    root = landing / s.PERIOD
    rewrite(root / "registry/employers.csv", "nama_perusahaan", "PT Satu Jaya", EMPLOYER_FORMULA)
    payroll = root / "payroll/a_payroll.csv"
    rewrite(payroll, "nama", "Rina Marlina", WORKER_AT)
    rewrite(payroll, "nama", "Hadi Susanto", WORKER_PLUS)
    rewrite(payroll, "nama", "Fajar Nugroho", WORKER_MINUS)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run of the hostile delivery, under umask 000, and the branch summaries of it."""
    root = tmp_path_factory.mktemp("safe")
    landing, data = root / "landing", root / "data"
    hostile_delivery(landing)
    old = os.umask(0)
    try:
        assert main(["run", "--period", s.PERIOD, "--landing", str(landing), "--data", str(data)]) == 0
        write_branch_summaries(Layout(data, s.PERIOD))
    finally:
        os.umask(old)
    return data


def cells(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def every_csv(data: Path) -> list[Path]:
    folders = [data / "published" / s.PERIOD, data / "restricted" / s.PERIOD, data / "summaries" / s.PERIOD]
    found = [p for folder in folders for p in sorted(folder.glob("*.csv"))]
    assert {p.name for p in found} >= {"findings.csv", "workers.csv", "workers_full.csv", "branches.csv"}
    return found


def test_no_csv_written_by_a_run_has_a_live_formula(data: Path) -> None:
    for path in every_csv(data):
        for row in cells(path):
            for column, value in row.items():
                if value.startswith(LIVE):
                    assert value.startswith("-") and NUMBER.match(value), f"{path.name} {column}: {value!r}"


def test_formula_names_are_kept_with_a_leading_quote(data: Path) -> None:
    published = data / "published" / s.PERIOD
    names = {r["employer_name"] for r in cells(published / "findings.csv")}
    assert "'" + EMPLOYER_FORMULA in names
    for file in (published / "workers.csv", data / "restricted" / s.PERIOD / "workers_full.csv"):
        workers = {r["full_name"] for r in cells(file)}
        assert {"'" + WORKER_AT, "'" + WORKER_PLUS} <= workers, file.name
    branch_files = [p for p in (data / "summaries" / s.PERIOD).glob("*.csv") if p.name != "branches.csv"]
    assert any("'" + EMPLOYER_FORMULA in {r["employer_name"] for r in cells(p)} for p in branch_files)


def test_numbers_stay_numbers_and_parquet_keeps_the_raw_names(data: Path) -> None:
    published = data / "published" / s.PERIOD
    wages = [r["gross_wage"] for r in cells(published / "workers.csv")]
    assert wages and all(NUMBER.match(w) for w in wages if w)
    con = duckdb.connect()
    names = {
        r[0] for r in con.sql(f"select employer_name from '{published / 'findings.parquet'}'").fetchall()
    }
    assert EMPLOYER_FORMULA in names


def workbook(data: Path):
    import openpyxl

    return openpyxl.load_workbook(data / "published" / s.PERIOD / f"kepatuhan_{s.PERIOD}.xlsx")


def test_no_workbook_cell_is_a_formula_but_the_summary_totals(data: Path) -> None:
    book = workbook(data)
    seen = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert sheet.title == "Ringkasan" and re.match(r"^=SUM\([A-D]\d+:[A-D]\d+\)$", cell.value)
                elif isinstance(cell.value, str):
                    seen.add(cell.value)
    # the hostile names are there, as text
    assert {EMPLOYER_FORMULA, WORKER_AT, WORKER_PLUS} <= seen


IDENTIFIERS = ("Kunci pemberi kerja", "NIB", "NPWP", "NPP", "Kode wilayah", "NIK (disamarkan)")


def test_identifiers_are_text_cells_in_the_workbook(data: Path) -> None:
    book = workbook(data)
    checked = {}
    for sheet in book.worksheets[1:]:
        header = [c.value for c in sheet[1]]
        for name in IDENTIFIERS:
            if name not in header:
                continue
            column = header.index(name) + 1
            values = [sheet.cell(r, column) for r in range(2, sheet.max_row + 1)]
            assert all(c.data_type == "s" for c in values if c.value is not None), (sheet.title, name)
            checked.setdefault(name, set()).update(c.value for c in values if c.value is not None)
    assert set(checked) == set(IDENTIFIERS)
    # E2's 16-digit NPWP keeps its two leading zeros and all 16 digits
    assert "0012345678901000" in checked["Kunci pemberi kerja"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_modes_whatever_the_umask(data: Path) -> None:
    published, restricted = data / "published" / s.PERIOD, data / "restricted" / s.PERIOD
    for folder in (data / "published", data / "restricted", published, restricted, data / "summaries"):
        assert mode(folder) == 0o750, folder
    entries = list(published.rglob("*")) + list((data / "summaries" / s.PERIOD).iterdir())
    files = [path for path in entries if path.is_file()]
    assert len(files) > 10
    for path in files:
        assert mode(path) == 0o640, path
    for path in entries:
        if path.is_dir():
            assert mode(path) == 0o750, path
    full = list(restricted.iterdir())
    assert any(p.name == "workers_full.csv" for p in full)
    for path in full:
        assert mode(path) == 0o600, path
    # every folder on the way to them too
    for root, dirs, _files in os.walk(data / "publications"):
        assert mode(Path(root)) == 0o750, root
        for name in dirs:
            assert mode(Path(root) / name) == 0o750
