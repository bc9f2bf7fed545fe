"""The landing contract (CONTRACT.md sections 1 and 2) as data: sources, columns, aliases, types.

Readers and the standardiser are driven by this table, so a new alias or column is one line here.
The row rules themselves (what makes a value valid) live in the expectation suites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# How a raw text value is standardised (see pipeline/ingest/standardise.sql for each parser).
TEXT = "text"  # trimmed, inner whitespace folded
UPPER = "upper"  # trimmed, upper-cased code (scale, status, employment type, sector)
NIK = "nik"  # punctuation removed; validity is the suite's business
NIB = "nib"  # 13 digits, else null
NPWP = "npwp"  # 16 digits (a 15-digit NPWP gets its leading 0), else null
IDENT = "ident"  # punctuation removed, letters kept (NPP, KPJ)
DOCUMENT = "document"  # permit numbers: upper-cased, whitespace folded, punctuation kept
AMOUNT = "amount"  # IDR in any of the contract's notations -> DOUBLE
COUNT = "count"  # a number of workers -> DOUBLE (survey weights are fractional)
DATE = "date"  # YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY or a spreadsheet date -> DATE
REGION = "region"  # `62.71` or `6271` -> `62.71`
KBLI = "kbli"  # digits of a KBLI code
PROGRAMS = "programs"  # `JKK; jkm/JHT` -> `JHT;JKK;JKM` (sorted, deduplicated)
PERIOD = "period"  # `2026-10`, `202610`, `10/2026` or a date -> `2026-10`


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """One kind of extract in the landing folder."""

    name: str  # `registry/employers`, `payroll`, ...
    columns: tuple[Column, ...]
    required: bool = False  # the run stops without it
    many_files: bool = False  # payroll/*: any number of files with any names
    # Groups of columns of which at least one must be present in the header.
    one_of: tuple[tuple[str, ...], ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def header_map(self) -> dict[str, str]:
        """Normalised header name or alias -> canonical column name."""
        mapping: dict[str, str] = {}
        for column in self.columns:
            for name in (column.name, *column.aliases):
                mapping.setdefault(normalise_header(name), column.name)
        return mapping

    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def normalise_header(name: str) -> str:
    """Case-insensitive, trimmed, spaces/dots/dashes folded to `_` (contract section 1)."""
    folded = re.sub(r"[\s.\-]+", "_", str(name).replace("\ufeff", "").strip().lower())
    return re.sub(r"_+", "_", folded).strip("_")


def _c(name: str, kind: str, *aliases: str, required: bool = False) -> Column:
    return Column(name, kind, required, aliases)


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "registry/employers",
            (
                _c("npp", IDENT, "no_npp", "nomor_pendaftaran_perusahaan", required=True),
                _c("nib", NIB, "nomor_induk_berusaha"),
                _c("npwp", NPWP, "npwp_perusahaan"),
                _c("employer_name", TEXT, "nama_perusahaan", "nama_badan_usaha", required=True),
                _c("regency_code", REGION, "kode_wilayah", "kode_kab_kota", required=True),
                _c("kbli", KBLI, "kode_kbli"),
                _c("scale", UPPER, "skala_usaha"),
                _c("programs", PROGRAMS, "program", required=True),
                _c("status", UPPER, "status_kepesertaan", required=True),
                _c("registered_on", DATE, "tgl_daftar"),
            ),
            required=True,
        ),
        Source(
            "registry/participants",
            (
                _c("kpj", IDENT, "no_kpj"),
                _c("nik", NIK, "no_ktp", "nomor_induk_kependudukan", required=True),
                _c("full_name", TEXT, "nama", "nama_lengkap", "nama_peserta", required=True),
                _c("birth_date", DATE, "tgl_lahir", "tanggal_lahir"),
                _c("npp", IDENT, "no_npp", required=True),
                _c("reported_wage", AMOUNT, "upah", "upah_dilaporkan", required=True),
                _c("status", UPPER, "status_kepesertaan", required=True),
            ),
            required=True,
        ),
        Source(
            "registry/projects",
            (
                _c("permit_number", DOCUMENT, "no_izin", "nomor_spk", required=True),
                _c("project_registration_number", DOCUMENT, "no_registrasi_proyek"),
            ),
        ),
        Source(
            "payroll",
            (
                _c("employer_npwp", NPWP, "npwp", "npwp_perusahaan", "npwp_pemberi_kerja"),
                _c("employer_nib", NIB, "nib"),
                _c("employer_name", TEXT, "nama_perusahaan"),
                _c("nik", NIK, "no_ktp", "nomor_induk_kependudukan", required=True),
                _c("full_name", TEXT, "nama", "nama_pekerja", "nama_karyawan", required=True),
                _c("birth_date", DATE, "tgl_lahir", "tanggal_lahir"),
                _c("gross_wage", AMOUNT, "gaji", "gaji_bruto", "upah", "total_upah", required=True),
                _c("period", PERIOD, "periode", "bulan"),
                _c("work_regency_code", REGION, "lokasi_kerja", "kode_wilayah"),
                _c("employment_type", UPPER, "status_kerja"),
            ),
            many_files=True,
            one_of=(("employer_npwp", "employer_nib"),),
        ),
        Source(
            "permits/business",
            (
                _c("nib", NIB, "nomor_induk_berusaha", required=True),
                _c("npwp", NPWP),
                _c("business_name", TEXT, "nama_usaha", "nama_perusahaan", required=True),
                _c("kbli", KBLI, "kode_kbli"),
                _c("regency_code", REGION, "kode_wilayah", required=True),
                _c("scale", UPPER, "skala_usaha"),
                _c("declared_workers", COUNT, "jumlah_tenaga_kerja", "jumlah_tk"),
                _c("issued_on", DATE, "tgl_terbit"),
                _c("status", UPPER, "status_izin"),
            ),
        ),
        Source(
            "permits/construction",
            (
                _c("permit_number", DOCUMENT, "no_izin", "nomor_spk", required=True),
                _c("project_name", TEXT, "nama_proyek", required=True),
                _c("contractor_nib", NIB, "nib_kontraktor"),
                _c("contractor_npwp", NPWP, "npwp_kontraktor"),
                _c("contractor_name", TEXT, "nama_kontraktor"),
                _c("regency_code", REGION, "kode_wilayah", required=True),
                _c("contract_value", AMOUNT, "nilai_kontrak", required=True),
                _c("start_on", DATE, "tgl_mulai", required=True),
                _c("end_on", DATE, "tgl_selesai", required=True),
                _c("declared_workers", COUNT, "jumlah_tenaga_kerja"),
            ),
            one_of=(("contractor_nib", "contractor_npwp"),),
        ),
        Source(
            "survey/labor_force",
            (
                _c("regency_code", REGION, "kode_wilayah", required=True),
                _c("sector", UPPER, "lapangan_usaha"),
                _c("formal_workers", COUNT, "pekerja_formal", required=True),
                _c("informal_workers", COUNT, "pekerja_informal"),
                _c("survey_round", PERIOD, "periode_survei"),
            ),
        ),
    )
}

_SQL_TYPES = {AMOUNT: "double", COUNT: "double", DATE: "date"}


def empty_relation_sql(source: Source) -> str:
    """A select of no rows with the source's standardised columns and lineage, typed."""
    columns = ", ".join(f"null::{_SQL_TYPES.get(c.kind, 'varchar')} as {c.name}" for c in source.columns)
    return (
        "select null::varchar as _source, null::varchar as _file, null::varchar as _file_sha256, "
        f"null::bigint as _row_number, {columns} where false"
    )


REGISTRY_SOURCES = ("registry/employers", "registry/participants")
FILE_SUFFIXES = (".csv", ".xlsx", ".parquet")
