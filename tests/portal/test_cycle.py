"""The follow-up cycle through the portal's HTTP interface: assignment, SP1 with its number and
working-day due date, the order of letters, overdue and the next step, SP2, TMP2T, SKK (full NIKs
in its annex only for those entitled), re-download without re-numbering, bulk actions, the case
history, and the case closing when the next period no longer lists the finding."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from pipeline.portal import audit, followup
from pipeline.portal.app import create_app
from pipeline.portal.letters.build_templates import TEMPLATE_DIR
from tests.portal.conftest import client_for, csrf_of, login, make_settings, seed_users
from tests.portal.cycle_data import publish_next_period
from tests.portal.fixture_data import KEY_62, PERIOD

EMPLOYER = f"/periods/{PERIOD}/employers/{KEY_62}"


@pytest.fixture(scope="module")
def data(portal_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("cycle") / "data"
    shutil.copytree(portal_data, copy)
    return copy


@pytest.fixture(scope="module")
def app(data: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('cycledb') / 'portal.db'}"
    seed_users(db_url)
    return create_app(make_settings(data, db_url, page_size=3))


@pytest.fixture(scope="module")
def clients(app: FastAPI) -> Iterator[dict[str, TestClient]]:
    made = {name: login(client_for(app), name) for name in ("sup62", "ana62", "sup3215")}
    yield made
    for c in made.values():
        c.close()


def _docx_text(body: bytes) -> str:
    doc = Document(io.BytesIO(body))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _issue(client: TestClient, kind: str, refused: str = "") -> str:
    response = client.post(
        f"{EMPLOYER}/kasus/PDS_TK/surat/{kind}", data={"csrf_token": csrf_of(client)}, follow_redirects=False
    )
    if refused:
        assert response.status_code == 409 and refused in response.text
        return ""
    assert response.status_code == 303
    return response.headers["location"]


def _letter_ids(client: TestClient) -> dict[str, str]:
    html = client.get(EMPLOYER).text
    rows = re.findall(
        r"<tr><td>(\w+)</td><td class=\"mono number\">[^<]+</td>.*?/api/letters/(\d+)\.docx", html, re.S
    )
    return dict(rows)


def test_the_whole_cycle(app: FastAPI, clients: dict[str, TestClient], data: Path) -> None:
    head, officer = clients["sup62"], clients["ana62"]
    clock = app.state.portal.clock
    engine = app.state.portal.engine

    # An analis may not assign; the branch head assigns the case to the officer.
    assert (
        officer.post(
            f"{EMPLOYER}/kasus/PDS_TK/tugaskan", data={"csrf_token": csrf_of(officer), "petugas": "ana62"}
        ).status_code
        == 403
    )
    response = head.post(
        f"{EMPLOYER}/kasus/PDS_TK/tugaskan",
        data={"csrf_token": csrf_of(head), "petugas": "ana62"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    tasks = officer.get("/tugas").text
    assert "PT Satu Jaya" in tasks and "Belum ada surat" in tasks

    # SP1 on Thursday 10 December 2026: 10 working days skip the branch's local holiday (16th),
    # cuti bersama (24th) and Christmas (25th) -> Tuesday 29 December.
    clock.fixed = dt.date(2026, 12, 10)
    assert "surat=" in _issue(officer, "SP1")
    page = officer.get(EMPLOYER).text
    assert "0001/SP1/KC-PLKR/XII/2026" in page and "2026-12-29" in page
    ids = _letter_ids(officer)
    docx = officer.get(f"/api/letters/{ids['SP1']}.docx")
    assert docx.status_code == 200 and docx.headers["content-type"].startswith("application/vnd.openxml")
    text = _docx_text(docx.content)
    assert "0001/SP1/KC-PLKR/XII/2026" in text and "29 Desember 2026" in text
    assert "Cuti Bersama Hari Raya Natal" in text and "Libur daerah" in text
    assert "627101******0004" in text and "1111111111111" in text  # masked worker, employer NIB
    assert "Rp 1.017.120 x 1 bulan" in text  # the arrears formula
    assert "UU 24/2011" in text  # the legal basis
    pdf = officer.get(f"/api/letters/{ids['SP1']}.pdf")
    assert pdf.content.startswith(b"%PDF") and pdf.content.count(b"/Type /Page\n") >= 2
    assert b"/Title (Surat Peringatan Pertama 0001/SP1/KC-PLKR/XII/2026)" in pdf.content
    assert b"/Subject (Batas waktu 2026-12-29)" in pdf.content
    assert followup.current_stage(engine, KEY_62, "PDS_TK") == "SP1"

    # A branch's own template (edited in Word) is used for its letters; the number stays.
    own = Document(str(TEMPLATE_DIR / "SP1.docx"))
    own.paragraphs[0].insert_paragraph_before("KOP SURAT KANTOR CABANG PALANGKA RAYA")
    (data / "letters" / "KC-PLKR").mkdir(parents=True)
    own.save(str(data / "letters" / "KC-PLKR" / "SP1.docx"))
    again = _docx_text(officer.get(f"/api/letters/{ids['SP1']}.docx").content)
    assert "KOP SURAT KANTOR CABANG PALANGKA RAYA" in again and "0001/SP1/KC-PLKR/XII/2026" in again

    # Issuing again gives the same letter; SP2 before SP1's due date is refused.
    _issue(officer, "SP1")
    assert len(_letter_ids(officer)) == 1
    _issue(officer, "SP2", refused="Batas waktu SP1 belum lewat (2026-12-29)")
    _issue(officer, "TMP2T", refused="Surat berikutnya untuk kasus ini adalah SP2, bukan TMP2T.")

    # The due date passes: overdue, with SP2 offered as the next step.
    clock.fixed = dt.date(2026, 12, 30)
    tasks = officer.get("/tugas").text
    assert "Terlambat" in tasks and "SP2: Surat Peringatan Kedua" in tasks
    assert "Langkah berikutnya: Terbitkan SP2" in officer.get(EMPLOYER).text
    _issue(officer, "SP2")
    page = officer.get(EMPLOYER).text
    assert "0002/SP2/KC-PLKR/XII/2026" in page and "2027-01-15" in page  # 1 and 5 January are holidays

    # A new year starts the branch's sequence again.
    clock.fixed = dt.date(2027, 1, 18)
    _issue(officer, "TMP2T")
    assert "0001/TMP2T/KC-PLKR/I/2027" in officer.get(EMPLOYER).text
    assert followup.current_stage(engine, KEY_62, "PDS_TK") == "TMP2T"
    clock.fixed = dt.date(2027, 2, 2)
    _issue(officer, "SKK")
    assert followup.current_stage(engine, KEY_62, "PDS_TK") == "RUJUK_KEJAKSAAN"
    ids = _letter_ids(officer)
    assert set(ids) == {"SP1", "SP2", "TMP2T", "SKK"}
    tmp2t = _docx_text(officer.get(f"/api/letters/{ids['TMP2T']}.docx").content)
    assert "PP 86/2013" in tmp2t and "0002/SP2/KC-PLKR/XII/2026" in tmp2t  # cites the warnings
    # The SKK annex: masked for the analis, full NIKs for the supervisor (and audited).
    assert "627101******0004" in _docx_text(officer.get(f"/api/letters/{ids['SKK']}.docx").content)
    full = _docx_text(head.get(f"/api/letters/{ids['SKK']}.docx").content)
    assert "6271010101810004" in full and "RAHASIA" in full
    assert any(
        e["action"] == "view_full_identity" for e in audit.entries(engine, audit.AuditQuery(username="sup62"))
    )
    # Another region's supervisor cannot fetch the letter.
    assert clients["sup3215"].get(f"/api/letters/{ids['SKK']}.pdf").status_code == 404

    # The history as a workbook.
    book = load_workbook(io.BytesIO(officer.get(f"/api/kasus/{KEY_62}/PDS_TK/riwayat.xlsx").content))
    cells = [str(c) for row in book.active.iter_rows(values_only=True) for c in row if c]
    assert "0001/TMP2T/KC-PLKR/I/2027" in cells and "Penugasan" in cells

    # The next period no longer lists the finding: the case closes with that period.
    publish_next_period(data, PERIOD, "2026-11", (KEY_62, "PDS_TK"))
    tasks = officer.get("/tugas").text
    assert "Selesai (tidak terdaftar lagi pada periode 2026-11)" in tasks
    assert followup.current_stage(engine, KEY_62, "PDS_TK") == "SELESAI"
    # The branch trend now has three periods, the last without the closed finding.
    trend = officer.get("/tren?cabang=KC-PLKR").text
    assert trend.count('<rect class="bar"') == 3 and "2026-11" in trend
    actions = [e["action"] for e in audit.entries(engine, audit.AuditQuery())]
    assert actions.count("letter_issue") == 4 and "case_assign" in actions and "case_close" in actions


def test_workers_come_a_page_at_a_time(clients: dict[str, TestClient]) -> None:
    # page_size is 3 here: the four unregistered workers of PT Satu Jaya take two pages.
    first = clients["ana62"].get(f"/periods/{PERIOD}/employers/{KEY_62}?kembali=kategori%3DPDS_TK").text
    second = clients["ana62"].get(f"/periods/{PERIOD}/employers/{KEY_62}?hal_tk=2").text
    assert "4 orang" in first and "Tenaga kerja halaman 1 dari 2" in first
    assert first.count("627101******") == 3 and second.count("627101******") == 1
    assert "kembali=kategori%3DPDS_TK&amp;hal_tk=2" in first  # the way back to the list is kept
    assert clients["ana62"].get(f"/periods/{PERIOD}/employers/{KEY_62}?hal_tk=x").status_code == 400


def test_bulk_assign_and_sp1(app: FastAPI, clients: dict[str, TestClient]) -> None:
    head = clients["sup62"]
    app.state.portal.clock.fixed = dt.date(2026, 12, 10)
    listing = head.get(f"/periods/{PERIOD}/kasus?kategori=PDS_TK").text
    picks = re.findall(r'name="pilih" value="([^"]+)"', listing)
    picks = [p for p in picks if not p.startswith(KEY_62)]
    assert picks
    form = {
        "csrf_token": csrf_of(head),
        "aksi": "tugaskan",
        "petugas": "ana62",
        "pilih": picks,
        "kembali": "kategori=PDS_TK",
    }
    response = head.post(f"/periods/{PERIOD}/kasus", data=form, follow_redirects=False)
    assert response.status_code == 303 and "kategori=PDS_TK" in response.headers["location"]
    form["aksi"] = "sp1"
    result = head.get(
        head.post(f"/periods/{PERIOD}/kasus", data=form, follow_redirects=False).headers["location"]
    ).text
    assert f"{len(picks)} kasus diproses, 0 dilewati." in result
    numbers = re.findall(
        r"\d{4}/SP1/[A-Z-]+/XII/2026",
        "".join(head.get(f"/periods/{PERIOD}/employers/{p.split('|')[0]}").text for p in picks),
    )
    assert len(set(numbers)) == len(picks)
    # An analis cannot use bulk actions.
    assert (
        clients["ana62"]
        .post(f"/periods/{PERIOD}/kasus", data={**form, "csrf_token": csrf_of(clients["ana62"])})
        .status_code
        == 403
    )
