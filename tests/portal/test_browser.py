"""A person's path through the portal in Debian's Chromium (Playwright drives it, no JavaScript
of ours involved): login, the summary, filtering, a download, an employer, a follow-up change.

Screenshots go to a temporary folder, or to REKON_SCREENSHOTS to keep them."""

from __future__ import annotations

from pathlib import Path

from tests.portal.conftest import PASSWORD, log_in_page
from tests.portal.fixture_data import KEY_62, PERIOD


def test_supervisor_walks_through_the_portal(
    server: str, browser, screenshot_dir: Path, tmp_path: Path
) -> None:
    context = browser.new_context(
        accept_downloads=True, viewport={"width": 1366, "height": 900}, locale="id-ID"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    shot = lambda name: page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)  # noqa: E731

    # Login (a wrong password first: the form says so and stays usable).
    page.goto(f"{server}/periods")
    assert "/login" in page.url
    page.fill("input[name=username]", "sup62")
    page.fill("input[name=password]", "bukan-ini")
    page.click("button[type=submit]")
    assert "Nama pengguna atau kata sandi salah" in page.text_content("p.alert")
    shot("01_login_gagal")
    page.fill("input[name=username]", "sup62")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/periods")
    assert page.locator("h1").text_content() == "Periode terbit"

    # The period's summary.
    page.click(f"text={PERIOD}")
    page.wait_for_url(f"{server}/periods/{PERIOD}")
    assert page.locator("svg.chart rect.bar").count() == 3
    shot("02_ringkasan")

    # Filtering the list: category PDS_TK, sorted by contribution.
    page.click("text=Buka daftar temuan")
    page.select_option("select[name=kategori]", "PDS_TK")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/findings?*kategori=PDS_TK*")
    assert "3 temuan." in page.text_content("p.downloads")
    page.click("th >> text=Estimasi iuran/bulan")
    page.click("th >> text=Estimasi iuran/bulan")  # the second click sorts the largest first
    first = page.locator("table.findings tbody tr").first
    assert "PT Satu Jaya" in first.text_content()
    shot("03_daftar_temuan_pds_tk")

    # A download keeps the filter.
    with page.expect_download() as info:
        page.click("text=temuan (CSV)")
    csv = Path(info.value.path()).read_text(encoding="utf-8").splitlines()
    assert info.value.suggested_filename == f"temuan_{PERIOD}.csv"
    assert len(csv) == 1 + 3 and all(",PDS_TK," in line for line in csv[1:])

    # The employer page.
    first.locator("a").first.click()
    page.wait_for_url(f"{server}/periods/{PERIOD}/employers/{KEY_62}?kembali=*")  # the list's filters travel
    assert "627101******0004" in page.content()
    shot("04_pemberi_kerja")

    # A follow-up change.
    page.select_option("select[name=stage]", "SP1")
    page.fill("input[name=officer]", "Budi Pengawas")
    page.fill("textarea[name=note]", "SP1 dikirim lewat pos tercatat")
    page.click("text=Simpan tindak lanjut")
    page.wait_for_url("**tersimpan=1**")
    assert "Tindak lanjut tersimpan." in page.text_content("p.notice")
    assert "SP1 dikirim lewat pos tercatat" in page.content()
    page.locator("#tindak-lanjut").scroll_into_view_if_needed()
    shot("05_tindak_lanjut")

    # The list now shows the stage, and the stage filter finds it.
    page.goto(f"{server}/periods/{PERIOD}/findings?tahap=SP1")
    assert "1 temuan." in page.text_content("p.downloads")
    assert "Surat peringatan 1" in page.locator("table.findings").text_content()
    shot("06_filter_tahap")
    context.close()


def test_analis_is_shown_a_plain_404_for_another_region(server: str, browser, screenshot_dir: Path) -> None:
    context = browser.new_context()
    page = context.new_page()
    log_in_page(page, server, "ana62")
    response = page.goto(f"{server}/periods/{PERIOD}/employers/3215000000001")
    assert response.status == 404 and "Halaman tidak ditemukan." in page.content()
    page.screenshot(path=str(screenshot_dir / "07_404.png"))
    context.close()
