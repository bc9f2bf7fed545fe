"""The landing folder of one period: which file carries which shape, and how rows are written.

Shapes (contract section 1), one or more per file:

- registry/employers.csv      UTF-8 with BOM, `;`, every field quoted, DD/MM/YYYY, programs with
                              mixed separators, `62.71` and `6271`
- registry/participants.parquet  typed columns under alias names, dates as date32
- registry/projects.csv       UTF-8, tab-delimited
- payroll/01_*.csv            UTF-8, `,`, quoted only where needed, `4500000` and `4500000.0`,
                              ISO dates, NIKs sometimes typed in groups, rows for another period
- payroll/02_*.csv            UTF-8, `;`, all quoted, `4.500.000,00` and `4.500.000`, NPWP only,
                              no birth date, headers `No. KTP`, `Nama Pekerja`, `GAJI-BRUTO`
- payroll/03_*.parquet        canonical names, typed
- payroll/04_*.csv            Windows-1252, tab, CRLF, `Rp 4.500.000`, DD/MM/YYYY, `Pérez`
- payroll/05_*.xlsx           two title rows, number and date cells
- payroll/06_*.xlsx           one title row, amounts and dates as text
- payroll/07_koreksi_<prev>   UTF-8 with BOM, all quoted, DD-MM-YYYY: only the previous period
- payroll/08_*.xlsx, 09_*.parquet  unreadable: an HTML page, and a truncated Parquet file
- permits/business.csv        UTF-8, `,`, CRLF, mostly `6271`, DD-MM-YYYY
- permits/construction.xlsx   two title rows, number/date cells, a second sheet of notes
- survey/labor_force.xlsx     two blank rows above the header
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.demo import formats as fmt
from pipeline.demo.records import PeriodRecords
from pipeline.demo.sinks import (
    CsvSink,
    ParquetSink,
    Sink,
    XlsxSink,
    to_table,
    write_not_a_spreadsheet,
    write_truncated_parquet,
)
from pipeline.portal.text import MONTHS

EMPLOYERS = "registry/employers.csv"
PARTICIPANTS = "registry/participants.parquet"
PROJECTS = "registry/projects.csv"
BUSINESS = "permits/business.csv"
CONSTRUCTION = "permits/construction.xlsx"
SURVEY = "survey/labor_force.xlsx"
PAYROLL = {
    1: "payroll/01_pajak_pph21_{p}.csv",
    2: "payroll/02_disnaker_wlkp_{p}.csv",
    3: "payroll/03_bulk_{p}.parquet",
    4: "payroll/04_umkm_{p}.csv",
    5: "payroll/05_pt_sinar_kahayan_{p}.xlsx",
    6: "payroll/06_cv_barito_makmur_{p}.xlsx",
    7: "payroll/07_koreksi_{prev}.csv",
}
NOT_A_SPREADSHEET = "payroll/08_rekap_lembur_{p}.xlsx"
TRUNCATED = "payroll/09_export_{p}.parquet"

PAYROLL_SCHEMA = pa.schema(
    [
        ("employer_npwp", pa.string()),
        ("employer_nib", pa.string()),
        ("employer_name", pa.string()),
        ("nik", pa.string()),
        ("full_name", pa.string()),
        ("birth_date", pa.date32()),
        ("gross_wage", pa.float64()),
        ("period", pa.string()),
        ("work_regency_code", pa.string()),
        ("employment_type", pa.string()),
    ]
)
PARTICIPANT_SCHEMA = pa.schema(
    [
        ("no_kpj", pa.string()),
        ("no_ktp", pa.string()),
        ("nama_lengkap", pa.string()),
        ("tgl_lahir", pa.date32()),
        ("no_npp", pa.string()),
        ("upah_dilaporkan", pa.float64()),
        ("status_kepesertaan", pa.string()),
    ]
)

SOURCES = {
    EMPLOYERS: "registry/employers",
    PARTICIPANTS: "registry/participants",
    PROJECTS: "registry/projects",
    BUSINESS: "permits/business",
    CONSTRUCTION: "permits/construction",
    SURVEY: "survey/labor_force",
}


def source_of(file: str) -> str:
    return "payroll" if file.startswith("payroll/") else SOURCES[file]


@dataclass
class PeriodLanding:
    """Sinks of one period's landing folder, and the bad rows written into them."""

    root: Path
    period: str
    previous: str
    rng: np.random.Generator
    sinks: dict[str, Sink] = field(default_factory=dict)
    quarantine: list[tuple[str, str, int | None, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        base = self.root / self.period
        self.sinks = _open_sinks(base, self.period, self.previous)

    def payroll_file(self, number: int) -> str:
        return PAYROLL[number].format(p=self.period, prev=self.previous)

    def write(self, records: PeriodRecords) -> None:
        self._append(EMPLOYERS, records.employers, _employers(records.employers, self.rng))
        self._append(PARTICIPANTS, records.participants, _participants(records.participants))
        self._append(PROJECTS, records.projects, _projects(records.projects))
        self._append(BUSINESS, records.business, _business(records.business, self.rng))
        self._append(CONSTRUCTION, records.construction, _construction(records.construction))
        pay = records.payroll
        files = pay.file.to_numpy()
        for number in sorted(PAYROLL):
            rows = pay.loc[files == number]
            rendered = PAYROLL_RENDER[number](rows, self.rng)
            self._append(self.payroll_file(number), rows, rendered)

    def write_survey(self, survey: pd.DataFrame) -> None:
        self._append(SURVEY, survey, _survey(survey, self.rng))

    def _append(self, file: str, records: pd.DataFrame, rendered: pd.DataFrame) -> None:
        first = self.sinks[file].append(rendered)
        bad = records.bad.to_numpy()
        for offset in np.flatnonzero(pd.notna(bad)):
            self.quarantine.append((source_of(file), file, first + int(offset), str(bad[offset])))

    def close(self, sample: pd.DataFrame) -> list[dict]:
        """Close every file and add the unreadable ones; returns the per-file row counts."""
        for sink in self.sinks.values():
            sink.close()
        base = self.root / self.period
        broken = [NOT_A_SPREADSHEET.format(p=self.period), TRUNCATED.format(p=self.period)]
        write_not_a_spreadsheet(base / broken[0])
        write_truncated_parquet(base / broken[1], to_table(_payroll_parquet(sample), PAYROLL_SCHEMA))
        counts: dict[str, int] = {}
        for _, file, _, _ in self.quarantine:
            counts[file] = counts.get(file, 0) + 1
        stats = [
            {
                "file": file,
                "rows_received": sink.rows,
                "rows_accepted": sink.rows - counts.get(file, 0),
                "rows_quarantined": counts.get(file, 0),
            }
            for file, sink in self.sinks.items()
        ]
        for file in broken:
            self.quarantine.append(("payroll", file, None, "unreadable_file"))
            stats.append({"file": file, "rows_received": 0, "rows_accepted": 0, "rows_quarantined": 0})
        return sorted(stats, key=lambda s: s["file"])


def _open_sinks(base: Path, period: str, previous: str) -> dict[str, Sink]:
    month = MONTHS[int(period[5:7]) - 1]
    sinks: dict[str, Sink] = {
        EMPLOYERS: CsvSink(
            base / EMPLOYERS, EMPLOYER_HEADERS, sep=";", quoting=csv.QUOTE_ALL, encoding="utf-8-sig"
        ),
        PARTICIPANTS: ParquetSink(base / PARTICIPANTS, PARTICIPANT_SCHEMA),
        PROJECTS: CsvSink(base / PROJECTS, ["Nomor SPK", "No Registrasi Proyek", "Tgl Daftar"], sep="\t"),
        BUSINESS: CsvSink(base / BUSINESS, BUSINESS_HEADERS, lineterminator="\r\n"),
        CONSTRUCTION: XlsxSink(
            base / CONSTRUCTION,
            CONSTRUCTION_HEADERS,
            CONSTRUCTION_KINDS,
            titles=(
                "REKAPITULASI PBG / SPK JASA KONSTRUKSI",
                f"Dinas PUPR, keadaan akhir {month} {period[:4]}",
            ),
            notes_sheet=("Nilai kontrak dalam rupiah.", "Sumber: SIMBG dan LPSE."),
        ),
        SURVEY: XlsxSink(
            base / SURVEY, SURVEY_HEADERS, ["text", "text", "number", "number", "text"], blank_rows=2
        ),
    }
    p = {"p": period, "prev": previous}
    sinks[PAYROLL[1].format(**p)] = CsvSink(base / PAYROLL[1].format(**p), PAY1_HEADERS)
    sinks[PAYROLL[2].format(**p)] = CsvSink(
        base / PAYROLL[2].format(**p), PAY2_HEADERS, sep=";", quoting=csv.QUOTE_ALL
    )
    sinks[PAYROLL[3].format(**p)] = ParquetSink(base / PAYROLL[3].format(**p), PAYROLL_SCHEMA)
    sinks[PAYROLL[4].format(**p)] = CsvSink(
        base / PAYROLL[4].format(**p), PAY4_HEADERS, sep="\t", encoding="cp1252", lineterminator="\r\n"
    )
    sinks[PAYROLL[5].format(**p)] = XlsxSink(
        base / PAYROLL[5].format(**p),
        PAY5_HEADERS,
        PAY5_KINDS,
        titles=("DAFTAR UPAH KARYAWAN PT SINAR KAHAYAN SEJAHTERA", f"Periode: {month} {period[:4]}"),
    )
    sinks[PAYROLL[6].format(**p)] = XlsxSink(
        base / PAYROLL[6].format(**p),
        PAY6_HEADERS,
        ["text"] * len(PAY6_HEADERS),
        titles=("Rekap Gaji CV Barito Makmur",),
    )
    sinks[PAYROLL[7].format(**p)] = CsvSink(
        base / PAYROLL[7].format(**p), PAY7_HEADERS, quoting=csv.QUOTE_ALL, encoding="utf-8-sig"
    )
    return sinks


def _choice(rng: np.random.Generator, n: int, options: list[int], p: list[float]) -> np.ndarray:
    return rng.choice(np.array(options), n, p=p)


# --- registry ---------------------------------------------------------------------------------

EMPLOYER_HEADERS = [
    "No NPP",
    "Nama Badan Usaha",
    "NIB",
    "NPWP Perusahaan",
    "Kode Wilayah",
    "Kode KBLI",
    "Skala Usaha",
    "Program",
    "Status Kepesertaan",
    "Tgl Daftar",
    "Alamat",
]
STREETS = np.array(
    [
        "Jl. Tjilik Riwut",
        "Jl. G. Obos",
        "Jl. RTA Milono",
        "Jl. Ahmad Yani",
        "Jl. Diponegoro",
        "Jl. Jenderal Sudirman",
        "Jl. Imam Bonjol",
    ]
)


def _employers(e: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(e)
    return pd.DataFrame(
        {
            "npp": fmt.text(e.npp),
            "name": fmt.text(e.employer_name),
            "nib": fmt.text(e.nib),
            "npwp": fmt.text(e.npwp),
            "regency": fmt.regency_text(e.regency_code, rng.random(n) < 0.1),
            "kbli": fmt.text(e.kbli),
            "scale": fmt.text(e.scale),
            "programs": fmt.programs_text(e.programs, rng.integers(0, 5, n), e.programs_text),
            "status": fmt.text(e.status),
            "registered_on": fmt.date_text(e.registered_on, fmt.DMY_SLASH),
            "address": pd.Series(rng.choice(STREETS, n))
            + " No. "
            + pd.Series(rng.integers(1, 250, n)).astype(str),
        }
    )


def _participants(p: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "no_kpj": p.kpj.to_numpy(),
            "no_ktp": p.nik.to_numpy(),
            "nama_lengkap": p.full_name.to_numpy(),
            "tgl_lahir": p.birth_date.to_numpy(),
            "no_npp": p.npp.to_numpy(),
            "upah_dilaporkan": p.reported_wage.to_numpy(dtype=float),
            "status_kepesertaan": p.status.to_numpy(),
        }
    )


def _projects(p: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "permit": fmt.text(p.permit_number),
            "registration": fmt.text(p.project_registration_number),
            "registered_on": fmt.date_text(p.registered_on, fmt.DMY_SLASH),
        }
    )


# --- payroll ----------------------------------------------------------------------------------

PAY1_HEADERS = [
    "NIK",
    "Nama",
    "Tanggal Lahir",
    "NIB",
    "NPWP",
    "Nama Perusahaan",
    "Gaji",
    "Periode",
    "Lokasi Kerja",
    "Status Kerja",
]
PAY2_HEADERS = [
    "No. KTP",
    "Nama Pekerja",
    "NPWP Pemberi Kerja",
    "nama_perusahaan",
    "GAJI-BRUTO",
    "Status Kerja",
]
PAY4_HEADERS = [
    "nomor_induk_kependudukan",
    "Nama Karyawan",
    "tgl_lahir",
    "NIB",
    "NPWP",
    "Nama Perusahaan",
    "Total Upah",
    "periode",
]
PAY5_HEADERS = [
    "No",
    "No KTP",
    "Nama Karyawan",
    "Tgl Lahir",
    "NPWP",
    "Gaji Bruto",
    "Kode Wilayah",
    "Status Kerja",
]
PAY5_KINDS = ["number", "text", "text", "date", "text", "number", "text", "text"]
PAY6_HEADERS = ["NIK", "Nama", "Tanggal-Lahir", "NIB", "Upah", "Periode"]
PAY7_HEADERS = ["nik", "nama", "tgl_lahir", "npwp_perusahaan", "nib", "gaji_bruto", "periode"]


def _pay1(p: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(p)
    return pd.DataFrame(
        {
            "nik": fmt.nik_text(p.nik, p.nik_style.to_numpy() == 1),
            "name": fmt.text(p.full_name),
            "birth": fmt.date_text(p.birth_date, fmt.ISO),
            "nib": fmt.text(p.nib),
            "npwp": fmt.text(p.npwp),
            "employer": fmt.text(p.employer_name),
            "wage": fmt.amount_text(
                p.wage, _choice(rng, n, [fmt.PLAIN, fmt.DOT_ZERO], [0.8, 0.2]), p.wage_text
            ),
            "period": fmt.text(p.period),
            "regency": fmt.regency_text(p.work_regency_code, rng.random(n) < 0.2),
            "type": fmt.text(p.employment_type),
        }
    )


def _pay2(p: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(p)
    styles = _choice(rng, n, [fmt.THOUSANDS_DECIMALS, fmt.THOUSANDS], [0.6, 0.4])
    return pd.DataFrame(
        {
            "nik": fmt.nik_text(p.nik, p.nik_style.to_numpy() == 1),
            "name": fmt.text(p.full_name),
            "npwp": fmt.text(p.npwp),
            "employer": fmt.text(p.employer_name),
            "wage": fmt.amount_text(p.wage, styles, p.wage_text),
            "type": fmt.text(p.employment_type),
        }
    )


def _payroll_parquet(p: pd.DataFrame, _rng: np.random.Generator | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "employer_npwp": p.npwp.to_numpy(),
            "employer_nib": p.nib.to_numpy(),
            "employer_name": p.employer_name.to_numpy(),
            "nik": p.nik.to_numpy(),
            "full_name": p.full_name.to_numpy(),
            "birth_date": p.birth_date.to_numpy(),
            "gross_wage": p.wage.to_numpy(dtype=float),
            "period": p.period.to_numpy(),
            "work_regency_code": p.work_regency_code.to_numpy(),
            "employment_type": p.employment_type.to_numpy(),
        }
    )


def _pay4(p: pd.DataFrame, _rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "nik": fmt.text(p.nik),
            "name": fmt.text(p.full_name),
            "birth": fmt.date_text(p.birth_date, fmt.DMY_SLASH),
            "nib": fmt.text(p.nib),
            "npwp": fmt.text(p.npwp),
            "employer": fmt.text(p.employer_name),
            "wage": fmt.amount_text(p.wage, fmt.RUPIAH, p.wage_text),
            "period": fmt.text(p.period),
        }
    )


def _pay5(p: pd.DataFrame, _rng: np.random.Generator) -> pd.DataFrame:
    wage = pd.Series(p.wage.to_numpy(dtype=float), dtype=object)
    wage = wage.where(p.wage_text.isna().to_numpy(), p.wage_text.to_numpy())
    return pd.DataFrame(
        {
            "no": np.arange(1, len(p) + 1),
            "nik": fmt.text(p.nik),
            "name": fmt.text(p.full_name),
            "birth": p.birth_date.to_numpy(),
            "npwp": fmt.text(p.npwp),
            "wage": wage.to_numpy(),
            "regency": fmt.text(p.work_regency_code),
            "type": fmt.text(p.employment_type),
        }
    )


def _pay6(p: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(p)
    styles = _choice(rng, n, [fmt.RUPIAH, fmt.THOUSANDS_DECIMALS], [0.5, 0.5])
    return pd.DataFrame(
        {
            "nik": fmt.text(p.nik),
            "name": fmt.text(p.full_name),
            "birth": fmt.date_text(p.birth_date, fmt.DMY_DASH),
            "nib": fmt.text(p.nib),
            "wage": fmt.amount_text(p.wage, styles, p.wage_text),
            "period": fmt.text(p.period),
        }
    )


def _pay7(p: pd.DataFrame, _rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "nik": fmt.text(p.nik),
            "name": fmt.text(p.full_name),
            "birth": fmt.date_text(p.birth_date, fmt.DMY_DASH),
            "npwp": fmt.text(p.npwp),
            "nib": fmt.text(p.nib),
            "wage": fmt.amount_text(p.wage, fmt.PLAIN, p.wage_text),
            "period": fmt.text(p.period),
        }
    )


PAYROLL_RENDER = {1: _pay1, 2: _pay2, 3: _payroll_parquet, 4: _pay4, 5: _pay5, 6: _pay6, 7: _pay7}


# --- permits and survey -----------------------------------------------------------------------

BUSINESS_HEADERS = [
    "Nomor Induk Berusaha",
    "NPWP",
    "Nama Usaha",
    "KBLI",
    "Kode Wilayah",
    "Skala Usaha",
    "Jumlah Tenaga Kerja",
    "Tgl Terbit",
    "Status Izin",
]
CONSTRUCTION_HEADERS = [
    "No Izin",
    "Nama Proyek",
    "NIB Kontraktor",
    "NPWP Kontraktor",
    "Nama Kontraktor",
    "Kode Wilayah",
    "Nilai Kontrak",
    "Tgl Mulai",
    "Tgl Selesai",
    "Jumlah Tenaga Kerja",
]
CONSTRUCTION_KINDS = ["text", "text", "text", "text", "text", "text", "number", "date", "date", "number"]
SURVEY_HEADERS = ["Kode Wilayah", "Lapangan Usaha", "Pekerja Formal", "Pekerja Informal", "Periode Survei"]


def _business(b: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(b)
    return pd.DataFrame(
        {
            "nib": fmt.text(b.nib),
            "npwp": fmt.text(b.npwp),
            "name": fmt.text(b.business_name),
            "kbli": fmt.text(b.kbli),
            "regency": fmt.regency_text(b.regency_code, rng.random(n) < 0.7),
            "scale": fmt.text(b.scale),
            "declared": fmt.whole_numbers(b.declared_workers),
            "issued_on": fmt.date_text(b.issued_on, fmt.DMY_DASH),
            "status": fmt.text(b.status),
        }
    )


def _construction(c: pd.DataFrame) -> pd.DataFrame:
    value = pd.Series(c.contract_value.to_numpy(dtype=float), dtype=object)
    value = value.where(c.value_text.isna().to_numpy(), c.value_text.to_numpy())
    return pd.DataFrame(
        {
            "permit": fmt.text(c.permit_number),
            "project": fmt.text(c.project_name),
            "nib": fmt.text(c.contractor_nib),
            "npwp": fmt.text(c.contractor_npwp),
            "contractor": fmt.text(c.contractor_name),
            "regency": fmt.text(c.regency_code),
            "value": value.to_numpy(),
            "start": c.start_on.to_numpy(),
            "end": c.end_on.to_numpy(),
            "declared": c.declared_workers.to_numpy(dtype=float),
        }
    )


def _survey(s: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "regency": fmt.regency_text(s.regency_code, rng.random(len(s)) < 0.2),
            "sector": fmt.text(s.sector),
            "formal": s.formal_workers.to_numpy(dtype=float),
            "informal": s.informal_workers.to_numpy(dtype=float),
            "round": fmt.text(s.survey_round),
        }
    )
