"""Tests of the demo generator.

Besides determinism, shapes and row accounting, the generator's truth is checked against an
independent reading of the files it wrote: a small reader here parses every landing file the
way the contract describes, applies the row rules and the finding rules with its own code, and
must arrive at exactly the truth's quarantine, findings and coverage. That is what makes the
truth usable as an oracle for the pipeline.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import time
from fractions import Fraction
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline.demo import refdata as ref
from pipeline.demo.generate import MIN_EMPLOYERS, generate

PERIOD = "2026-10"
EMPLOYERS = 200


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, float]:
    out = tmp_path_factory.mktemp("demo")
    started = time.perf_counter()
    summary = generate(out, employers=EMPLOYERS, seed=11, period=PERIOD)
    return out, summary, time.perf_counter() - started


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("history")
    return out, generate(out, employers=MIN_EMPLOYERS + 40, seed=5, period="2026-03", periods=3)


def truth(out: Path, period: str, name: str) -> pd.DataFrame:
    return pd.read_csv(out / "truth" / period / name, dtype=str, keep_default_na=False)


def summary_json(out: Path, period: str) -> dict:
    return json.loads((out / "truth" / period / "summary.json").read_text(encoding="utf-8"))


# --- layout, determinism, speed ---------------------------------------------------------------


def test_writes_every_source_and_keeps_truth_outside_the_period(demo):
    out, summary, _ = demo
    landing = out / PERIOD
    for source in (
        "registry/employers",
        "registry/participants",
        "registry/projects",
        "permits/business",
        "permits/construction",
        "survey/labor_force",
    ):
        assert len(list(landing.glob(source + ".*"))) == 1, source
    assert len(list((landing / "payroll").iterdir())) >= 6
    assert not (landing / "truth").exists()
    for name in ("findings.csv", "quarantine.csv", "coverage.csv", "files.csv", "summary.json"):
        assert (out / "truth" / PERIOD / name).is_file()
    assert summary["periods"] == [PERIOD]
    assert list(truth(out, PERIOD, "findings.csv").columns) == [
        "period",
        "category",
        "employer_key",
        "workers_affected",
        "estimated_contribution_monthly",
    ]
    assert list(truth(out, PERIOD, "quarantine.csv").columns) == ["source", "file", "row_number", "reason"]
    assert list(truth(out, PERIOD, "coverage.csv").columns) == [
        "level",
        "region_code",
        "region_name",
        "formal_workers",
        "registered_workers",
        "coverage_pct",
    ]


def test_small_run_is_fast(demo):
    assert demo[2] < 15


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_and_another_seed_differs(tmp_path: Path):
    generate(tmp_path / "a", employers=MIN_EMPLOYERS, seed=3)
    generate(tmp_path / "b", employers=MIN_EMPLOYERS, seed=3)
    generate(tmp_path / "c", employers=MIN_EMPLOYERS, seed=4)
    a, b, c = (digest(tmp_path / x) for x in "abc")
    assert a == b
    assert a.keys() == c.keys() and a != c


def test_rejects_arguments_it_cannot_honour(tmp_path: Path):
    with pytest.raises(ValueError):
        generate(tmp_path, employers=MIN_EMPLOYERS - 1, seed=1)
    with pytest.raises(ValueError):
        generate(tmp_path, employers=MIN_EMPLOYERS, seed=1, period="2026-13")
    with pytest.raises(ValueError):
        generate(tmp_path, employers=MIN_EMPLOYERS, seed=1, periods=0)


def test_progress_callback_is_called(tmp_path: Path):
    messages: list[str] = []
    generate(tmp_path, employers=MIN_EMPLOYERS, seed=2, progress=messages.append)
    assert messages and all(isinstance(m, str) for m in messages)


# --- shapes -----------------------------------------------------------------------------------


def test_every_file_shape_is_present(demo):
    out = demo[0] / PERIOD
    raw = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.csv")}
    assert any(b.startswith(b"\xef\xbb\xbf") for b in raw.values()), "UTF-8 with BOM"
    assert any(not b.startswith(b"\xef\xbb\xbf") and _utf8(b) for b in raw.values())
    windows = [b for b in raw.values() if not _utf8(b)]
    assert windows and "Pérez".encode("cp1252") in windows[0], "Windows-1252 with a non-ASCII name"
    first_lines = [_text(b).splitlines()[0] for b in raw.values()]
    assert any(";" in line for line in first_lines)
    assert any("\t" in line for line in first_lines)
    assert any(line.startswith("NIK,") for line in first_lines)
    assert any(line.startswith('"') for line in first_lines), "quoted"
    assert any(not line.startswith('"') for line in first_lines), "unquoted"
    assert any(b"\r\n" in b for b in raw.values()) and any(b"\r\n" not in b for b in raw.values())
    assert list(out.rglob("*.parquet")) and list(out.rglob("*.xlsx"))
    text = "\n".join(_text(b) for b in raw.values())
    for header in ("No. KTP", "Nama Pekerja", "GAJI-BRUTO", "Tanggal Lahir", "nama_perusahaan"):
        assert header in text
    for amount in (
        r",\d{7},",
        r",\d{7}\.0,",
        r'"\d\.\d{3}\.\d{3}"',
        r'"\d\.\d{3}\.\d{3},00"',
        r"Rp \d\.\d{3}\.\d{3}",
    ):
        assert re.search(amount, text), amount
    for date in (r"\d{4}-\d\d-\d\d", r"\d\d/\d\d/\d{4}", r"\d\d-\d\d-\d{4}"):
        assert re.search(date, text), date
    assert re.search(r"\d\d\.\d{3}\.\d{3}\.\d-\d{3}\.\d{3}", text), "punctuated NPWP"
    assert re.search(r"[,;\"\t]\d{15}[,;\"\t]", text) and re.search(r"[,;\"\t]0\d{15}[,;\"\t]", text), (
        "15 and 16 digits"
    )
    assert re.search(r"[,;\"\t]0\d{12}[,;\"\t]", text), "NIB with a leading zero"
    assert re.search(r"[,;\"\t]62\d\d[,;\"\t]", text) and "62.71" in text, "6271 and 62.71"


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _text(data: bytes) -> str:
    return data.decode("utf-8-sig") if _utf8(data) else data.decode("cp1252")


def test_xlsx_files_have_title_rows_and_typed_cells(demo):
    out = demo[0] / PERIOD
    book = openpyxl.load_workbook(out / f"payroll/05_pt_sinar_kahayan_{PERIOD}.xlsx")
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0].startswith("DAFTAR UPAH") and rows[1][0].startswith("Periode")
    assert "No KTP" in rows[2]
    data = rows[3]
    assert isinstance(data[3], dt.datetime) and isinstance(data[5], float | int)
    assert isinstance(data[1], str) and len(data[1]) == 16
    one_title = list(
        openpyxl.load_workbook(out / f"payroll/06_cv_barito_makmur_{PERIOD}.xlsx")
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert one_title[1][0] == "NIK"
    construction = openpyxl.load_workbook(out / "permits/construction.xlsx")
    assert len(construction.worksheets) == 2
    permits = list(construction.worksheets[0].iter_rows(values_only=True))
    assert permits[2][0] == "No Izin" and isinstance(permits[3][7], dt.datetime)


def test_identifiers_are_well_formed_and_kalteng_dominates(demo):
    out = demo[0] / PERIOD
    regencies = set(_regions().regencies)
    participants = pq.read_table(out / "registry/participants.parquet").to_pandas()
    quarantined = set(
        truth(demo[0], PERIOD, "quarantine.csv")
        .query("file == 'registry/participants.parquet'")
        .row_number.astype(int)
    )
    good = participants.loc[[i + 1 not in quarantined for i in range(len(participants))]]
    assert all(_valid_nik(n, regencies) for n in good.no_ktp)
    assert (good.no_ktp.str[:2] == "62").mean() > 0.6
    employers = pd.read_csv(
        out / "registry/employers.csv", sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False
    )
    assert employers["No NPP"].str.fullmatch(r"\d{8}").all()
    assert {"62", "32"} <= set(employers["Kode Wilayah"].str[:2])


# --- an independent reading of the landing folder ---------------------------------------------

ALIASES = {
    "registry/employers": {
        "npp": ["no_npp", "nomor_pendaftaran_perusahaan"],
        "nib": ["nomor_induk_berusaha"],
        "npwp": ["npwp_perusahaan"],
        "employer_name": ["nama_perusahaan", "nama_badan_usaha"],
        "regency_code": ["kode_wilayah", "kode_kab_kota"],
        "kbli": ["kode_kbli"],
        "scale": ["skala_usaha"],
        "programs": ["program"],
        "status": ["status_kepesertaan"],
        "registered_on": ["tgl_daftar"],
    },
    "registry/participants": {
        "kpj": ["no_kpj"],
        "nik": ["no_ktp", "nomor_induk_kependudukan"],
        "full_name": ["nama", "nama_lengkap", "nama_peserta"],
        "birth_date": ["tgl_lahir", "tanggal_lahir"],
        "npp": ["no_npp"],
        "reported_wage": ["upah", "upah_dilaporkan"],
        "status": ["status_kepesertaan"],
    },
    "registry/projects": {
        "permit_number": ["no_izin", "nomor_spk"],
        "project_registration_number": ["no_registrasi_proyek"],
    },
    "payroll": {
        "employer_npwp": ["npwp", "npwp_perusahaan", "npwp_pemberi_kerja"],
        "employer_nib": ["nib"],
        "employer_name": ["nama_perusahaan"],
        "nik": ["no_ktp", "nomor_induk_kependudukan"],
        "full_name": ["nama", "nama_pekerja", "nama_karyawan"],
        "birth_date": ["tgl_lahir", "tanggal_lahir"],
        "gross_wage": ["gaji", "gaji_bruto", "upah", "total_upah"],
        "period": ["periode", "bulan"],
        "work_regency_code": ["lokasi_kerja", "kode_wilayah"],
        "employment_type": ["status_kerja"],
    },
    "permits/business": {
        "nib": ["nomor_induk_berusaha"],
        "npwp": [],
        "business_name": ["nama_usaha", "nama_perusahaan"],
        "kbli": ["kode_kbli"],
        "regency_code": ["kode_wilayah"],
        "scale": ["skala_usaha"],
        "declared_workers": ["jumlah_tenaga_kerja", "jumlah_tk"],
        "issued_on": ["tgl_terbit"],
        "status": ["status_izin"],
    },
    "permits/construction": {
        "permit_number": ["no_izin", "nomor_spk"],
        "project_name": ["nama_proyek"],
        "contractor_nib": ["nib_kontraktor"],
        "contractor_npwp": ["npwp_kontraktor"],
        "contractor_name": ["nama_kontraktor"],
        "regency_code": ["kode_wilayah"],
        "contract_value": ["nilai_kontrak"],
        "start_on": ["tgl_mulai"],
        "end_on": ["tgl_selesai"],
        "declared_workers": ["jumlah_tenaga_kerja"],
    },
    "survey/labor_force": {
        "regency_code": ["kode_wilayah"],
        "sector": ["lapangan_usaha"],
        "formal_workers": ["pekerja_formal"],
        "informal_workers": ["pekerja_informal"],
        "survey_round": ["periode_survei"],
    },
}


def _regions() -> ref.Regions:
    return ref.load_regions(ref.find_regions_file())


def _header_key(name: object) -> str:
    return re.sub(r"[\s.\-_]+", "_", str(name).strip().lower()).strip("_")


def _canonical(source: str) -> dict[str, str]:
    names = {}
    for canonical, aliases in ALIASES[source].items():
        for alias in [canonical, *aliases]:
            names[alias] = canonical
    return names


def read_records(path: Path, source: str) -> list[dict]:
    """Records of a landing file keyed by canonical column; raises if unreadable."""
    names = _canonical(source)
    if path.suffix == ".parquet":
        rows = pq.read_table(path).to_pylist()
        return [{names[_header_key(k)]: v for k, v in r.items() if _header_key(k) in names} for r in rows]
    grid = _xlsx_grid(path) if path.suffix == ".xlsx" else _csv_grid(path)
    start = next(
        i
        for i, row in enumerate(grid)
        if sum(_header_key(c) in names for c in row if c not in (None, "")) >= 2
    )
    header = [names.get(_header_key(c)) if c not in (None, "") else None for c in grid[start]]
    return [{h: v for h, v in zip(header, row, strict=False) if h} for row in grid[start + 1 :]]


def _xlsx_grid(path: Path) -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    return [row for row in book.worksheets[0].iter_rows(values_only=True)]


def _csv_grid(path: Path) -> list[list[str]]:
    text = _text(path.read_bytes())
    first = text.splitlines()[0]
    sep = max([",", ";", "\t"], key=first.count)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))


def _digits(value: object) -> str:
    return "" if value is None else re.sub(r"\D", "", str(value))


def _blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and value != value)
    )


def _amount(value: object) -> float | None:
    if _blank(value):
        return None
    if isinstance(value, int | float):
        return float(value)
    s = str(value).strip().removeprefix("Rp").strip()
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", s):
        return float(s.replace(".", "").replace(",", "."))
    if re.fullmatch(r"-?\d+(\.\d+)?", s):
        return float(s)
    return None


def _date(value: object) -> dt.date | None:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(s, pattern).date()
        except ValueError:
            continue
    return None


def _valid_nik(value: str, regencies: set[str]) -> bool:
    if not re.fullmatch(r"\d{16}", value) or value[12:] == "0000":
        return False
    if f"{value[:2]}.{value[2:4]}" not in regencies:
        return False
    day, month, year = int(value[6:8]), int(value[8:10]), int(value[10:12])
    try:
        dt.date(2000 + year if year < 30 else 1900 + year, month, day - 40 if day > 40 else day)
    except ValueError:
        return False
    return True


def _regency(value: object, regencies: set[str]) -> str | None:
    s = str(value or "").strip()
    s = f"{s[:2]}.{s[2:]}" if re.fullmatch(r"\d{4}", s) else s
    return s if s in regencies else None


def _npwp16(value: object) -> str | None:
    d = _digits(value)
    return "0" + d if len(d) == 15 else d if len(d) == 16 else None


def _nib(value: object) -> str | None:
    d = _digits(value)
    return d if len(d) == 13 else None


PROGRAMS = {"JKK", "JKM", "JHT", "JP", "JKP"}


def row_problem(source: str, r: dict, regencies: set[str]) -> str | None:
    """Contract section 4, one source at a time (duplicates are found later)."""

    def missing(*cols: str) -> bool:
        return any(_blank(r.get(c)) for c in cols)

    if source == "payroll":
        if not _valid_nik(_digits(r.get("nik")), regencies):
            return "invalid_nik"
        if (_amount(r.get("gross_wage")) or 0) <= 0:
            return "invalid_wage"
        if not (_nib(r.get("employer_nib")) or _npwp16(r.get("employer_npwp"))):
            return "missing_employer_id"
        if missing("full_name"):
            return "missing_required"
        if not _blank(r.get("work_regency_code")) and not _regency(r["work_regency_code"], regencies):
            return "invalid_code"
    elif source == "registry/participants":
        if not _valid_nik(_digits(r.get("nik")), regencies):
            return "invalid_nik"
        if (_amount(r.get("reported_wage")) or 0) <= 0:
            return "invalid_wage"
        if missing("full_name", "npp", "status"):
            return "missing_required"
        if r["status"] not in ("AKTIF", "NONAKTIF"):
            return "invalid_code"
    elif source == "registry/employers":
        if missing("npp", "employer_name", "regency_code", "programs", "status"):
            return "missing_required"
        tokens = set(re.split(r"[;,/|\s]+", str(r["programs"]).strip()))
        if (
            not _regency(r["regency_code"], regencies)
            or not tokens <= PROGRAMS
            or r["status"] not in ("AKTIF", "NONAKTIF")
            or not (_blank(r.get("scale")) or r["scale"] in ref.SCALES)
        ):
            return "invalid_code"
    elif source == "registry/projects":
        if missing("permit_number"):
            return "missing_required"
    elif source == "permits/business":
        if missing("nib", "business_name", "regency_code"):
            return "missing_required"
        if (
            not _regency(r["regency_code"], regencies)
            or not (_blank(r.get("scale")) or r["scale"] in ref.SCALES)
            or not (_blank(r.get("status")) or r["status"] in ("AKTIF", "DICABUT"))
        ):
            return "invalid_code"
    elif source == "permits/construction":
        if (_amount(r.get("contract_value")) or 0) <= 0:
            return "invalid_wage"
        if missing("permit_number", "project_name", "regency_code", "start_on", "end_on"):
            return "missing_required"
        if not _regency(r["regency_code"], regencies):
            return "invalid_code"
    elif source == "survey/labor_force":
        if missing("regency_code", "formal_workers"):
            return "missing_required"
        if not _regency(r["regency_code"], regencies) or not (
            _blank(r.get("sector")) or r["sector"] in ref.SECTORS
        ):
            return "invalid_code"
    return None


def source_of(file: str) -> str:
    return "payroll" if file.startswith("payroll/") else file.rsplit(".", 1)[0]


class Reading:
    """Accepted rows per source and the quarantine, from the files alone."""

    def __init__(self, landing: Path, period: str) -> None:
        self.period = period
        self.regencies = set(_regions().regencies)
        self.accepted: dict[str, list[dict]] = {}
        self.quarantine: list[tuple] = []
        self.received: dict[str, int] = {}
        payroll: list[tuple[str, int, dict]] = []
        for path in sorted(p for p in landing.rglob("*") if p.is_file()):
            file = path.relative_to(landing).as_posix()
            source = source_of(file)
            try:
                records = read_records(path, source)
            except Exception:  # any failure to read is what we test for
                self.quarantine.append((source, file, "", "unreadable_file"))
                self.received[file] = 0
                continue
            self.received[file] = len(records)
            for number, r in enumerate(records, start=1):
                problem = row_problem(source, r, self.regencies)
                if problem:
                    self.quarantine.append((source, file, str(number), problem))
                elif source == "payroll":
                    payroll.append((file, number, r))
                else:
                    self.accepted.setdefault(source, []).append(r)
        self.accepted["payroll"] = self._without_duplicates(payroll)

    def _without_duplicates(self, rows: list[tuple[str, int, dict]]) -> list[dict]:
        ids = Identity([r for _, _, r in rows if (r.get("period") or self.period) == self.period], self)
        seen, kept = set(), []
        for file, number, r in rows:
            key = (
                ids.of(_nib(r.get("employer_nib")), _npwp16(r.get("employer_npwp"))),
                _digits(r["nik"]),
                r.get("period") or self.period,
            )
            if key in seen:
                self.quarantine.append(("payroll", file, str(number), "duplicate"))
            else:
                seen.add(key)
                kept.append(r)
        return kept


class Identity:
    """Union-find over NIB and NPWP: records sharing either are one employer."""

    def __init__(self, payroll_now: list[dict], reading: Reading) -> None:
        self.parent: dict[str, str] = {}
        acc = reading.accepted
        pairs = (
            [(r.get("nib"), r.get("npwp")) for r in acc.get("registry/employers", [])]
            + [(r.get("employer_nib"), r.get("employer_npwp")) for r in payroll_now]
            + [(r.get("nib"), r.get("npwp")) for r in acc.get("permits/business", [])]
            + [
                (r.get("contractor_nib"), r.get("contractor_npwp"))
                for r in acc.get("permits/construction", [])
            ]
        )
        for nib, npwp in pairs:
            self.of(_nib(nib), _npwp16(npwp))

    def _find(self, node: str) -> str:
        self.parent.setdefault(node, node)
        while self.parent[node] != node:
            node = self.parent[node]
        return node

    def of(self, nib: str | None, npwp: str | None) -> str:
        nodes = [n for n in (nib and "NIB:" + nib, npwp and "NPWP:" + npwp) if n]
        roots = [self._find(n) for n in nodes]
        for other in roots[1:]:
            self.parent[other] = roots[0]
        return self._find(nodes[0])

    def key(self, root: str) -> str:
        members = [n for n in self.parent if self._find(n) == root]
        nibs = sorted(n[4:] for n in members if n.startswith("NIB:"))
        return nibs[0] if nibs else sorted(n[5:] for n in members)[0]


def _name_key(name: object) -> str | None:
    if _blank(name):
        return None
    return re.sub(r" +", " ", re.sub(r"[^A-Z ]", "", str(name).upper())).strip() or None


def _units(wage: int, programs: int, jkk: int, period: str) -> int:
    """Contribution in 1/10,000 rupiah."""
    cap = ref.jp_cap(period)
    return wage * (
        (jkk if programs & ref.JKK else 0)
        + (ref.JKM_BP if programs & ref.JKM else 0)
        + (ref.JHT_BP if programs & ref.JHT else 0)
    ) + (min(wage, cap) * ref.JP_BP if programs & ref.JP else 0)


def _rupiah(amount: Fraction) -> int:
    return int(amount + Fraction(1, 2))


def _slices(value: int) -> int:
    total, lower = 0, 0
    for upper, jkk, jkm in ref.CONSTRUCTION_SLICES:
        top = value if upper is None else min(value, upper)
        total += max(0, top - lower) * (jkk + jkm)
        lower = upper or lower
    return total


def _months(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def independent_findings(reading: Reading, link_every_period: bool = False) -> tuple[set[tuple], list[tuple]]:
    """Contract section 5 applied to the accepted rows; plus coverage rows (section 7)."""
    period, acc = reading.period, reading.accepted
    now = [r for r in acc["payroll"] if (r.get("period") or period) == period]
    ids = Identity(acc["payroll"] if link_every_period else now, reading)
    employers = acc.get("registry/employers", [])
    emp_of = {r["npp"]: ids.of(_nib(r.get("nib")), _npwp16(r.get("npwp"))) for r in employers}
    region_of = {r["npp"]: _regency(r["regency_code"], reading.regencies) for r in employers}
    registered = {emp_of[r["npp"]] for r in employers if r["status"] == "AKTIF"}
    profile = _profiles(acc, emp_of, ids)
    aktif = [r for r in acc.get("registry/participants", []) if r["status"] == "AKTIF" and r["npp"] in emp_of]
    by_nik = {(emp_of[r["npp"]], _digits(r["nik"])): r for r in aktif}
    by_name = {
        (emp_of[r["npp"]], _name_key(r["full_name"]), _date(r.get("birth_date"))): r
        for r in aktif
        if _date(r.get("birth_date")) and _name_key(r["full_name"])
    }
    found: dict[tuple, list] = {}

    def add(category: str, emp: str, worker: str | None, units: Fraction) -> None:
        entry = found.setdefault((category, emp), [set(), Fraction(0), 0])
        entry[0].add(worker)
        entry[1] += units

    payroll_emps = set()
    for r in now:
        emp = ids.of(_nib(r.get("employer_nib")), _npwp16(r.get("employer_npwp")))
        payroll_emps.add(emp)
        nik, wage = _digits(r["nik"]), int(_amount(r["gross_wage"]))
        programs, jkk = profile.get(emp, (ref.ALL_FOUR, ref.JKK_BP_UNKNOWN, -1, None))[:2]
        match = by_nik.get((emp, nik)) or (
            by_name.get((emp, _name_key(r["full_name"]), _date(r.get("birth_date"))))
            if _date(r.get("birth_date"))
            else None
        )
        if match is None:
            add(
                "PDS_TK" if emp in registered else "PWBD",
                emp,
                nik,
                Fraction(_units(wage, programs, jkk, period), 10_000),
            )
        elif emp in registered:
            reported = int(_amount(match["reported_wage"]))
            if 100 * reported < 95 * wage:
                add(
                    "PDS_UPAH",
                    emp,
                    nik,
                    Fraction(
                        _units(wage, programs, jkk, period) - _units(reported, programs, jkk, period), 10_000
                    ),
                )
        else:
            found.setdefault(("PWBD", emp), [set(), Fraction(0), 0])
    _declared_pwbd(acc, ids, registered, payroll_emps, profile, found, period)
    _programs(aktif, emp_of, registered, profile, found, period)
    _proyek(acc, ids, registered, payroll_emps, found, period)
    rows = set()
    for (category, emp), (workers, amount, declared) in found.items():
        count = len(workers - {None}) + declared
        rows.add((period, category, ids.key(emp), str(count), str(_rupiah(amount))))
    return rows, _coverage_rows(reading, aktif, emp_of, region_of, registered)


def _profiles(acc: dict, emp_of: dict, ids: Identity) -> dict[str, tuple]:
    """Per employer: mandatory programs, JKK bp, scale index, held programs."""
    source: dict[str, dict] = {}
    for r in acc.get("registry/employers", []):
        source.setdefault(emp_of[r["npp"]], r)
    for r in acc.get("permits/business", []):
        source[ids.of(_nib(r.get("nib")), _npwp16(r.get("npwp")))] = r
    held: dict[str, int] = {}
    for r in acc.get("registry/employers", []):
        if r["status"] == "AKTIF":
            for token in re.split(r"[;,/|\s]+", str(r["programs"]).strip()):
                held[emp_of[r["npp"]]] = held.get(emp_of[r["npp"]], 0) | ref.PROGRAM_BITS[token]
    out = {}
    for emp, r in source.items():
        scale = list(ref.SCALES).index(r["scale"]) if not _blank(r.get("scale")) else -1
        programs = int(ref.MANDATORY[scale]) if scale >= 0 else ref.ALL_FOUR
        kbli = None if _blank(r.get("kbli")) else str(r["kbli"])
        out[emp] = (programs, ref.jkk_bp(kbli), scale, held.get(emp, 0))
    return out


def _declared_pwbd(
    acc: dict, ids: Identity, registered: set, payroll_emps: set, profile: dict, found: dict, period: str
) -> None:
    for r in acc.get("permits/business", []):
        emp = ids.of(_nib(r.get("nib")), _npwp16(r.get("npwp")))
        declared = int(_amount(r.get("declared_workers")) or 0)
        if r.get("status") == "AKTIF" and declared >= 1 and emp not in registered and emp not in payroll_emps:
            wage = ref.ump(_regency(r["regency_code"], set(_regions().regencies))[:2], period)
            programs, jkk = profile[emp][:2]
            units = 0 if wage is None else _units(wage, programs, jkk, period)
            found[("PWBD", emp)] = [set(), Fraction(declared * units, 10_000), declared]


def _programs(aktif: list, emp_of: dict, registered: set, profile: dict, found: dict, period: str) -> None:
    for emp in registered:
        programs, jkk, scale, held = profile.get(emp, (0, 0, -1, 0))
        missing = programs & ~held
        if scale < 0 or not missing:
            continue
        entry = found.setdefault(("PDS_PROGRAM", emp), [set(), Fraction(0), 0])
        for r in aktif:
            if emp_of[r["npp"]] == emp and _digits(r["nik"]) not in entry[0]:
                entry[0].add(_digits(r["nik"]))
                entry[1] += Fraction(_units(int(_amount(r["reported_wage"])), missing, jkk, period), 10_000)


def _proyek(acc: dict, ids: Identity, registered: set, payroll_emps: set, found: dict, period: str) -> None:
    first = dt.date(int(period[:4]), int(period[5:]), 1)
    last = (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()
    known = {str(r["permit_number"]) for r in acc.get("registry/projects", [])}
    for r in acc.get("permits/construction", []):
        start, end = _date(r["start_on"]), _date(r["end_on"])
        if not (start <= last and end >= first):
            continue
        emp = ids.of(_nib(r.get("contractor_nib")), _npwp16(r.get("contractor_npwp")))
        assert emp in registered or emp in payroll_emps or ("PWBD", emp) in found
        if str(r["permit_number"]) not in known:
            entry = found.setdefault(("PROYEK", emp), [set(), Fraction(0), 0])
            entry[1] += Fraction(_slices(int(_amount(r["contract_value"]))), 10_000 * _months(start, end))
            entry[2] += int(_amount(r.get("declared_workers")) or 0)


def _coverage_rows(
    reading: Reading, aktif: list, emp_of: dict, region_of: dict, registered: set
) -> list[tuple]:
    formal: dict[str, int] = {}
    for r in reading.accepted.get("survey/labor_force", []):
        code = _regency(r["regency_code"], reading.regencies)
        formal[code] = formal.get(code, 0) + int(_amount(r["formal_workers"]))
    people = {(region_of[r["npp"]], _digits(r["nik"])) for r in aktif if emp_of[r["npp"]] in registered}
    count = {code: sum(1 for region, _ in people if region == code) for code in formal}
    names = _regions().names
    rows = []
    for province in sorted({c[:2] for c in formal}):
        f = sum(v for c, v in formal.items() if c[:2] == province)
        n = sum(v for c, v in count.items() if c[:2] == province)
        rows.append(("province", province, names[province], f, n))
    rows += [("regency", c, names[c], formal[c], count[c]) for c in sorted(formal)]
    return [
        (level, code, name, str(f), str(n), f"{_rupiah(Fraction(1000 * n, f)) / 10:.1f}")
        for level, code, name, f, n in rows
    ]


@pytest.fixture(scope="module")
def reading(demo) -> Reading:
    return Reading(demo[0] / PERIOD, PERIOD)


def test_quarantine_truth_is_exactly_what_the_files_show(demo, reading):
    expected = {tuple(r) for r in truth(demo[0], PERIOD, "quarantine.csv").itertuples(index=False)}
    assert expected == set(reading.quarantine)
    reasons = {r[3] for r in expected}
    assert reasons == {
        "invalid_nik",
        "invalid_wage",
        "missing_employer_id",
        "missing_required",
        "invalid_code",
        "duplicate",
        "unreadable_file",
    }
    assert sum(r[3] == "unreadable_file" for r in expected) >= 2


def test_unreadable_files_really_are(demo):
    landing = demo[0] / PERIOD
    for row in truth(demo[0], PERIOD, "quarantine.csv").query("reason == 'unreadable_file'").itertuples():
        assert row.row_number == ""
        path = landing / row.file
        with pytest.raises(Exception):  # noqa: B017 - any reader failure will do
            if path.suffix == ".parquet":
                pq.read_table(path)
            else:
                openpyxl.load_workbook(path)


def test_files_account_for_every_row(demo, reading):
    files = truth(demo[0], PERIOD, "files.csv")
    quarantine = truth(demo[0], PERIOD, "quarantine.csv")
    landing = demo[0] / PERIOD
    assert set(files.file) == {p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file()}
    for row in files.itertuples():
        received, accepted, bad = (int(row.rows_received), int(row.rows_accepted), int(row.rows_quarantined))
        assert received == accepted + bad
        assert received == reading.received[row.file]
        assert bad == int(((quarantine.file == row.file) & (quarantine.row_number != "")).sum())


def test_findings_truth_matches_an_independent_reading(demo, reading):
    expected, coverage = independent_findings(reading)
    findings = truth(demo[0], PERIOD, "findings.csv")
    assert {tuple(r) for r in findings.itertuples(index=False)} == expected
    assert len(findings) == len(expected)
    assert set(findings.category) == {"PWBD", "PDS_TK", "PDS_UPAH", "PDS_PROGRAM", "PROYEK"}
    assert [tuple(r) for r in truth(demo[0], PERIOD, "coverage.csv").itertuples(index=False)] == coverage


def test_rows_for_other_periods_never_change_who_is_who(reading):
    """Whether or not a pipeline links identifiers through another period's payroll rows,
    the findings are the same: the generator never lets those rows be the only link."""
    assert independent_findings(reading, link_every_period=True) == independent_findings(reading)


def test_summary_counts_agree_with_findings(demo):
    out, summary, _ = demo
    findings = truth(out, PERIOD, "findings.csv")
    counted = summary["by_period"][PERIOD]["findings"]
    assert counted == findings.category.value_counts().reindex(counted).fillna(0).astype(int).to_dict()


# --- planted cases ----------------------------------------------------------------------------


def cases(out: Path, period: str) -> dict[str, dict]:
    return {c["case"]: c for c in summary_json(out, period)["cases"]}


def categories(case: dict) -> set[str]:
    return {c for cats in case["categories"].values() for c in cats}


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("pwbd_payroll", {"PWBD"}),
        ("pwbd_permit_only", {"PWBD"}),
        ("pwbd_nonaktif", {"PWBD"}),
        ("pwbd_orphan_npp", {"PWBD"}),
        ("pwbd_contractor", {"PWBD", "PROYEK"}),
        ("individual_npwp", {"PWBD"}),
        ("dicabut", set()),
        ("contractor_inactive", set()),
        ("link_third", {"PDS_UPAH"}),
        ("npwp_15_16", {"PDS_TK"}),
        ("pds_tk_new_hires", {"PDS_TK"}),
        ("pds_tk_other_employer", {"PDS_TK"}),
        ("pds_tk_nonaktif_participant", {"PDS_TK"}),
        ("nik_typo_matched", set()),
        ("nik_typo_no_birthdate", {"PDS_TK"}),
        ("pds_upah", {"PDS_UPAH"}),
        ("jp_cap", {"PDS_TK", "PDS_UPAH"}),
        ("kbli_unknown", {"PDS_TK"}),
        ("pds_program_missing_jp", {"PDS_PROGRAM"}),
        ("pds_program_scale_from_permit", {"PDS_PROGRAM"}),
        ("pds_program_no_scale", set()),
        ("mikro_programs_ok", set()),
        ("multi_npp", {"PDS_UPAH"}),
        ("proyek", {"PROYEK"}),
        ("proyek_multi", {"PROYEK"}),
        ("late_payroll", set()),
        ("two_jobs_registered", set()),
        ("bad_registry_row", {"PWBD"}),
        ("xlsx_sinar", {"PDS_TK"}),
        ("xlsx_barito", {"PWBD"}),
        ("cp1252_perez", set()),
    ],
)
def test_planted_case_outcome(demo, case, expected):
    assert categories(cases(demo[0], PERIOD)[case]) == expected


def test_identity_cases_land_on_the_right_key(demo):
    c = cases(demo[0], PERIOD)
    assert c["link_third"]["categories"][c["link_third"]["nib"]] == ["PDS_UPAH"]
    split = c["unlinked_split"]["categories"]
    assert split[c["unlinked_split"]["nib"]] == [] and split[c["unlinked_split"]["npwp16"]] == ["PWBD"]
    assert c["npwp_15_16"]["nib"] is None and c["npwp_15_16"]["npwp16"].startswith("0")
    owner = c["individual_npwp"]["npwp16"]
    assert len(owner) == 16 and not owner.startswith("0")


def test_minimum_wage_estimates(demo):
    findings = truth(demo[0], PERIOD, "findings.csv").set_index(["category", "employer_key"])
    c = cases(demo[0], PERIOD)
    row = findings.loc[("PWBD", c["pwbd_permit_only"]["nib"])]
    per_worker = int(row.estimated_contribution_monthly) / int(row.workers_affected)
    ump = ref.ump("62", PERIOD)
    assert ump * 0.005 < per_worker < ump * 0.11
    # No minimum wage in the reference data for Jawa Barat or Kalimantan Selatan: estimate 0.
    for case in ("pwbd_permit_only_jabar", "pwbd_permit_only_no_ump"):
        assert findings.loc[("PWBD", c[case]["nib"]), "estimated_contribution_monthly"] == "0"


def test_history_of_months(history):
    out, summary = history
    assert summary["periods"] == ["2026-01", "2026-02", "2026-03"]
    for p in summary["periods"]:
        assert (out / p / "registry" / "employers.csv").is_file()
        assert (out / p / "payroll" / f"07_koreksi_{_previous(p)}.csv").is_file()
    first, last = cases(out, "2026-01"), cases(out, "2026-03")
    assert categories(first["late_register"]) == {"PWBD"}
    assert categories(last["late_register"]) == set()
    assert categories(first["deactivated"]) == set()
    assert categories(last["deactivated"]) == {"PWBD"}


def test_history_periods_match_an_independent_reading(history):
    out, summary = history
    for p in summary["periods"]:
        reading = Reading(out / p, p)
        expected, coverage = independent_findings(reading)
        got = {tuple(r) for r in truth(out, p, "findings.csv").itertuples(index=False)}
        assert got == expected, p
        assert {tuple(r) for r in truth(out, p, "quarantine.csv").itertuples(index=False)} == set(
            reading.quarantine
        )
        assert [tuple(r) for r in truth(out, p, "coverage.csv").itertuples(index=False)] == coverage


def _previous(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year - (month == 1)}-{12 if month == 1 else month - 1:02d}"


def test_contribution_arithmetic_by_hand():
    from pipeline.demo.truth import construction_units, contribution_units

    # BESAR, construction (JKK 1.27 %), wage 15,000,000 in 2026-10: JP on the 11,086,300 cap.
    units = contribution_units([15_000_000], [ref.ALL_FOUR], [127], ref.jp_cap("2026-10"))[0]
    assert units / 10_000 == 15_000_000 * (0.0127 + 0.003 + 0.057) + 11_086_300 * 0.03
    # Rp 2.35 B by slice: 100 M x 0.24 % + 400 M x 0.19 % + 500 M x 0.15 % + 1.35 B x 0.12 %.
    assert construction_units(2_350_000_000) == (240_000 + 760_000 + 750_000 + 1_620_000) * 10_000
    assert ref.jp_cap("2026-02") == 10_547_400 and ref.jp_cap("2026-03") == 11_086_300
