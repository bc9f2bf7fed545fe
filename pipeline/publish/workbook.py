"""The workbook compliance teams open: `kepatuhan_<period>.xlsx`, in Bahasa Indonesia.

Sheets: Ringkasan (counts and contributions per category and per branch, with a chart), Temuan,
Pekerja (masked NIKs), Cakupan (with a chart), Karantina. A table longer than Excel's
1,048,576-row sheet limit continues on `<sheet> (2)`, ... and the summary says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

EXCEL_MAX_ROWS = 1_048_576  # per sheet, header included

TEXT, COUNT, RUPIAH, PERCENT = "text", "count", "rupiah", "percent"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: int = 16


@dataclass(frozen=True)
class Sheet:
    name: str
    sql: str
    columns: tuple[Column, ...]


SHEETS = (
    Sheet(
        "Temuan",
        """select category, status, priority, branch_name, employer_key, employer_name, nib, npwp, npp,
                  regency_code, regency_name, workers_affected, wage_gap_monthly,
                  estimated_contribution_monthly, missing_programs, first_seen_period, evidence
           from findings order by category, employer_key""",
        (
            Column("Kategori", width=13),
            Column("Status", width=11),
            Column("Prioritas", COUNT, 10),
            Column("Kantor cabang", width=28),
            Column("Kunci pemberi kerja", width=19),
            Column("Nama pemberi kerja", width=32),
            Column("NIB", width=15),
            Column("NPWP", width=18),
            Column("NPP", width=12),
            Column("Kode wilayah", width=10),
            Column("Kabupaten/kota", width=28),
            Column("Pekerja terdampak", COUNT, 12),
            Column("Selisih upah per bulan", RUPIAH, 18),
            Column("Perkiraan iuran per bulan", RUPIAH, 18),
            Column("Program belum diikuti", width=14),
            Column("Pertama tercatat", width=12),
            Column("Bukti", width=80),
        ),
    ),
    Sheet(
        "Pekerja",
        """select category, employer_key, nik_masked, full_name, gross_wage, reported_wage, matched_by
           from finding_workers order by category, employer_key, nik""",
        (
            Column("Kategori", width=13),
            Column("Kunci pemberi kerja", width=19),
            Column("NIK (disamarkan)", width=18),
            Column("Nama", width=30),
            Column("Upah bruto", RUPIAH, 15),
            Column("Upah dilaporkan", RUPIAH, 15),
            Column("Dicocokkan dengan", width=18),
        ),
    ),
    Sheet(
        "Cakupan",
        """select if(level = 'province', 'Provinsi', 'Kabupaten/Kota'), region_code, region_name,
                  formal_workers, registered_workers, coverage_pct
           from coverage order by region_code""",
        (
            Column("Tingkat", width=10),
            Column("Kode wilayah", width=12),
            Column("Wilayah", width=32),
            Column("Pekerja formal (Sakernas)", COUNT, 16),
            Column("Peserta aktif", COUNT, 14),
            Column("Cakupan (%)", PERCENT, 12),
        ),
    ),
    Sheet(
        "Karantina",
        "select source, file, row_number, reason, detail from quarantine "
        "order by source, file, row_number nulls first, reason",
        (
            Column("Sumber", width=22),
            Column("Berkas", width=40),
            Column("Baris", COUNT, 10),
            Column("Alasan", width=20),
            Column("Rincian", width=60),
        ),
    ),
)

BY_CATEGORY_SQL = """
    select category, count(*), sum(workers_affected), sum(estimated_contribution_monthly)
    from findings group by category order by category"""

BY_BRANCH_SQL = """
    select branch_name, category, count(*), sum(estimated_contribution_monthly)
    from findings group by all order by branch_name, category"""


def write_workbook(con, folder: Path, period: str) -> Path:
    import xlsxwriter

    path = folder / f"kepatuhan_{period}.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    # A fixed creation date keeps the file byte-identical when a period is published again.
    year, month = map(int, period.split("-"))
    book.set_properties(
        {"title": f"Kepatuhan {period}", "author": "Rekon", "created": dt.datetime(year, month, 1)}
    )
    formats = {
        "header": book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        ),
        "title": book.add_format({"bold": True, "font_size": 14}),
        TEXT: None,
        COUNT: book.add_format({"num_format": "#,##0"}),
        RUPIAH: book.add_format({"num_format": '"Rp" #,##0'}),
        PERCENT: book.add_format({"num_format": "0.0"}),
    }
    summary = book.add_worksheet("Ringkasan")
    continued: list[str] = []
    extents = {}
    for sheet in SHEETS:
        extents[sheet.name], parts = _write_table(book, con, sheet, formats)
        continued += [f"Tabel {sheet.name} berlanjut di lembar {part}." for part in parts[1:]]
    _write_summary(book, summary, con, period, formats, continued)
    _coverage_chart(book, extents["Cakupan"])
    book.close()
    return path


def _new_sheet(book, name: str, sheet: Sheet, formats):
    worksheet = book.add_worksheet(name)
    # Widths and the frozen header must precede the rows in constant-memory mode.
    for i, column in enumerate(sheet.columns):
        worksheet.set_column(i, i, column.width, formats[column.kind])
    worksheet.freeze_panes(1, 0)
    worksheet.set_row(0, 30)
    _printable(worksheet)
    worksheet.write_row(0, 0, [c.header for c in sheet.columns], formats["header"])
    return worksheet


def _write_table(book, con, sheet: Sheet, formats) -> tuple[int, list[str]]:
    """Write a table over as many sheets as it needs; return its rows and its sheets' names."""
    cursor = con.cursor()
    cursor.execute(sheet.sql)
    names = [sheet.name]
    worksheet, row, total = _new_sheet(book, sheet.name, sheet, formats), 1, 0
    last_column = len(sheet.columns) - 1
    writers = _cell_writers(worksheet, sheet)
    while batch := cursor.fetchmany(50_000):
        for values in batch:
            if row >= EXCEL_MAX_ROWS:
                worksheet.autofilter(0, 0, row - 1, last_column)
                names.append(f"{sheet.name} ({len(names) + 1})")
                worksheet, row = _new_sheet(book, names[-1], sheet, formats), 1
                writers = _cell_writers(worksheet, sheet)
            for column, (write, value) in enumerate(zip(writers, values, strict=True)):
                if value is not None:  # an empty cell: the column's format already applies
                    write(row, column, value)
            row += 1
            total += 1
    worksheet.autofilter(0, 0, max(row - 1, 1), last_column)
    cursor.close()
    return total, names


def _cell_writers(worksheet, sheet: Sheet) -> list:
    """Per column, the typed write: text stays text (a name starting with `=` or `http://` never
    becomes a formula or a link), and skipping xlsxwriter's type guessing per cell saves about a
    tenth of the time of a million-row sheet."""
    return [worksheet.write_string if c.kind == TEXT else worksheet.write_number for c in sheet.columns]


def _printable(worksheet) -> None:
    """Printed (or exported to PDF) one page wide, landscape, header row repeated."""
    worksheet.set_landscape()
    worksheet.set_paper(9)  # A4
    worksheet.fit_to_pages(1, 0)
    worksheet.repeat_rows(0)


def _write_summary(book, sheet, con, period: str, formats, continued: list[str]) -> None:
    _printable(sheet)
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 3, 20)
    sheet.write(0, 0, f"Rekon: ringkasan kepatuhan periode {period}", formats["title"])
    sheet.write_row(
        2,
        0,
        ["Kategori", "Pemberi kerja", "Pekerja terdampak", "Perkiraan iuran per bulan"],
        formats["header"],
    )
    rows = con.execute(BY_CATEGORY_SQL).fetchall()
    for i, (category, employers, workers, contribution) in enumerate(rows, start=3):
        sheet.write(i, 0, category)
        sheet.write_number(i, 1, employers, formats[COUNT])
        sheet.write_number(i, 2, workers or 0, formats[COUNT])
        sheet.write_number(i, 3, contribution or 0, formats[RUPIAH])
    total_row = 3 + len(rows)
    sheet.write(total_row, 0, "Jumlah", formats["header"])
    for column, kind in ((1, COUNT), (2, COUNT), (3, RUPIAH)):
        letter = "ABCD"[column]
        sheet.write_formula(
            total_row,
            column,
            f"=SUM({letter}4:{letter}{total_row})",
            formats[kind],
            sum((r[column] or 0) for r in rows),
        )
    if rows:
        chart = book.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": "Perkiraan iuran per bulan (Rp)",
                "categories": ["Ringkasan", 3, 0, total_row - 1, 0],
                "values": ["Ringkasan", 3, 3, total_row - 1, 3],
            }
        )
        chart.set_title({"name": "Perkiraan iuran per bulan menurut kategori"})
        chart.set_legend({"none": True})
        chart.set_y_axis({"num_format": "#,##0"})
        sheet.insert_chart(2, 5, chart, {"x_scale": 1.2, "y_scale": 1.1})

    start = total_row + 3
    sheet.write(start - 1, 0, "Menurut kantor cabang", formats["title"])
    sheet.write_row(
        start,
        0,
        ["Kantor cabang", "Kategori", "Pemberi kerja", "Perkiraan iuran per bulan"],
        formats["header"],
    )
    for i, (branch, category, employers, contribution) in enumerate(
        con.execute(BY_BRANCH_SQL).fetchall(), start=start + 1
    ):
        sheet.write(i, 0, branch)
        sheet.write(i, 1, category)
        sheet.write_number(i, 2, employers, formats[COUNT])
        sheet.write_number(i, 3, contribution or 0, formats[RUPIAH])
        start = i
    for i, note in enumerate(continued, start=start + 2):
        sheet.write(i, 0, note)


def _coverage_chart(book, rows: int) -> None:
    if rows == 0:
        return
    coverage = book.get_worksheet_by_name("Cakupan")
    chart = book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": "Cakupan (%)",
            "categories": ["Cakupan", 1, 2, min(rows, 60), 2],
            "values": ["Cakupan", 1, 5, min(rows, 60), 5],
        }
    )
    chart.set_title({"name": "Cakupan kepesertaan menurut wilayah (%)"})
    chart.set_legend({"none": True})
    chart.set_size({"width": 640, "height": max(320, 18 * min(rows, 60))})
    coverage.insert_chart(1, 7, chart)
