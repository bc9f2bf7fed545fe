"""Follow-up stages kept across periods, the audit trail, and the download formats."""

from __future__ import annotations

import io
import json

import openpyxl
from sqlalchemy import text

from tests.portal.conftest import csrf_of
from tests.portal.fixture_data import EARLIER, KEY_62, PERIOD

P = PERIOD
URL = f"/periods/{P}/employers/{KEY_62}/followup"


def change(client, stage: str, when: str = "2026-11-02", category: str = "PDS_TK", period: str = P):
    form = {
        "category": category,
        "stage": stage,
        "stage_date": when,
        "officer": "Budi Pengawas",
        "note": f"surat {stage}",
        "csrf_token": csrf_of(client),
    }
    return client.post(f"/periods/{period}/employers/{KEY_62}/followup", data=form, follow_redirects=False)


def test_followup_moves_forward_and_shows_everywhere(as_user) -> None:
    sup = as_user("sup62")
    response = change(sup, "SP1")
    assert response.status_code == 303 and "tersimpan=1" in response.headers["location"]
    page = sup.get(response.headers["location"]).text
    assert "Tindak lanjut tersimpan." in page and "surat SP1" in page and "Budi Pengawas" in page
    # The list, its filter and the export know the stage; so does the previous period's page.
    assert "1 temuan." in sup.get(f"/periods/{P}/findings?tahap=SP1").text
    csv = sup.get(f"/api/periods/{P}/findings.csv?tahap=SP1").text.splitlines()
    assert csv[0].endswith("followup_stage,followup_date,followup_officer,followup_note")
    assert csv[1].endswith("SP1,2026-11-02,Budi Pengawas,surat SP1")
    assert "Surat peringatan 1" in sup.get(f"/periods/{EARLIER}/employers/{KEY_62}").text
    # Skipping ahead is allowed (the employer may register after SP1) ...
    assert change(sup, "RUJUK_KEJAKSAAN", period=EARLIER).status_code == 303
    # ... going back is not, except for an admin correcting a mistake.
    back = change(sup, "SP2")
    assert back.status_code == 400 and "tidak boleh mundur" in back.text
    assert change(as_user("admin"), "SP2").status_code == 303
    log = sup.get(f"/periods/{P}/employers/{KEY_62}").text
    assert log.count("Budi Pengawas") >= 3 and "periode 2026-09" in log


def test_followup_input_is_checked(as_user) -> None:
    sup = as_user("sup62")
    assert "Tanggal tidak valid" in change(sup, "SP1", when="02/11/2026").text
    assert "Tanggal tidak boleh di masa depan" in change(sup, "SP1", when="2999-01-01").text
    assert "Pilih kategori" in change(sup, "SP1", category="PWBD").text  # PT Satu Jaya has no PWBD finding
    assert change(sup, "DIAM").status_code == 400


def test_audit_records_who_did_what_with_which_filter(as_user) -> None:
    sup = as_user("sup62")
    sup.get(f"/api/periods/{P}/findings.csv?kategori=PWBD&wilayah=62.71")
    sup.get(f"/periods/{P}/employers/{KEY_62}?identitas=lengkap")
    sup.get(f"/api/periods/{P}/employers/{KEY_62}/referral.pdf")
    change(sup, "SP1", category="PDS_TK")
    admin = as_user("admin")
    with admin.app.state.portal.engine.connect() as con:
        query = text("select * from portal_audit_log where username = 'sup62' order by id")
        entries = {e["action"]: e for e in con.execute(query).mappings()}
    assert {"login", "download", "view_full_identity", "followup_change"} <= set(entries)
    page = admin.get("/admin/audit?pengguna=sup62&aksi=download").text
    assert "temuan_2026-10.csv" in page and "rujukan_1111111111111_2026-10.pdf" in page
    csv = admin.get("/api/audit.csv?pengguna=sup62&aksi=download").text
    line = next(x for x in csv.splitlines() if "temuan_2026-10.csv" in x)
    assert "kategori" in line and "PWBD" in line and "62.71" in line
    full = admin.get("/api/audit.csv?aksi=view_full_identity").text
    assert f"{P}/{KEY_62}" in full and f"referral {P}/{KEY_62}" in full


def test_xlsx_and_csv_downloads(logged_in) -> None:
    client = logged_in("ana62")
    xlsx = client.get(f"/api/periods/{P}/findings.xlsx?kategori=PDS_TK")
    assert xlsx.headers["content-disposition"] == 'attachment; filename="temuan_2026-10.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("period", "category", "employer_key") and len(rows) == 2 + 3
    assert {r[1] for r in rows[2:]} == {"PDS_TK"}
    workers = client.get(f"/api/periods/{P}/workers.csv?cari={KEY_62}").text.splitlines()
    assert (
        workers[0] == "period,category,employer_key,nik_masked,full_name,gross_wage,reported_wage,matched_by"
    )
    assert len(workers) == 1 + 4 and "627101******0004" in workers[1] + workers[2] + workers[3] + workers[4]
    coverage = client.get(f"/api/periods/{P}/coverage.csv").text.splitlines()
    assert coverage[0] == "level,region_code,region_name,formal_workers,registered_workers,coverage_pct"
    assert json.loads(client.get("/api/periods").text)[0] == {"period": P, "findings": 9}


def test_an_xlsx_longer_than_a_sheet_is_refused_for_csv(logged_in, monkeypatch) -> None:
    from pipeline.portal import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    refused = logged_in("ana62").get(f"/api/periods/{P}/findings.xlsx?kategori=PDS_TK")
    assert refused.status_code == 413 and "unduhan CSV" in refused.text
    assert logged_in("ana62").get(f"/api/periods/{P}/findings.csv?kategori=PDS_TK").status_code == 200
