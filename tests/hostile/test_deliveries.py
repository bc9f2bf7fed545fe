"""Contract section 4, "Bad and hostile deliveries": each test spoils the base delivery one way,
runs `rekon run` as an operator would and checks the answer: exit status and the one-line
message, the previous publication intact, and every row accounted for."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

from tests import scenario as s
from tests.hostile.conftest import Case, accounted, one_line_error, rekon

PAYROLL_A = "payroll/a_payroll.csv"


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8").split("\r\n")


def _write(path: Path, lines: list[str]) -> None:
    path.write_bytes("\r\n".join(lines).encode("utf-8"))


# --- only regular files; control files ---------------------------------------------------------


def test_links_devices_and_folders_are_quarantined_never_followed(case: Case, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere.csv"
    shutil.copy(case.delivery / PAYROLL_A, secret)
    (case.delivery / "payroll/z_link.csv").symlink_to(secret)
    os.mkfifo(case.delivery / "payroll/y_pipe.csv")  # reading it would block the run for ever
    (case.delivery / "payroll/x_folder.csv").mkdir()
    (case.delivery / "_READY").write_text("")
    (case.delivery / "payroll/.~lock.a_payroll.csv#").write_text("")
    (case.delivery / "payroll/_old").mkdir()
    shutil.copy(case.delivery / PAYROLL_A, case.delivery / "payroll/_old/a_payroll.csv")
    run = case.run(timeout=300)
    assert run.code == 0, run.stderr[-3000:]
    whole = {q["file"]: q for q in case.quarantine() if not q["row_number"]}
    for name in ("payroll/z_link.csv", "payroll/y_pipe.csv", "payroll/x_folder.csv"):
        assert whole[name]["reason"] == "unreadable_file"
        assert whole[name]["detail"] == "not a regular file"
        assert case.input(name)["rows_received"] == 0
    # the control files are no input, and the quality report lists them as ignored
    inputs = {i["path"] for i in case.manifest()["inputs"]}
    assert not {"_READY", "payroll/_old/a_payroll.csv"} & inputs
    quality = (case.published / "quality.html").read_text()
    for name in ("_READY", "payroll/_old/a_payroll.csv", "payroll/.~lock.a_payroll.csv#"):
        assert name in quality
    accounted(case)


# --- a source of nothing usable is not delivered (H1) -------------------------------------------


def test_garbage_only_source_counts_as_not_delivered_and_the_run_goes_on(case: Case) -> None:
    before = case.snapshot()
    shutil.rmtree(case.delivery / "payroll")
    (case.delivery / "payroll").mkdir()
    (case.delivery / "payroll/noise.csv").write_bytes(bytes(range(256)) * 40)
    (case.delivery / "payroll/noise.xlsx").write_bytes(b"PK\x03\x04" + bytes(range(200)))
    survey = case.delivery / "survey/labor_force.csv"  # empty: a header and no row
    survey.write_bytes(survey.read_bytes().split(b"\r\n")[0] + b"\r\n")
    run = case.run()
    assert run.code == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert case.snapshot() != before  # published anew, without payroll findings
    quality = (case.published / "quality.html").read_text()
    assert "Not delivered" in quality
    assert "payroll, survey/labor_force" in quality
    findings = (case.published / "findings.csv").read_text()
    assert "PDS_TK" not in findings  # no payroll: no worker can be unregistered
    accounted(case)


# --- the registry gates (H2) --------------------------------------------------------------------


def test_header_only_employers_stops_the_run_and_keeps_the_publication(case: Case) -> None:
    before = case.snapshot()
    employers = case.delivery / "registry/employers.csv"
    _write(employers, [_lines(employers)[0], ""])
    run = case.run()
    one_line_error(run, "registry/employers", "nothing was published")
    assert case.snapshot() == before


def test_two_employer_files_stop_the_run(case: Case) -> None:
    before = case.snapshot()
    shutil.copy(case.delivery / "registry/employers.csv", case.delivery / "registry/employers.backup.csv")
    run = case.run()
    one_line_error(run, "registry/employers", "employers.backup.csv", "exactly one")
    assert case.snapshot() == before


def test_every_participant_quarantined_stops_the_run(case: Case) -> None:
    before = case.snapshot()
    participants = case.delivery / "registry/participants.csv"
    text = participants.read_text(encoding="utf-8-sig").replace('"AKTIF"', '"AKTIF?"')
    text = text.replace('"NONAKTIF"', '"NONAKTIF?"')
    participants.write_text(text, encoding="utf-8-sig")
    run = case.run()
    one_line_error(run, "registry/participants", "no row accepted")
    assert case.snapshot() == before


def test_registry_shrunk_under_half_of_last_month_stops_the_run(case: Case) -> None:
    """The base is published for 2026-10; 2026-11 arrives with 2 of its 5 employers."""
    november = case.landing / "2026-11"
    shutil.copytree(case.delivery, november)
    employers = november / "registry/employers.csv"
    lines = _lines(employers)
    _write(employers, [*lines[:3], ""])
    run = case.run(period="2026-11")
    one_line_error(run, "registry/employers", "under 50%", "2026-10")
    assert case.snapshot("2026-11") == {}
    # the setting: an operator who expects the shrink lets the run through
    (case.data / "rekon.toml").write_text("[checks.registry_shrink]\nmin_ratio = 0.3\n")
    assert case.run(period="2026-11").code == 0


# --- CSV quoting and headers (H3) ---------------------------------------------------------------


def test_stray_quote_never_silently_swallows_rows(case: Case) -> None:
    """A `"` opening row 2's name and another closing row 4's would make rows 2-4 one record."""
    payroll = case.delivery / PAYROLL_A
    lines = _lines(payroll)
    lines[2] = lines[2].replace("SITI  AMINAH", '"SITI  AMINAH')
    lines[4] = lines[4].replace("Dewi Lestari", 'Dewi Lestari"')
    _write(payroll, lines)
    physical = len([line for line in lines[1:] if line])
    run = case.run()
    assert run.code == 0, run.stderr[-3000:]
    entry = case.input(PAYROLL_A)
    # quarantined whole, or read so that every physical record is there: never shortened
    assert entry["status"] == "quarantined" or entry["rows_received"] == physical, entry
    if entry["status"] == "quarantined":
        detail = next(q["detail"] for q in case.quarantine() if q["file"] == PAYROLL_A)
        assert "quote" in detail
    accounted(case)


def test_duplicate_column_names_quarantine_the_file(case: Case) -> None:
    payroll = case.delivery / PAYROLL_A
    lines = _lines(payroll)
    lines[0] = lines[0].replace("lokasi_kerja", "Gaji ")  # `gaji` twice after normalisation
    _write(payroll, lines)
    run = case.run()
    assert run.code == 0, run.stderr[-3000:]
    entry = case.input(PAYROLL_A)
    assert (entry["status"], entry["rows_received"]) == ("quarantined", 0)
    detail = next(q["detail"] for q in case.quarantine() if q["file"] == PAYROLL_A)
    assert "ambiguous header" in detail and "gaji" in detail
    accounted(case)


# --- plausibility (H4) --------------------------------------------------------------------------


def test_absurd_amounts_are_invalid_wage_not_a_crash(case: Case) -> None:
    payroll = case.delivery / PAYROLL_A
    lines = _lines(payroll)
    # rows 1 and 4 (Budi, Dewi); row 10 (Indra) just over Rp 1 billion
    lines[1] = lines[1].replace(",4000000,", ",100000000000000000000,")
    lines[4] = lines[4].replace(",5000000,", ",1e20,")
    lines[10] = lines[10].replace(",3900000,", ",1000000001,")
    _write(payroll, lines)
    participants = case.delivery / "registry/participants.csv"
    text = participants.read_text(encoding="utf-8-sig").replace('"4.000.000"', '"13579135791359999999999"', 1)
    participants.write_text(text, encoding="utf-8-sig")
    run = case.run()
    assert run.code == 0, run.stderr[-3000:]
    reasons = {(q["file"], q["row_number"]): q["reason"] for q in case.quarantine()}
    for row in ("1", "4", "10"):
        assert reasons[(PAYROLL_A, row)] == "invalid_wage"
    assert reasons[("registry/participants.csv", "1")] == "invalid_wage"
    accounted(case)


def test_bad_periods_and_dates(case: Case) -> None:
    """A payroll period that is no month is invalid_period; an unreadable or implausible optional
    date is absent and counted; a two-digit year is the latest one not after the period."""
    payroll = case.delivery / PAYROLL_A
    lines = _lines(payroll)
    lines[3] = lines[3].replace("1981-01-01,3500000,,", "1981-01-01,3500000,2026-13,")  # Agus
    lines[5] = lines[5].replace("1990-10-10", "31/02/1990")  # Rina: no such day
    lines[6] = lines[6].replace("1985-05-05", "05/05/1885")  # Eko: before 1900
    lines[7] = lines[7].replace("1986-06-06", "06/06/86")  # Fajar: 1986, two digits
    _write(payroll, lines)
    run = case.run()
    assert run.code == 0, run.stderr[-3000:]
    reasons = {(q["file"], q["row_number"]): q["reason"] for q in case.quarantine()}
    assert reasons[(PAYROLL_A, "3")] == "invalid_period"
    assert (PAYROLL_A, "5") not in reasons and (PAYROLL_A, "6") not in reasons
    quality = (case.published / "quality.html").read_text()
    assert "Values treated as absent" in quality and "birth_date" in quality
    import pyarrow.parquet as pq

    silver = pq.read_table(case.data / "work" / s.PERIOD / "silver/payroll.parquet").to_pandas()
    born = dict(zip(silver.full_name, silver.birth_date, strict=True))
    assert str(born["Fajar Nugroho"]) == "1986-06-06"
    assert born["Eko Prasetyo"] is None and born["Rina Marlina"] is None
    accounted(case)


def test_a_period_that_is_no_month_is_refused(case: Case) -> None:
    for period in ("2026-13", "2026-1", "26-10", "2026-10x", "0000-00"):
        run = case.run(period=period)
        one_line_error(run, "YYYY-MM")


# --- a re-delivery is a fresh run (H5) ----------------------------------------------------------


def test_redelivery_reads_only_what_is_delivered_now(case: Case, tmp_path: Path) -> None:
    shutil.rmtree(case.delivery / "payroll")
    (case.delivery / "permits/business.xlsx").unlink()
    run = case.run()
    assert run.code == 0, run.stderr[-3000:]
    inputs = {i["path"] for i in case.manifest()["inputs"]}
    assert not any(p.startswith(("payroll/", "permits/business")) for p in inputs)
    # byte for byte what a first run on this delivery publishes
    first = Case(case.landing, tmp_path / "first")
    assert first.run().code == 0
    assert case.snapshot() == first.snapshot()


# --- XLSX bounds (H7) ---------------------------------------------------------------------------


def _bomb(template: Path, path: Path, unpacked_mib: int) -> None:
    """A real workbook (`template`'s parts) whose sheet deflates a few hundred MiB of identical
    rows to well under 1 MiB."""
    row = b'<row><c t="inlineStr"><is><t>1111111111111</t></is></c></row>'
    with zipfile.ZipFile(template) as original:
        parts = {i.filename: original.read(i) for i in original.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                book.writestr(name, data)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            block = row * 16384
            for _ in range(unpacked_mib * (1 << 20) // len(block)):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")


def test_xlsx_zip_bomb_is_refused_in_bounded_memory_and_time(case: Case) -> None:
    bomb = case.delivery / "payroll/e_bomb.xlsx"
    _bomb(case.delivery / "permits/business.xlsx", bomb, 500)
    assert bomb.stat().st_size < 4 << 20
    run = case.run()
    assert run.code == 0, run.stderr[-3000:]
    entry = case.input("payroll/e_bomb.xlsx")
    assert (entry["status"], entry["rows_received"]) == ("quarantined", 0)
    detail = next(q["detail"] for q in case.quarantine() if q["file"] == "payroll/e_bomb.xlsx")
    assert "zip bomb" in detail or "unpack" in detail
    # the run's peak memory stays that of an ordinary run, far from the 500 MiB unpacked
    assert run.peak_kib < 900 * 1024, run.peak_kib
    assert run.seconds < 420, run.seconds  # an ordinary run of the base takes 15-140 s here
    accounted(case)


def test_sheet_declaring_more_rows_than_a_spreadsheet_holds_is_refused(case: Case) -> None:
    book = case.delivery / "permits/business.xlsx"
    with zipfile.ZipFile(book) as original:
        parts = {i.filename: original.read(i) for i in original.infolist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    parts[sheet] = parts[sheet].replace(b'<dimension ref="A1:', b'<dimension ref="A1:XFD2000000"/><x a="', 1)
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as spoiled:
        for name, data in parts.items():
            spoiled.writestr(name, data)
    run = case.run()
    assert run.code == 0, run.stderr[-3000:]
    entry = case.input("permits/business.xlsx")
    assert entry["status"] == "quarantined", entry
    detail = next(q["detail"] for q in case.quarantine() if q["file"] == "permits/business.xlsx")
    assert "1,048,576" in detail
    accounted(case)


def test_first_visible_sheet_is_read(case: Case) -> None:
    import openpyxl

    path = case.delivery / "permits/business.xlsx"
    book = openpyxl.load_workbook(path)
    hidden = book.create_sheet("Lama", 0)
    hidden.append(["nib", "nama_usaha", "kode_wilayah"])
    hidden.append(["1357913579135", "PT Tersembunyi", "62.71"])
    hidden.sheet_state = "hidden"
    book.active = 1
    book.save(path)
    run = case.run()
    assert run.code == 0, run.stderr[-3000:]
    assert case.input("permits/business.xlsx")["rows_received"] == 5
    assert "1357913579135" not in (case.published / "findings.csv").read_text()


def test_help_is_not_a_traceback() -> None:
    run = rekon("run", "--period", "2026-10", "--landing", "/nonexistent", "--data", "/nonexistent/d")
    one_line_error(run, "no delivery for 2026-10")


# --- no row values in quarantine, reports, Data Docs or logs (H6) -------------------------------


def test_no_full_nik_in_quarantine_reports_data_docs_or_logs(case: Case) -> None:
    hidden = s.nik(9, 9, 1999, 4321)  # only in the broken files below
    payroll = case.delivery / "payroll"
    # a record cut short: the parser's own message quotes the record
    (payroll / "f_truncated.csv").write_text(
        f"nib,nik,nama,gaji\r\n1111111111111,{s.W1},Budi Santoso,4000000\r\n1111111111111,{hidden},Putus\r\n"
    )
    # no header: the first row is a record, and used to be quoted as "the header"
    (payroll / "g_headerless.csv").write_text(f"1111111111111,{hidden},Tanpa Judul,4000000\r\n")
    run = case.run()
    assert run.code == 0, run.stderr[-3000:]
    niks = {hidden}
    for path in case.delivery.rglob("*.csv"):
        niks |= set(re.findall(r"(?<!\d)\d{16}(?!\d)", path.read_text(encoding="latin-1")))
    niks = {n for n in niks if n[:2] in ("62", "99")}  # NIKs, not the NPWPs of the delivery
    assert hidden in niks and s.W1 in niks
    work = case.data / "work" / s.PERIOD
    places = [
        *[p for p in case.published.iterdir() if p.suffix in (".csv", ".html", ".json")],
        *(work / "data_docs").rglob("*.html"),
        *(work / "data_docs").rglob("*.json"),
        *(work / "validation").glob("*.json"),
    ]
    texts = {str(p): p.read_text(encoding="utf-8", errors="replace") for p in places}
    texts["stdout"], texts["stderr"] = run.stdout, run.stderr
    leaks = {where: sorted(n for n in niks if n in text) for where, text in texts.items()}
    assert {w: n for w, n in leaks.items() if n} == {}
    details = {q["file"]: q["detail"] for q in case.quarantine() if not q["row_number"]}
    assert "fields" in details["payroll/f_truncated.csv"]
    assert "no usable header" in details["payroll/g_headerless.csv"]
    accounted(case)
