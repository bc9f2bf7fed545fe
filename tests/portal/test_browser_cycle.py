"""One case through the whole follow-up cycle in Debian's Chromium, on a desktop screen and on a
375 px phone, with JavaScript switched off (the portal needs none):

an officer finds a PDS_TK employer by part of its name (typed with a typo), the branch head
assigns it, the officer issues SP1 (DOCX and PDF downloaded; number and due date checked across a
branch holiday and collective leave), the clock moves past the due date (overdue, next step
offered), SP2, the TMP2T request and the SKK letter follow, and the case closes when the next
period no longer lists the employer.

Screenshots go to REKON_SCREENSHOTS (docs/screens/ keeps a set) or a temporary folder."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document

from pipeline.portal.app import create_app
from tests.portal.conftest import log_in_page, make_settings, seed_users, served
from tests.portal.cycle_data import publish_next_period
from tests.portal.fixture_data import KEY_62, PERIOD

VIEWPORTS = {"desktop": {"width": 1280, "height": 860}, "ponsel": {"width": 375, "height": 760}}


@pytest.fixture
def portal(portal_data: Path, tmp_path: Path) -> Iterator[tuple[str, object, Path]]:
    """A fresh publication copy, database and server per walk: each walk starts from BARU."""
    data = tmp_path / "data"
    shutil.copytree(portal_data, data)
    db_url = f"sqlite:///{tmp_path / 'portal.db'}"
    seed_users(db_url)
    app = create_app(make_settings(data, db_url, page_size=5))
    with served(app) as url:
        yield url, app.state.portal.clock, data


def _login(browser, server: str, username: str, viewport: dict):
    context = browser.new_context(
        accept_downloads=True, viewport=viewport, locale="id-ID", java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in_page(page, server, username)
    return context, page


def _docx_text(path: Path) -> str:
    doc = Document(io.BytesIO(path.read_bytes()))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _fits(page, width: int) -> None:
    """Nothing wider than the screen: the page never scrolls sideways (tables scroll inside)."""
    if width > 640:
        return
    boxes = page.locator("header.top, main, h1, form, section.case, p.notice").all()
    for box in boxes:
        bounds = box.bounding_box()
        if bounds:
            assert bounds["x"] >= -1 and bounds["x"] + bounds["width"] <= width + 1, (box, bounds)


@pytest.mark.parametrize("screen", list(VIEWPORTS))
def test_one_case_through_the_cycle(portal, browser, screen: str, screenshot_dir: Path) -> None:
    server, clock, data = portal
    viewport = VIEWPORTS[screen]
    width = viewport["width"]
    officer_ctx, page = _login(browser, server, "ana62", viewport)
    head_ctx, head = _login(browser, server, "sup62", viewport)
    shots = screen == "desktop" or screen == "ponsel"

    def shot(p, name: str, full: bool = False) -> None:
        if shots:
            p.screenshot(path=str(screenshot_dir / f"siklus_{screen}_{name}.png"), full_page=full)

    # The officer searches the PDS_TK list for part of the name, typed with a typo.
    page.goto(f"{server}/periods/{PERIOD}/findings")
    assert "Wajib belum daftar" in page.text_content("details.help")  # categories explained
    page.select_option("select[name=kategori]", "PDS_TK")
    page.fill("input[name=cari]", "satu jya")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/findings?*cari=satu+jya*")
    assert "1 temuan." in page.text_content("p.downloads")
    _fits(page, width)
    shot(page, "01_cari")
    page.click("table.findings >> text=PT Satu Jaya")
    page.wait_for_url(f"**/employers/{KEY_62}?kembali=*")
    assert "belum ditugaskan" in page.text_content("section.case")
    # Back to the list: the filter and the search are still there.
    page.click("a.back")
    page.wait_for_url("**/findings?*kategori=PDS_TK*")
    assert page.input_value("input[name=cari]") == "satu jya"
    assert page.input_value("select[name=kategori]") == "PDS_TK"

    # The branch head assigns the case to the officer.
    head.goto(f"{server}/periods/{PERIOD}/employers/{KEY_62}")
    head.select_option("select[name=petugas]", "ana62")
    head.click('section.case button:text-is("Tugaskan")')
    head.wait_for_url("**hasil=ditugaskan**")
    assert head.text_content("section.case .assignee") == "ana62"
    _fits(head, width)
    shot(head, "02_ditugaskan")

    # "Tugas saya" lists it; the officer issues SP1 on Thursday 10 December 2026.
    clock.fixed = dt.date(2026, 12, 10)
    page.goto(f"{server}/tugas")
    assert "PT Satu Jaya" in page.text_content("table.tasks")
    shot(page, "03_tugas_saya")
    page.click("table.tasks >> text=PT Satu Jaya")
    page.click("button.next-step")
    page.wait_for_url("**surat=**")
    notice = page.text_content("p.notice")
    # 10 working days: the branch's local holiday (16th), cuti bersama (24th) and Christmas
    # (25th) are skipped -> Tuesday 29 December, not Thursday 24th.
    assert "0001/SP1/KC-PLKR/XII/2026" in notice and "2026-12-29" in notice
    _fits(page, width)
    page.locator("#kasus").scroll_into_view_if_needed()
    shot(page, "04_sp1_terbit")
    with page.expect_download() as info:
        page.click("table.letters >> text=DOCX")
    sp1 = _docx_text(Path(info.value.path()))
    assert "0001/SP1/KC-PLKR/XII/2026" in sp1 and "29 Desember 2026" in sp1
    assert "Libur daerah" in sp1 and "627101******0004" in sp1
    with page.expect_download() as info:
        page.click("table.letters >> text=PDF")
    pdf = Path(info.value.path()).read_bytes()
    assert (
        pdf.startswith(b"%PDF") and b"0001/SP1/KC-PLKR/XII/2026" in pdf and b"Batas waktu 2026-12-29" in pdf
    )
    assert info.value.suggested_filename.startswith("SP1_")

    # The due date passes: "Tugas saya" marks it overdue and offers SP2.
    clock.fixed = dt.date(2026, 12, 30)
    page.goto(f"{server}/tugas")
    assert "Terlambat" in page.text_content("table.tasks")
    assert "SP2: Surat Peringatan Kedua" in page.text_content("table.tasks")
    shot(page, "05_terlambat")
    page.click("table.tasks >> text=PT Satu Jaya")
    assert page.text_content("button.next-step").strip() == "Langkah berikutnya: Terbitkan SP2"
    page.click("button.next-step")
    page.wait_for_url("**surat=**")
    assert "0002/SP2/KC-PLKR/XII/2026" in page.text_content("p.notice")

    # The request to the regional government, then the referral to the prosecutor.
    clock.fixed = dt.date(2027, 1, 18)
    page.reload()
    page.click("button.next-step")
    page.wait_for_url("**surat=**")
    assert "0001/TMP2T/KC-PLKR/I/2027" in page.text_content("p.notice")
    clock.fixed = dt.date(2027, 2, 2)
    page.reload()
    page.click("button.next-step")
    page.wait_for_url("**surat=**")
    assert "SKK" in page.text_content("p.notice")
    assert page.locator("table.letters tbody tr").count() == 4
    page.locator("#kasus").scroll_into_view_if_needed()
    shot(page, "06_empat_surat")
    with page.expect_download() as info:
        page.click("text=Unduh riwayat kasus (XLSX)")
    assert info.value.suggested_filename == f"riwayat_{KEY_62}_PDS_TK.xlsx"

    # November's publication no longer lists the employer: the case closes with that period.
    publish_next_period(data, PERIOD, "2026-11", (KEY_62, "PDS_TK"))
    page.goto(f"{server}/tugas")
    assert "Selesai (tidak terdaftar lagi pada periode 2026-11)" in page.text_content("table.tasks")
    assert "1 kasus ditutup" in page.text_content("p.notice")
    _fits(page, width)
    shot(page, "07_kasus_selesai")
    officer_ctx.close()
    head_ctx.close()
