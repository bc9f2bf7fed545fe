"""A supervisor on a phone takes an undecided worker of Perlu Tinjauan to a decision in Debian's
Chromium, changes it, and downloads the list; the decision lands in the decision store.

(The run that applies the decision is tests/integration/test_review_decision_rerun.py.)"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from pipeline.portal import decisions
from tests.portal import fixture_data
from tests.portal.conftest import log_in_page
from tests.portal.fixture_data import PERIOD, REVIEW_AGUS

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def portal_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture_data.build(tmp_path_factory.mktemp("reviewbrowser"))


def store_rows(data: Path) -> list[dict[str, str]]:
    text = (data / "decisions" / decisions.PORTAL_FILE).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_supervisor_decides_an_undecided_worker_on_a_phone(
    server: str,
    browser,
    portal_data: Path,
    screenshot_dir: Path,
) -> None:
    context = browser.new_context(
        accept_downloads=True, viewport=PHONE, locale="id-ID", is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    shot = lambda name: page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)  # noqa: E731

    def fits_the_screen() -> bool:
        return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    log_in_page(page, server, "sup62")

    # From the period's summary to the list of undecided workers.
    page.goto(f"{server}/periods/{PERIOD}")
    page.click("text=Perlu tinjauan (6 belum diputuskan)")
    page.wait_for_url(f"{server}/periods/{PERIOD}/tinjauan")
    assert "6 baris." in page.text_content("p.downloads")
    assert fits_the_screen()
    shot("11_tinjauan_ponsel")

    # Find Agus Salim, then decide: the same person, with a note.
    page.fill("input[name=cari]", "Agus")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/tinjauan?*cari=Agus*")
    card = page.locator(f"#r-{REVIEW_AGUS}")
    assert "627101******0004" in card.text_content() and "62,0%" in card.text_content()
    assert "belum diputuskan" in card.locator("p.current").text_content()
    card.locator("textarea[name=note]").fill("Dicek dengan KTP dan slip gaji")
    card.locator("button[value=SAMA]").click()
    page.wait_for_url(f"**tersimpan={REVIEW_AGUS}**")
    notice = page.text_content("p.notice")
    assert "Keputusan tersimpan untuk Agus Salim (627101******0004): Orang yang sama." in notice
    assert page.locator("article.review").count() == 0  # no longer undecided, and the search kept
    assert fits_the_screen()
    shot("12_keputusan_tersimpan")
    [row] = store_rows(portal_data)
    assert (row["review_id"], row["decision"], row["decided_by"], row["note"]) == (
        REVIEW_AGUS,
        "SAMA",
        "sup62",
        "Dicek dengan KTP dan slip gaji",
    )

    # The decision is shown, and changed by deciding again.
    page.click("text=Lihat atau ubah keputusan")
    card = page.locator(f"#r-{REVIEW_AGUS}")
    assert "Orang yang sama" in card.locator("p.current").text_content()
    assert "oleh sup62" in card.locator("p.current").text_content()
    card.locator("button[value=BEDA]").click()
    page.wait_for_url(f"**tersimpan={REVIEW_AGUS}**")
    assert "Bukan orang yang sama." in page.text_content("p.notice")
    assert [r["decision"] for r in store_rows(portal_data)] == ["SAMA", "BEDA"]
    page.goto(f"{server}/periods/{PERIOD}/tinjauan?keputusan=sudah")
    assert "Bukan orang yang sama" in page.locator(f"#r-{REVIEW_AGUS} p.current").text_content()
    assert fits_the_screen()
    shot("13_keputusan_diubah")

    # The download has the decision that counts.
    with page.expect_download() as info:
        page.click("text=perlu tinjauan (CSV)")
    assert info.value.suggested_filename == f"tinjauan_{PERIOD}.csv"
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert [(r["review_id"], r["decision"], r["decided_by"]) for r in rows] == [
        (REVIEW_AGUS, "BEDA", "sup62")
    ]
    context.close()
