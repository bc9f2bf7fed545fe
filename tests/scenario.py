"""Small hand-made deliveries for the rule tests: every planted case is named where it is built."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

PERIOD = "2026-10"


def nik(day: int, month: int, year: int, serial: int, female: bool = False, region: str = "627101") -> str:
    """A well-formed NIK (contract section 3): region + district, DDMMYY (+40 for women), serial."""
    return f"{region}{day + (40 if female else 0):02d}{month:02d}{year % 100:02d}{serial:04d}"


def write_csv(
    path: Path, rows: list[dict], delimiter: str = ",", encoding: str = "utf-8", quote_all: bool = False
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    writer = csv.DictWriter(
        out,
        fieldnames=list(rows[0]),
        delimiter=delimiter,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        lineterminator="\r\n",
    )
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list], title_rows: int = 1) -> Path:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Data")
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for i in range(title_rows):
        sheet.write(i, 0, f"Laporan izin usaha (judul {i + 1})")
    sheet.write_row(title_rows, 0, header)
    for r, row in enumerate(rows, start=title_rows + 1):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            else:
                sheet.write(r, c, value)
    book.close()
    return path


# --- the base delivery --------------------------------------------------------------------------

W1 = nik(1, 1, 1990, 1)  # E1, registered, matched by NIK
W2_REGISTRY = nik(3, 2, 1991, 2, female=True)  # E1 participant Siti Aminah
W2_PAYROLL = nik(3, 2, 1991, 3, female=True)  # ... typed with a wrong serial in payroll
W3 = nik(1, 1, 1981, 4)  # E1 payroll "Agus Salim" born 1981: the participant was born 1980
W3_REGISTRY = nik(1, 1, 1980, 5)
W4 = nik(4, 4, 1985, 6)  # registered with E2 but on E1's payroll
W5 = nik(5, 5, 1985, 7)  # E2, registered
W6 = nik(6, 6, 1986, 8)  # E3 (NONAKTIF employer) payroll
W7 = nik(7, 7, 1987, 9)  # E4, registered; payroll names E4 by NPWP only
W8 = nik(8, 8, 1988, 10)  # E4, not registered
W9 = nik(9, 9, 1989, 11)  # E5, NONAKTIF participant
W10 = nik(10, 10, 1990, 12, female=True)  # E1, not registered, a woman
W11 = nik(11, 11, 1991, 13)  # payroll of another period
W12 = nik(12, 12, 1992, 14, region="620101")  # E5, registered, not on payroll


@dataclass
class Published:
    folder: Path
    findings: pd.DataFrame
    workers: pd.DataFrame
    coverage: pd.DataFrame
    quarantine: pd.DataFrame
    manifest: dict

    def finding(self, category: str, employer_key: str) -> pd.Series | None:
        rows = self.findings[
            (self.findings.category == category) & (self.findings.employer_key == employer_key)
        ]
        return None if rows.empty else rows.iloc[0]


def read_published(folder: Path) -> Published:
    def table(name: str) -> pd.DataFrame:
        return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)

    return Published(
        folder,
        table("findings"),
        table("workers"),
        table("coverage"),
        table("quarantine"),
        json.loads((folder / "manifest.json").read_text()),
    )


# registry/employers.csv as the agency delivers it. E1: a small retailer, registered by NIB. E2:
# registered with its old 15-digit NPWP, punctuated. E3: no longer active. E4: the registry knows
# only its NIB, the payroll only its NPWP, the business permit both. E5: registered; one of its
# participants is NONAKTIF.
EMPLOYERS_CSV = """\
npp,nib,npwp,nama_perusahaan,kode_wilayah,kbli,skala_usaha,program,status
10000001,1111111111111,,PT Satu Jaya,62.71,47111,KECIL,JKK;JKM;JHT,AKTIF
10000002,,01.234.567.8-901.000,PT Dua Karya,6271,41011,MENENGAH,JKK JKM JHT JP,AKTIF
10000003,3333333333333,,PT Tiga Lama,62.01,10101,BESAR,JKK/JKM,NONAKTIF
10000004,4444444444444,,PT Empat Sekawan,62.71,,,JKK|JKM|JHT|JP,AKTIF
10000005,5555555555555,,PT Lima,62.01,01111,KECIL,JKK JKM JHT,AKTIF
"""


def participant_row(nik_: str, name: str, born: str, npp: str, wage: str, status: str = "AKTIF") -> dict:
    """A row of registry/participants.csv."""
    return dict(nik=nik_, nama=name, tgl_lahir=born, npp=npp, upah=wage, status=status)


PAYROLL_HEADER = ("nib", "npwp", "nik", "nama", "tgl_lahir", "gaji", "periode", "lokasi_kerja")


def payroll_row(*values: str, periode: str = "", lokasi_kerja: str = "62.71") -> dict:
    """A row of a payroll file from its first six values (nib, npwp, nik, nama, tgl_lahir, gaji);
    an empty `periode` is the delivery's period."""
    return dict(zip(PAYROLL_HEADER, (*values, periode, lokasi_kerja), strict=True))


def build_base_delivery(landing: Path, period: str = PERIOD) -> Path:
    root = landing / period
    (root / "registry").mkdir(parents=True, exist_ok=True)
    (root / "registry/employers.csv").write_bytes(EMPLOYERS_CSV.replace("\n", "\r\n").encode())
    participant_rows = [
        participant_row(W1, "Budi Santoso", "1990-01-01", "10000001", "4.000.000"),
        participant_row(W2_REGISTRY, "Siti Aminah", "03/02/1991", "10000001", "Rp 3.600.000"),
        participant_row(W3_REGISTRY, "Agus Salim", "1980-01-01", "10000001", "3800000"),
        participant_row(W4, "Dewi Lestari", "1985-04-04", "10000002", "5000000"),
        # under-reported: 5.6 M of a 6 M payroll wage is 93.3 % (PDS_UPAH)
        participant_row(W5, "Eko Prasetyo", "1985-05-05", "10000002", "5.600.000,00"),
        # exactly 95 % of the payroll wage: not under-reported
        participant_row(W7, "Gita Putri", "1987-07-07", "10000004", "4275000"),
        participant_row(W12, "Kartika Sari", "1992-12-12", "10000005", "4000000"),
        participant_row(W9, "Indra Wijaya", "1989-09-09", "10000005", "3900000", status="NONAKTIF"),
    ]
    # Semicolon-separated, UTF-8 with a byte order mark, every field quoted.
    write_csv(
        root / "registry/participants.csv",
        participant_rows,
        delimiter=";",
        encoding="utf-8-sig",
        quote_all=True,
    )

    pay = payroll_row
    write_csv(
        root / "payroll/a_payroll.csv",
        [
            pay("1111111111111", "", W1, "Budi Santoso", "01/01/1990", "4000000"),
            pay("1111111111111", "", W2_PAYROLL, "SITI  AMINAH", "03-02-1991", "3.600.000"),
            pay("1111111111111", "", W3, "Agus Salim", "1981-01-01", "3500000"),
            pay("1111111111111", "", W4, "Dewi Lestari", "1985-04-04", "5000000"),
            pay("1111111111111", "", W10, "Rina Marlina", "1990-10-10", "Rp 3.700.000"),
            # E2 by its 16-digit NPWP
            pay("", "0012345678901000", W5, "Eko Prasetyo", "1985-05-05", "6000000"),
            pay("3333333333333", "", W6, "Fajar Nugroho", "1986-06-06", "4.200.000,00"),
            pay("", "4444.4444.4444.4444", W7, "Gita Putri", "1987-07-07", "4500000"),
            pay("", "4444444444444444", W8, "Hadi Susanto", "1988-08-08", "4600000"),
            pay("5555555555555", "", W9, "Indra Wijaya", "1989-09-09", "3900000"),
            # another period's row: not a finding of this one
            pay("1212121212121", "", W11, "Joko Widodo", "1991-11-11", "4000000", periode="2026-09"),
        ],
    )
    bad = [
        pay("1111111111111", "", "123456", "Nik Pendek", "1990-01-01", "4000000"),  # 1 invalid_nik
        pay("1111111111111", "", nik(1, 1, 1990, 20, region="999901"), "Wilayah Asing", "", "4000000"),  # 2
        pay("1111111111111", "", nik(32, 1, 1990, 21), "Tanggal Salah", "", "4000000"),  # 3 invalid_nik
        pay("1111111111111", "", nik(1, 1, 1990, 0), "Serial Nol", "", "4000000"),  # 4 invalid_nik
        pay("1111111111111", "", nik(2, 1, 1990, 22), "Upah Nol", "", "0"),  # 5 invalid_wage
        pay("1111111111111", "", nik(2, 1, 1990, 23), "Upah Huruf", "", "empat juta"),  # 6 invalid_wage
        pay("", "", nik(2, 1, 1990, 24), "Tanpa Pemberi Kerja", "", "4000000"),  # 7 missing_employer_id
        pay("1111111111111", "", nik(2, 1, 1990, 25), "", "", "4000000"),  # 8 missing_required
        pay("1111111111111", "", nik(2, 1, 1990, 26), "Kode Salah", "", "4000000", lokasi_kerja="99.99"),  # 9
        pay("1111111111111", "", W1, "Budi Santoso", "01/01/1990", "4000000"),  # 10 duplicate of a_payroll
        pay("1111111111111", "", nik(2, 1, 1990, 27), "José Pérez", "", "4100000"),  # 11 valid, cp1252 name
    ]
    write_csv(root / "payroll/b_payroll.txt.csv", bad, delimiter="\t", encoding="cp1252")
    (root / "payroll/c_corrupt.xlsx").write_bytes(b"PK\x03\x04 this is not really a workbook")
    (root / "payroll/d_notes.txt").write_text("catatan pengiriman")

    # Business permits as a workbook with a title row above the header.
    write_xlsx(
        root / "permits/business.xlsx",
        [
            "NIB",
            "NPWP",
            "Nama Usaha",
            "KBLI",
            "Kode Wilayah",
            "Skala Usaha",
            "Jumlah TK",
            "Tgl Terbit",
            "Status Izin",
        ],
        [
            [
                "4444444444444",
                "4444444444444444",
                "PT Empat Sekawan",
                "47111",
                "62.71",
                "MENENGAH",
                12,
                dt.date(2020, 5, 1),
                "AKTIF",
            ],
            # E5's permit says MENENGAH where the registry says KECIL: the permit wins, so JP is missing
            ["5555555555555", "", "PT Lima", "01111", "62.01", "MENENGAH", 3, dt.date(2021, 1, 1), "AKTIF"],
            ["6666666666666", "", "Warung Enam", "56101", "62.71", "MIKRO", 4, dt.date(2024, 1, 2), "AKTIF"],
            ["7777777777777", "", "Toko Tujuh", "47111", "62.71", "MIKRO", 5, dt.date(2024, 1, 2), "DICABUT"],
            [
                "8888888888888",
                "",
                "Usaha Delapan",
                "47111",
                "62.71",
                "MIKRO",
                0,
                dt.date(2024, 1, 2),
                "AKTIF",
            ],
        ],
    )
    import pyarrow as pa
    import pyarrow.parquet as pq

    construction = pa.table(
        {
            # 001: active, unregistered (PROYEK); 002: ended before the period; 003: registered
            "no_izin": ["SPK/001/2026", "SPK/002/2026", "SPK/003/2026"],
            "nama_proyek": ["Jembatan Kahayan", "Gedung Lama", "Kantor Satu"],
            "nib_kontraktor": ["9999999999999", "1010101010101", "1111111111111"],
            "npwp_kontraktor": [None, None, None],
            "nilai_kontrak": [2_500_000_000.0, 800_000_000.0, 90_000_000.0],
            "tgl_mulai": [dt.date(2026, 3, 1), dt.date(2025, 1, 1), dt.date(2026, 10, 31)],
            "tgl_selesai": [dt.date(2026, 12, 31), dt.date(2026, 9, 30), dt.date(2027, 1, 31)],
            "kode_wilayah": ["62.71", "62.71", "62.71"],
            "jumlah_tenaga_kerja": [25, 10, 3],
        }
    )
    (root / "permits").mkdir(parents=True, exist_ok=True)
    pq.write_table(construction, root / "permits/construction.parquet")
    write_csv(root / "registry/projects.csv", [dict(no_izin="spk/003/2026", no_registrasi_proyek="P-1")])
    write_csv(
        root / "survey/labor_force.csv",
        [
            dict(kode_wilayah="62.71", lapangan_usaha="G", pekerja_formal="1000"),
            dict(kode_wilayah="62.71", lapangan_usaha="C", pekerja_formal="500"),
            dict(kode_wilayah="62.01", lapangan_usaha="A", pekerja_formal="800"),
        ],
    )
    return root


# A participant of E1, and perhaps the same person in E1's payroll: the given name only, the same
# birth date, but another NIK (a woman's, born another day): the model can neither clear nor
# list them.
HENDRA_REGISTRY = nik(9, 9, 1979, 21)
HENDRA_PAYROLL = nik(19, 3, 1982, 4477, region="627102", female=True)
E1 = "1111111111111"


def add_undecided_pair(root: Path) -> None:
    """Plant Hendra: a payroll worker the linkage model can neither clear nor list (review.csv)."""
    write_csv(
        root / "payroll/e_payroll.csv",
        [payroll_row(E1, "", HENDRA_PAYROLL, "Hendra", "1979-09-09", "4200000")],
    )
    participants = root / "registry/participants.csv"
    row = f'"{HENDRA_REGISTRY}";"Hendra Wijaya";"1979-09-09";"10000001";"4200000";"AKTIF"\r\n'
    participants.write_bytes(participants.read_bytes() + row.encode())
