"""The workbook compliance teams open: `kepatuhan_<period>.xlsx`, in Bahasa Indonesia.

Sheets: Ringkasan (counts and contributions per category and per branch, with a chart), Temuan,
Selesai (last period's findings no longer listed), Pekerja (masked NIKs), Cakupan (with a chart),
Karantina. A table longer than Excel's 1,048,576-row sheet limit continues on `<sheet> (2)`, ...
and the summary says so.
xlsxwriter writes the frame of every sheet; the tables' rows are rendered by DuckDB and spliced
in afterwards (sheet_rows.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pipeline.publication import COVERAGE, FINDINGS, QUARANTINE, RESOLVED, REVIEW, WORKERS, workbook_name
from pipeline.publish.sheet_rows import rendered, splice

EXCEL_MAX_ROWS = 1_048_576  # per sheet, header included

# Header rows are two lines high, for headers that wrap: LibreOffice does not grow a row written
# without a height to fit its wrapped text (the summary's headers overflowed into the first row).
HEADER_HEIGHT = 30

TEXT, COUNT, RUPIAH, PERCENT = "text", "count", "rupiah", "percent"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: int = 16


@dataclass(frozen=True)
class Sheet:
    name: str
    sql: str  # the rows: the columns' values first, in order (more may follow, for `order`)
    order: str  # their order on the sheet: the published table's
    columns: tuple[Column, ...]
    # Print only the table's columns: its last column holds long text, which would otherwise
    # run on past it and shrink the printed page to fit (a chart beside a table needs the rest).
    print_table_only: bool = False


# Columns that several sheets show, alike on each.
CATEGORY = Column("Kategori", width=13)
EMPLOYER_KEY = Column("Kunci pemberi kerja", width=19)
EMPLOYER_NAME = Column("Nama pemberi kerja", width=32)
REGENCY_CODE = Column("Kode wilayah", width=10)
BRANCH = Column("Kantor cabang", width=28)
FIRST_SEEN = Column("Pertama tercatat", width=12)

SHEETS = (
    Sheet(
        "Temuan",
        f"""select category, status, priority, branch_name, employer_key, employer_name, nib, npwp, npp,
                  regency_code, regency_name, workers_affected, wage_gap_monthly,
                  estimated_contribution_monthly, missing_programs, first_seen_period, evidence
           from {FINDINGS.source}""",
        FINDINGS.order,
        (
            CATEGORY,
            Column("Status", width=11),
            Column("Prioritas", COUNT, 10),
            BRANCH,
            EMPLOYER_KEY,
            EMPLOYER_NAME,
            Column("NIB", width=15),
            Column("NPWP", width=18),
            Column("NPP", width=12),
            REGENCY_CODE,
            Column("Kabupaten/kota", width=28),
            Column("Pekerja terdampak", COUNT, 12),
            Column("Selisih upah per bulan", RUPIAH, 18),
            Column("Perkiraan iuran per bulan", RUPIAH, 18),
            Column("Program belum diikuti", width=14),
            FIRST_SEEN,
            Column("Bukti", width=80),
        ),
        print_table_only=True,
    ),
    Sheet(
        "Selesai",
        f"""select category, employer_key, employer_name, regency_code, branch_name, first_seen_period,
                  last_listed_period
           from {RESOLVED.source}""",
        RESOLVED.order,
        (
            CATEGORY,
            EMPLOYER_KEY,
            EMPLOYER_NAME,
            REGENCY_CODE,
            BRANCH,
            FIRST_SEEN,
            Column("Terakhir tercatat", width=12),
        ),
    ),
    Sheet(
        "Pekerja",
        f"""select category, employer_key, nik_masked, full_name, gross_wage, reported_wage, matched_by,
                  round(100 * match_probability, 1), evidence, nik
           from {WORKERS.source}""",
        WORKERS.order,
        (
            CATEGORY,
            EMPLOYER_KEY,
            Column("NIK (disamarkan)", width=18),
            Column("Nama", width=30),
            Column("Upah bruto", RUPIAH, 15),
            Column("Upah dilaporkan", RUPIAH, 15),
            Column("Dicocokkan dengan", width=18),
            Column("Peluang sama orang (%)", PERCENT, 12),
            Column("Bukti", width=80),
        ),
        print_table_only=True,
    ),
    Sheet(
        "Perlu Tinjauan",
        f"""select review_id, employer_key, employer_name, regency_code, nik_masked, full_name, gross_wage,
                  if(reason = 'nik_tidak_valid', 'NIK tidak valid', 'kemungkinan cocok'),
                  round(100 * match_probability, 1), candidate_nik_masked, candidate_full_name, evidence,
                  reason
           from {REVIEW.source}""",
        REVIEW.order,
        (
            Column("ID tinjauan", width=18),
            EMPLOYER_KEY,
            EMPLOYER_NAME,
            REGENCY_CODE,
            Column("NIK (disamarkan)", width=18),
            Column("Nama", width=30),
            Column("Upah bruto", RUPIAH, 15),
            Column("Alasan", width=18),
            Column("Peluang sama orang (%)", PERCENT, 12),
            Column("NIK peserta terdekat", width=18),
            Column("Nama peserta terdekat", width=30),
            Column("Bukti", width=80),
        ),
        print_table_only=True,
    ),
    Sheet(
        "Cakupan",
        f"""select if(level = 'province', 'Provinsi', 'Kabupaten/Kota') as level_name, region_code,
                  region_name, formal_workers, registered_workers, coverage_pct
           from {COVERAGE.source}""",
        COVERAGE.order,
        (
            Column("Tingkat", width=15),
            REGENCY_CODE,
            Column("Wilayah", width=32),
            Column("Pekerja formal (Sakernas)", COUNT, 16),
            Column("Peserta aktif", COUNT, 14),
            Column("Cakupan (%)", PERCENT, 12),
        ),
    ),
    Sheet(
        "Karantina",
        f"select source, file, row_number, reason, detail from {QUARANTINE.source}",
        QUARANTINE.order,
        (
            Column("Sumber", width=22),
            Column("Berkas", width=40),
            Column("Baris", COUNT, 10),
            Column("Alasan", width=20),
            Column("Rincian", width=60),
        ),
        print_table_only=True,
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

    path = folder / workbook_name(period)
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
        "total_" + COUNT: book.add_format({"bold": True, "top": 1, "num_format": "#,##0"}),
        "total_" + RUPIAH: book.add_format({"bold": True, "top": 1, "num_format": '"Rp" #,##0'}),
        TEXT: None,
        COUNT: book.add_format({"num_format": "#,##0"}),
        RUPIAH: book.add_format({"num_format": '"Rp" #,##0'}),
        PERCENT: book.add_format({"num_format": "0.0"}),
    }
    summary = book.add_worksheet("Ringkasan")
    tables = [_Table(con, sheet, _add_table_sheets(book, con, sheet, formats)) for sheet in SHEETS]
    rows = {table.sheet.name: table.rows for table in tables}
    notes = [f"{rows['Selesai']} temuan periode lalu tidak tercatat lagi periode ini (lembar Selesai)."]
    notes += [
        f"Tabel {table.sheet.name} berlanjut di lembar {name}."
        for table in tables
        for name, _ in table.parts[1:]
    ]
    _write_summary(book, summary, con, period, formats, notes)
    _coverage_chart(book, rows["Cakupan"])
    book.close()

    members = {sheet.name: f"xl/worksheets/sheet{i}.xml" for i, sheet in enumerate(book.worksheets(), 1)}
    splice(
        path,
        {
            members[name]: table.part(k)
            for table in tables
            for k, (name, rows) in enumerate(table.parts)
            if rows
        },
    )
    return path


def _new_sheet(book, name: str, sheet: Sheet, formats):
    worksheet = book.add_worksheet(name)
    # Widths and the frozen header must precede the rows in constant-memory mode.
    for i, column in enumerate(sheet.columns):
        worksheet.set_column(i, i, column.width, formats[column.kind])
    worksheet.freeze_panes(1, 0)
    worksheet.set_row(0, HEADER_HEIGHT)
    printable(worksheet)
    write_texts(worksheet, 0, [c.header for c in sheet.columns], formats["header"])
    return worksheet


def _add_table_sheets(book, con, sheet: Sheet, formats) -> list[tuple[str, int]]:
    """Add the sheets a table needs (one per EXCEL_MAX_ROWS - 1 rows), each with its header, its
    filter over the rows to come and a placeholder row for them; return (name, rows) of each."""
    total = con.execute(f"select count(*) from ({sheet.sql})").fetchone()[0]
    per_sheet = EXCEL_MAX_ROWS - 1
    parts = []
    for k in range(max(1, -(-total // per_sheet))):
        name = sheet.name if k == 0 else f"{sheet.name} ({k + 1})"
        rows = min(per_sheet, total - k * per_sheet)
        worksheet = _new_sheet(book, name, sheet, formats)
        if rows:
            # Written as the rows will be, so that its cells carry each column's style.
            for i, column in enumerate(sheet.columns):
                if column.kind == TEXT:
                    worksheet.write_string(1, i, "-")
                else:
                    worksheet.write_number(1, i, 0)
        worksheet.autofilter(0, 0, max(rows, 1), len(sheet.columns) - 1)
        if sheet.print_table_only:
            worksheet.print_area(0, 0, max(rows, 1), len(sheet.columns) - 1)
        parts.append((name, rows))
    return parts


class _Table:
    """A table's rows, rendered by DuckDB once the workbook is written and handed out sheet part
    by sheet part, in order, as `splice` reaches each part's placeholder.

    The rows are sorted once into a temporary table on a cursor of their own; each part then
    renders a range of its row ids, which a scan hands over in order as it renders them."""

    def __init__(self, con, sheet: Sheet, parts: list[tuple[str, int]]) -> None:
        self.con, self.sheet, self.parts = con, sheet, parts
        self.rows = sum(rows for _, rows in parts)
        self._cursor = None

    def part(self, k: int):
        def fill(sheet_xml: bytes):
            cursor = self._sorted()
            names = [d[0] for d in cursor.execute("select * from sorted_rows limit 0").description]
            # the rows' first columns are the sheet's; any after them are there for the order
            shown = zip(names, self.sheet.columns, strict=False)
            columns = [(name, column.kind != TEXT) for name, column in shown]
            first, rows = k * (EXCEL_MAX_ROWS - 1), self.parts[k][1]
            numbered = (
                f"select *, (rowid - {first} + 2)::varchar as r from sorted_rows "
                f"where rowid >= {first} and rowid < {first + rows}"
            )
            yield from rendered(cursor, sheet_xml, numbered, columns, rows)
            if k == len(self.parts) - 1:
                cursor.close()  # and its sorted rows with it

        return fill

    def _sorted(self):
        """The cursor holding the table's rows sorted, as `sorted_rows` (made on first use)."""
        if self._cursor is None:
            sheet, self._cursor = self.sheet, self.con.cursor()
            self._cursor.execute(
                f"create temp table sorted_rows as select * from ({sheet.sql}) order by {sheet.order}"
            )
        return self._cursor


def write_text(worksheet, row: int, column: int, value: str | None, cell_format=None) -> None:
    """A text cell, never a formula or a number whatever the text (xlsxwriter's `write` would
    take `=...` for a formula); nothing for None."""
    if value is not None:
        worksheet.write_string(row, column, value, cell_format)


def write_texts(worksheet, row: int, values: list[str], cell_format=None) -> None:
    """A row of text cells from the first column on (headers)."""
    for column, value in enumerate(values):
        write_text(worksheet, row, column, value, cell_format)


def printable(worksheet, header_rows: int = 1) -> None:
    """Printed (or exported to PDF) one A4 page wide, landscape, the first `header_rows` rows
    repeated on every page."""
    worksheet.set_landscape()
    worksheet.set_paper(9)  # A4
    worksheet.fit_to_pages(1, 0)
    worksheet.repeat_rows(0, header_rows - 1)


def _write_summary(book, sheet, con, period: str, formats, notes: list[str]) -> None:
    printable(sheet)
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 3, 20)
    sheet.write_string(0, 0, f"Rekon: ringkasan kepatuhan periode {period}", formats["title"])
    sheet.set_row(2, HEADER_HEIGHT)
    headers = ["Kategori", "Pemberi kerja", "Pekerja terdampak", "Perkiraan iuran per bulan"]
    write_texts(sheet, 2, headers, formats["header"])
    rows = con.execute(BY_CATEGORY_SQL).fetchall()
    for i, (category, employers, workers, contribution) in enumerate(rows, start=3):
        sheet.write_string(i, 0, category)
        sheet.write_number(i, 1, employers, formats[COUNT])
        sheet.write_number(i, 2, workers or 0, formats[COUNT])
        sheet.write_number(i, 3, contribution or 0, formats[RUPIAH])
    total_row = 3 + len(rows)
    sheet.write_string(total_row, 0, "Jumlah", formats["header"])
    for column, kind in ((1, COUNT), (2, COUNT), (3, RUPIAH)):
        letter = "ABCD"[column]
        sheet.write_formula(
            total_row,
            column,
            f"=SUM({letter}4:{letter}{total_row})",
            formats["total_" + kind],
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
    sheet.write_string(start - 1, 0, "Menurut kantor cabang", formats["title"])
    sheet.set_row(start, HEADER_HEIGHT)
    headers = ["Kantor cabang", "Kategori", "Pemberi kerja", "Perkiraan iuran per bulan"]
    write_texts(sheet, start, headers, formats["header"])
    for i, (branch, category, employers, contribution) in enumerate(
        con.execute(BY_BRANCH_SQL).fetchall(), start=start + 1
    ):
        write_text(sheet, i, 0, branch)
        sheet.write_string(i, 1, category)
        sheet.write_number(i, 2, employers, formats[COUNT])
        sheet.write_number(i, 3, contribution or 0, formats[RUPIAH])
        start = i
    for i, note in enumerate(notes, start=start + 2):
        sheet.write_string(i, 0, note)


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
