"""The portal's downloads are safe to open (CONTRACT.md section 7) and a follow-up note stays with
the branch that wrote it.

- Text that looks like a formula (a note, an officer, a user name in the audit log) reaches no CSV
  download as one and no XLSX cell as a formula.
- Every list the portal offers comes as XLSX too, identifiers (NIK, NIB, NPWP, NPP, codes) as
  text cells with every digit.
- A note is visible only to those who see the employer where it was when the note was written:
  here the Karawang employer is in 32.15 in 2026-10 and in 62.71 in 2026-08 (it moved)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import duckdb
import pytest
from fastapi import FastAPI

from pipeline.portal.app import create_app
from tests.portal.conftest import csrf_of, make_settings, seed_users
from tests.portal.fixture_data import (
    KARAWANG_KEY,
    KARAWANG_NIK,
    KARAWANG_NIK_MASKED,
    KEY_62,
    PERIOD,
    build,
    serve,
)

MOVED = "2026-08"  # a period in which the Karawang employer was in 62.71
NOTE_3215 = "Catatan cabang Karawang: pemilik menolak ditemui"
NOTE_62 = "Catatan cabang Palangka Raya: alamat baru"
FORMULA_NOTE = '=HYPERLINK("http://contoh.invalid/x","klik")'
FORMULA_OFFICER = "@SUM(1+1)"
FORMULA_USER = "=cmd|' /c calc'!a0"
LIVE = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    data = build(tmp_path_factory.mktemp("safe-portal"))
    published, restricted = data / "published", data / "restricted"
    shutil.copytree(published / PERIOD, published / MOVED)
    shutil.copytree(restricted / PERIOD, restricted / MOVED)
    con = duckdb.connect()
    findings = published / MOVED / "findings.parquet"
    for name in ("findings", "workers"):
        path = published / MOVED / f"{name}.parquet"
        con.execute(
            f"copy (select * replace ('{MOVED}' as period) from read_parquet('{path}')) to '{path}' "
            "(format parquet)"
        )
    moved = f"if(employer_key = '{KARAWANG_KEY}', '62.71', regency_code) as regency_code"
    con.execute(
        f"copy (select * replace ({moved}) from read_parquet('{findings}')) to '{findings}' (format parquet)"
    )
    serve(published / MOVED, MOVED)
    db_url = f"sqlite:///{tmp_path_factory.mktemp('safe-portal-db') / 'portal.db'}"
    seed_users(db_url)
    return create_app(make_settings(data, db_url))


def follow_up(client, period: str, key: str, note: str, officer: str = "petugas") -> None:
    form = {
        "csrf_token": csrf_of(client),
        "category": "PWBD" if key == KARAWANG_KEY else "PDS_TK",
        "stage": "SP1",
        "stage_date": "2026-11-02",
        "officer": officer,
        "note": note,
    }
    response = client.post(f"/periods/{period}/employers/{key}/followup", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text


def csv_cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def xlsx(response):
    import openpyxl

    assert response.status_code == 200, response.status_code
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def xlsx_table(response) -> tuple[list, list[list]]:
    """The header and the data cells of a download's one sheet (title on row 1, header on row 2)."""
    sheet = xlsx(response).worksheets[0]
    rows = list(sheet.iter_rows())
    return [c.value for c in rows[1]], [list(r) for r in rows[2:]]


def no_formula_cells(response) -> None:
    for sheet in xlsx(response).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_formula_text_is_escaped_in_csv_and_text_in_xlsx(as_user) -> None:
    sup = as_user("sup62")
    follow_up(sup, PERIOD, KEY_62, FORMULA_NOTE, FORMULA_OFFICER)
    rows = csv_cells(sup.get(f"/api/periods/{PERIOD}/findings.csv?cari={KEY_62}").text)
    assert rows and {r["followup_note"] for r in rows if r["category"] == "PDS_TK"} == {"'" + FORMULA_NOTE}
    for row in rows:
        for value in row.values():
            assert not value.startswith(LIVE) or value.lstrip("-").replace(".", "").isdigit(), value
    response = sup.get(f"/api/periods/{PERIOD}/findings.xlsx?cari={KEY_62}")
    no_formula_cells(response)
    header, cells = xlsx_table(response)
    notes = {r[header.index("followup_note")].value for r in cells}
    officers = {r[header.index("followup_officer")].value for r in cells}
    assert FORMULA_NOTE in notes and FORMULA_OFFICER in officers


def test_the_audit_log_downloads_escape_what_a_visitor_typed(as_user) -> None:
    visitor = as_user(None)
    form = visitor.get("/login")
    token = form.cookies.get("rekon_login_csrf") or visitor.cookies.get("rekon_login_csrf")
    visitor.post("/login", data={"username": FORMULA_USER, "password": "x", "csrf_token": token})
    admin = as_user("admin")
    rows = csv_cells(admin.get("/api/audit.csv?aksi=login_failed").text)
    assert "'" + FORMULA_USER in {r["username"] for r in rows}
    assert not any(v.startswith(LIVE) for r in rows for v in r.values())
    response = admin.get("/api/audit.xlsx?aksi=login_failed")
    no_formula_cells(response)
    header, cells = xlsx_table(response)
    assert FORMULA_USER in {r[header.index("username")].value for r in cells}


def test_every_list_downloads_as_xlsx_with_identifiers_as_text(as_user) -> None:
    sup = as_user("sup3215")
    findings = sup.get(f"/api/periods/{PERIOD}/findings.xlsx")
    header, cells = xlsx_table(findings)
    for name in ("employer_key", "nib", "npwp", "npp", "regency_code"):
        values = [r[header.index(name)] for r in cells if r[header.index(name)].value is not None]
        assert all(c.data_type == "s" for c in values), name
        assert values or name == "npwp", name  # the Karawang employer has no NPWP
    assert KARAWANG_KEY in {r[header.index("employer_key")].value for r in cells}

    header, cells = xlsx_table(sup.get(f"/api/periods/{PERIOD}/workers.xlsx"))
    assert [r[header.index("nik_masked")].value for r in cells] == [KARAWANG_NIK_MASKED]
    header, cells = xlsx_table(sup.get(f"/api/periods/{PERIOD}/workers.xlsx?identitas=lengkap"))
    nik = cells[0][header.index("nik")]
    assert nik.data_type == "s" and nik.value == KARAWANG_NIK  # all 16 digits, as text

    admin = as_user("admin")
    header, cells = xlsx_table(admin.get(f"/api/periods/{PERIOD}/coverage.xlsx"))
    codes = [r[header.index("region_code")] for r in cells]
    assert codes and all(c.data_type == "s" for c in codes) and "62.71" in {c.value for c in codes}
    numbers = [r[header.index("registered_workers")] for r in cells]
    assert all(c.data_type == "n" for c in numbers)


def texts_of(client, period: str, key: str) -> str:
    """Everything a user gets about an employer in a period: page, downloads, lists."""
    responses = [
        client.get(f"/periods/{period}/employers/{key}"),
        client.get(f"/periods/{period}/findings?cari={key}"),
        client.get(f"/api/periods/{period}/findings.csv?cari={key}"),
        client.get(f"/api/periods/{period}/findings.xlsx?cari={key}"),
    ]
    out = []
    for response in responses:
        assert response.status_code == 200, (response.url, response.status_code)
        if response.content[:2] == b"PK":
            for sheet in xlsx(response).worksheets:
                out += [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        else:
            out.append(response.text)
    return "\n".join(out)


def test_a_note_stays_with_the_branch_that_wrote_it(as_user) -> None:
    karawang, palangka = as_user("sup3215"), as_user("sup62")
    follow_up(karawang, PERIOD, KARAWANG_KEY, NOTE_3215, "Petugas Karawang")
    follow_up(palangka, MOVED, KARAWANG_KEY, NOTE_62, "Petugas Palangka")
    # each branch sees its own note where the employer is theirs
    assert NOTE_3215 in texts_of(karawang, PERIOD, KARAWANG_KEY)
    assert NOTE_62 in texts_of(palangka, MOVED, KARAWANG_KEY)
    # and never the other's, nor its officer, on any page or download
    seen_by_62 = texts_of(palangka, MOVED, KARAWANG_KEY)
    assert NOTE_3215 not in seen_by_62 and "Petugas Karawang" not in seen_by_62
    seen_by_3215 = texts_of(karawang, PERIOD, KARAWANG_KEY)
    assert NOTE_62 not in seen_by_3215 and "Petugas Palangka" not in seen_by_3215
    # the stage itself is shared: the employer's follow-up goes on
    assert "Surat peringatan 1" in seen_by_62
    # an admin sees both
    admin = texts_of(as_user("admin"), PERIOD, KARAWANG_KEY)
    assert NOTE_3215 in admin and NOTE_62 in admin


def test_a_note_of_a_hidden_employer_stays_hidden(as_user) -> None:
    """The analis of 62 never gets the Karawang employer of 2026-10, nor its note, by any route."""
    follow_up(as_user("sup3215"), PERIOD, KARAWANG_KEY, NOTE_3215, "Petugas Karawang")
    analis = as_user("ana62")
    assert analis.get(f"/periods/{PERIOD}/employers/{KARAWANG_KEY}").status_code == 404
    assert NOTE_3215 not in analis.get(f"/api/periods/{PERIOD}/findings.csv").text
    book = xlsx(analis.get(f"/api/periods/{PERIOD}/findings.xlsx"))
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert "Satu Jaya" in " ".join(cells) and NOTE_3215 not in cells


def test_workers_and_coverage_csv_stay_spreadsheet_safe(as_user, tmp_path: Path) -> None:
    admin = as_user("admin")
    for url in (f"/api/periods/{PERIOD}/workers.csv", f"/api/periods/{PERIOD}/coverage.csv"):
        for row in csv_cells(admin.get(url).text):
            for value in row.values():
                assert not value.startswith(("=", "+", "@", "\t", "\r")), (url, value)


def test_a_database_from_before_note_regencies_gains_the_column(tmp_path: Path) -> None:
    """Notes recorded before regencies were kept have none: only admins see them."""
    import sqlite3

    from pipeline.portal import db, followup
    from pipeline.portal.scope import Scope

    url = f"sqlite:///{tmp_path / 'old.db'}"
    db.connect(url).dispose()
    with sqlite3.connect(tmp_path / "old.db") as con:
        for table in ("portal_followup_events", "portal_followup_current"):
            con.execute(f"alter table {table} drop column regency_code")
        con.execute(
            "insert into portal_followup_current (employer_key, category, stage, stage_date, officer, note, "
            "event_id) values ('1', 'PWBD', 'SP1', '2026-11-02', 'lama', 'catatan lama', 1)"
        )
    engine = db.connect(url)
    assert followup.current_table(engine, Scope.everything())["followup_note"].to_pylist() == ["catatan lama"]
    assert followup.current_table(engine, Scope.of(("62",)))["followup_note"].to_pylist() == [None]
    engine.dispose()
