"""Readers and parsers against files as agencies really send them (CONTRACT.md section 1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.contract import SOURCES, normalise_header
from pipeline.errors import UnreadableFileError
from pipeline.ingest.readers import read_raw
from pipeline.ingest.standardise import has_required_columns, map_header, parser_macros
from tests.scenario import write_xlsx


def rows_of(path: Path, **kwargs) -> tuple[list[str], list[list[str]]]:
    raw = read_raw(path, **kwargs)
    if raw.query is not None:  # Parquet: DuckDB reads it, with the row numbers
        rows = duckdb.connect().execute(raw.query).fetchall()
        assert [r[-1] for r in rows] == list(range(1, len(rows) + 1))
        return raw.header, [list(r[: len(raw.header)]) for r in rows]  # the text columns c0..cN
    table = pa.Table.from_batches(list(raw.batches))
    return raw.header, [list(r.values()) for r in table.to_pylist()]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", "\t"), ("cp1252", ";")],
)
def test_csv_encodings_and_delimiters(tmp_path: Path, encoding: str, delimiter: str) -> None:
    d = delimiter
    text = f'nik{d}nama{d}gaji\r\n"3271010101900001"{d}José Pérez{d}"4.500.000,00"\r\n'
    path = tmp_path / "payroll.csv"
    path.write_bytes(text.encode(encoding))
    header, rows = rows_of(path)
    assert header == ["nik", "nama", "gaji"]
    assert rows == [["3271010101900001", "José Pérez", "4.500.000,00"]]


def test_csv_quoted_delimiters_and_newlines_stay_in_their_field(tmp_path: Path) -> None:
    path = tmp_path / "payroll.csv"
    path.write_text('nik,nama,alamat\n0012,"Budi, S.E.","Jl. Merdeka\nNo. 1"\n')
    _, rows = rows_of(path)
    assert rows == [["0012", "Budi, S.E.", "Jl. Merdeka\nNo. 1"]]  # leading zeros kept


def test_truncated_csv_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "payroll.csv"
    path.write_text("nik,nama,gaji\n3271010101900001,Budi,4000000\n3271010101900002,Sri")
    with pytest.raises(UnreadableFileError):
        rows_of(path)


@pytest.mark.parametrize("content", [b"", b"\x00\x01garbage", b"PK\x03\x04broken"])
def test_garbage_workbooks_are_unreadable(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "business.xlsx"
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError):
        read_raw(path)


def test_xlsx_header_below_title_rows_with_typed_cells(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "business.xlsx",
        ["NIB", "Nama Usaha", "Kode Wilayah", "Jumlah TK", "Tgl Terbit"],
        [["0123456789012", "CV Maju", "62.71", 12, dt.date(2024, 3, 5)], ["", "", "", 2.5, ""]],
        title_rows=2,
    )
    source = SOURCES["permits/business"]
    header, rows = rows_of(path, is_header=lambda row: _maps(source, row))
    assert header[:3] == ["NIB", "Nama Usaha", "Kode Wilayah"]
    assert rows[0] == ["0123456789012", "CV Maju", "62.71", "12", "2024-03-05"]
    assert rows[1][3] == "2.5"


def _maps(source, row) -> bool:
    try:
        map_header(source, row)
    except UnreadableFileError:
        return False
    return True


def test_parquet_typed_columns_become_text(tmp_path: Path) -> None:
    path = tmp_path / "construction.parquet"
    pq.write_table(
        pa.table(
            {
                "nilai_kontrak": [2_500_000_000.0, 1.5],
                "tgl_mulai": [dt.date(2026, 3, 1), None],
                "jumlah_tenaga_kerja": pa.array([25, 3], pa.int64()),
                'status "aktif"': pa.array(["AKTIF", None]).dictionary_encode(),
                "dicatat": [dt.datetime(2026, 3, 1, 8, 30), None],
                "besar": [1e20, -0.25],
            }
        ),
        path,
    )
    header, rows = rows_of(path)
    names = ["nilai_kontrak", "tgl_mulai", "jumlah_tenaga_kerja", 'status "aktif"', "dicatat", "besar"]
    assert header == names
    assert rows == [
        ["2500000000", "2026-03-01", "25", "AKTIF", "2026-03-01 08:30:00", "1e+20"],
        ["1.5", "", "3", "", "", "-0.25"],
    ]


def test_header_names_fold_case_spaces_dots_and_dashes() -> None:
    assert normalise_header(" No. KTP ") == "no_ktp"
    assert normalise_header("GAJI-BRUTO") == "gaji_bruto"
    assert normalise_header("\ufeffNomor Induk  Kependudukan") == "nomor_induk_kependudukan"
    positions = map_header(
        SOURCES["payroll"], ["NPWP Pemberi Kerja", "No. KTP", "Nama Karyawan", "Total Upah"]
    )
    assert positions == {"employer_npwp": 0, "nik": 1, "full_name": 2, "gross_wage": 3}


def test_header_without_any_contract_column_is_no_header() -> None:
    with pytest.raises(UnreadableFileError, match="no usable header"):
        map_header(SOURCES["payroll"], ["Laporan gaji Oktober", "", ""])


def test_header_missing_a_required_column_is_recognised_as_incomplete() -> None:
    # Read anyway: the required-columns expectation holds the file back with its reason.
    assert map_header(SOURCES["payroll"], ["nik", "nama", "gaji"]) == {
        "nik": 0,
        "full_name": 1,
        "gross_wage": 2,
    }
    assert not has_required_columns(SOURCES["payroll"], ["nik", "nama", "gaji"])
    assert has_required_columns(SOURCES["payroll"], ["npwp", "nik", "nama", "gaji"])


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(parser_macros())
    return connection


def parse(con, macro: str, value: str | None):
    return con.execute(f"select {macro}(?::varchar)", [value]).fetchall()[0][0]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("4500000", 4_500_000),
        ("4500000.0", 4_500_000),
        ("4.500.000", 4_500_000),
        ("4.500.000,00", 4_500_000),
        ("Rp 4.500.000", 4_500_000),
        ("Rp4.500.000,-", 4_500_000),
        ("4,500,000", 4_500_000),
        ("4500000,50", 4_500_000.5),
        ("-5", -5),
        ("empat juta", None),
        ("", None),
        (None, None),
    ],
)
def test_amounts(con, text: str | None, amount: float | None) -> None:
    assert parse(con, "parse_amount", text) == amount


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2026-03-05", dt.date(2026, 3, 5)),
        ("05/03/2026", dt.date(2026, 3, 5)),
        ("05-03-2026", dt.date(2026, 3, 5)),
        ("2026-03-05 00:00:00", dt.date(2026, 3, 5)),
        ("31/02/2026", None),
        ("kemarin", None),
    ],
)
def test_dates(con, text: str, date: dt.date | None) -> None:
    assert parse(con, "parse_date", text) == date


def test_codes_and_identifiers(con) -> None:
    assert parse(con, "parse_region", "6271") == "62.71"
    assert parse(con, "parse_region", " 62.71 ") == "62.71"
    assert parse(con, "parse_npwp", "01.234.567.8-901.000") == "0012345678901000"
    assert parse(con, "parse_npwp", "0012345678901000") == "0012345678901000"
    assert parse(con, "parse_npwp", "12345") is None
    assert parse(con, "parse_nib", "0.123.456.789.012") == "0123456789012"
    assert parse(con, "clean_ident", "3271-0101-9000-0001") == "3271010190000001"
    assert parse(con, "parse_programs", "jkk; JKM/JHT | JP") == "JHT;JKK;JKM;JP"
    assert parse(con, "parse_period", "202610") == "2026-10"
    assert parse(con, "parse_period", "10/2026") == "2026-10"


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("Budi Santoso", "Budi Santoso"),
        ("  Budi   Santoso ", "Budi Santoso"),
        ("Budi\tSantoso", "Budi Santoso"),
        ("Budi\r\nSantoso", "Budi Santoso"),
        ("\tBudi", "Budi"),
        ("Budi\u00a0Santoso", "Budi\u00a0Santoso"),  # a no-break space is not RE2's \s: kept
        ("   ", None),
        ("", None),
        (None, None),
    ],
)
def test_text_runs_of_white_space_become_one_space(con, text: str | None, clean: str | None) -> None:
    assert parse(con, "clean_text", text) == clean


@pytest.mark.parametrize(
    ("text", "ident"),
    [
        ("3271010190000001", "3271010190000001"),
        ("3271 0101", "32710101"),
        ("ab-12", "AB12"),
        ("-", None),
        ("", None),
    ],
)
def test_identifiers_keep_digits_and_letters(con, text: str, ident: str | None) -> None:
    assert parse(con, "clean_ident", text) == ident


# Values in and around each fast path's form: the fast path must answer as the general one.
FAST_PATH_CASES = [
    None,
    "",
    " ",
    "0",
    "00",
    "7",
    "4500000",
    "04500000",
    "-5",
    "+5",
    " 4500000",
    "4500000 ",
    "4.500.000",
    "1" * 19,
    "9" * 400,
    "1e5",
    "0123456789012",
    "123456789012",
    "01234567890123",
    "0.123.456.789.012",
    "012345678901a",
    "62.71",
    "6271",
    "62.7",
    "62.711",
    "6a.71",
    " 62.71",
    "00.00",
    "2026-10",
    "2026-1",
    "2026-00",
    "2026-13",
    "2026-12",
    "0999-10",
    "1000-01",
    "9999-12",
    "202610",
    "10/2026",
    "2026-10-05",
    "2026-02-30",
    "2026-13-01",
    "0000-01-01",
    "2026-1-5",
    "2026-03-05 00:00:00",
    "05/03/2026",
    "Budi  Santoso",
    "Budi\tSantoso",
    "Budi\nSantoso",
    "Budi\x0bSantoso",
    "Budi\x0cSantoso",
    "Budi\rSantoso",
    " Budi",
    "Budi\u00a0Santoso",
]


@pytest.mark.parametrize("macro", ["parse_nib", "parse_amount", "parse_date", "parse_region", "parse_period"])
def test_fast_paths_answer_as_the_general_parser(con, macro: str) -> None:
    pairs = con.execute(
        f"select x, {macro}(x), {macro}_any(x) from unnest(?::varchar[]) as t(x)", [FAST_PATH_CASES]
    ).fetchall()
    assert len(pairs) == len(FAST_PATH_CASES)
    assert [(x, general) for x, _, general in pairs] == [(x, fast) for x, fast, _ in pairs]


def test_white_space_is_looked_for_as_re2_sees_it(con) -> None:
    """clean_text looks for RE2's \\s as plain characters: it must rewrite exactly the values in
    which the regular expression finds a run of white space or a character other than a space."""
    found = con.execute(
        "select x, clean_text(x) is distinct from nullif(trim(x), ''), "
        "regexp_matches(x, '\\s\\s') or regexp_matches(x, '[\\t\\n\\f\\r]') "
        "from unnest(?::varchar[]) as t(x) where x is not null",
        [FAST_PATH_CASES],
    ).fetchall()
    assert [(x, rewritten) for x, rewritten, _ in found] == [(x, expected) for x, _, expected in found]
    assert any(rewritten for _, rewritten, _ in found)


def test_typed_parquet_numbers_and_dates_read_as_their_text_would(tmp_path: Path, con) -> None:
    """Numbers and dates that Parquet already types skip the text parsers (readers.py passes
    them as t{i} beside their text c{i}); each must give exactly what its text gives."""
    decimals = [Decimal(v) for v in ("4500000.00", "1.23", "-2.50")]
    table = pa.table(
        {
            "double": [4_500_000.0, 4500.5, 1.234, -0.25, 0.0, 1e20, float("nan"), float("inf"), None],
            "int": pa.array([4_500_000, -5, 0, None, 7, 8, 9, 10, 11], pa.int64()),
            "decimal": pa.array([None, *decimals, *[None] * 5], pa.decimal128(12, 2)),
            "date": [dt.date(2026, 3, 5), None, dt.date(1, 1, 1), *[dt.date(1999, 12, 31)] * 6],
            "stamp": [dt.datetime(2026, 3, 5, 23, 59), None, *[dt.datetime(2000, 2, 29)] * 7],
        }
    )
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)
    raw = read_raw(path)
    assert raw.typed == {0: "number", 1: "number", 2: "number", 3: "date", 4: "date"}
    con.execute(f"create or replace temp view typed_rows as {raw.query}")
    for i, name in enumerate(table.column_names):
        parse, typed = {"number": ("parse_amount", "typed_amount"), "date": ("parse_date", "typed_date")}[
            raw.typed[i]
        ]
        pairs = con.execute(f"select {parse}(c{i}), {typed}(t{i}) from typed_rows").fetchall()
        assert [text for text, _ in pairs] == [value for _, value in pairs], name
    # 1.234 typed reads as 1234, as the same digits typed as text do (CONTRACT.md section 1)
    assert con.execute("select typed_amount(t0) from typed_rows").fetchall()[2][0] == 1234
