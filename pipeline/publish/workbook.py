"""The workbook compliance teams open: `kepatuhan_<period>.xlsx`, in Bahasa Indonesia."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

EXCEL_MAX_ROWS = 1_048_576  # per sheet, header included

# sheet name -> (select over the reconcile database, column headers for people)
SHEETS = {
    "Temuan": (
        """select category, employer_key, employer_name, nib, npwp, npp, regency_code, regency_name,
                  workers_affected, wage_gap_monthly, estimated_contribution_monthly,
                  missing_programs, evidence
           from findings order by category, employer_key""",
        [
            "Kategori",
            "Kunci pemberi kerja",
            "Nama pemberi kerja",
            "NIB",
            "NPWP",
            "NPP",
            "Kode wilayah",
            "Kabupaten/kota",
            "Pekerja terdampak",
            "Selisih upah per bulan (Rp)",
            "Perkiraan iuran per bulan (Rp)",
            "Program belum diikuti",
            "Bukti",
        ],
    ),
    "Pekerja": (
        """select category, employer_key, nik_masked, full_name, gross_wage, reported_wage, matched_by
           from finding_workers order by category, employer_key, nik""",
        [
            "Kategori",
            "Kunci pemberi kerja",
            "NIK (disamarkan)",
            "Nama",
            "Upah bruto (Rp)",
            "Upah dilaporkan (Rp)",
            "Dicocokkan dengan",
        ],
    ),
    "Cakupan": (
        """select level, region_code, region_name, formal_workers, registered_workers, coverage_pct
           from coverage order by region_code""",
        ["Tingkat", "Kode wilayah", "Wilayah", "Pekerja formal (Sakernas)", "Peserta aktif", "Cakupan (%)"],
    ),
    "Karantina": (
        "select source, file, row_number, reason, detail from quarantine "
        "order by source, file, row_number nulls first, reason",
        ["Sumber", "Berkas", "Baris", "Alasan", "Rincian"],
    ),
}

SUMMARY_SQL = """
    select category, count(*) as employers, sum(workers_affected) as workers,
           sum(estimated_contribution_monthly) as contribution
    from findings group by category order by category"""


def write_workbook(con, folder: Path, period: str) -> Path:
    """Write the workbook; a table longer than a sheet continues on `<name> (2)`, and so on."""
    import xlsxwriter

    path = folder / f"kepatuhan_{period}.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    # A fixed creation date keeps the file byte-identical when a period is published again.
    year, month = map(int, period.split("-"))
    book.set_properties(
        {"title": f"Kepatuhan {period}", "author": "Rekon", "created": dt.datetime(year, month, 1)}
    )
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    rupiah = book.add_format({"num_format": "#,##0"})
    notes: list[str] = []

    summary = book.add_worksheet("Ringkasan")
    summary.write_row(0, 0, [f"Rekon: ringkasan kepatuhan periode {period}"], bold)
    summary.write_row(
        2, 0, ["Kategori", "Pemberi kerja", "Pekerja terdampak", "Perkiraan iuran per bulan (Rp)"], bold
    )
    rows = con.execute(SUMMARY_SQL).fetchall()
    for i, row in enumerate(rows, start=3):
        summary.write_row(i, 0, row[:3])
        summary.write_number(i, 3, row[3] or 0, rupiah)
    summary.set_column(0, 0, 16)
    summary.set_column(1, 3, 26)

    for name, (sql, headers) in SHEETS.items():
        cursor = con.cursor()
        cursor.execute(sql)
        part, sheet, row_index = 1, None, EXCEL_MAX_ROWS
        while batch := cursor.fetchmany(50_000):
            for values in batch:
                if row_index >= EXCEL_MAX_ROWS:
                    sheet_name = name if part == 1 else f"{name} ({part})"
                    if part > 1:
                        notes.append(f"Tabel {name} berlanjut di lembar {sheet_name}.")
                    sheet = book.add_worksheet(sheet_name)
                    sheet.write_row(0, 0, headers, bold)
                    sheet.freeze_panes(1, 0)
                    sheet.set_column(0, len(headers) - 1, 18)
                    part, row_index = part + 1, 1
                sheet.write_row(row_index, 0, values)
                row_index += 1
        if sheet is None:
            sheet = book.add_worksheet(name)
            sheet.write_row(0, 0, headers, bold)
        cursor.close()
    for i, note in enumerate(notes, start=len(rows) + 5):
        summary.write(i, 0, note)
    book.close()
    return path
