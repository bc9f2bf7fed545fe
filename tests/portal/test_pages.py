"""The pages a compliance officer reads: periods, summary, quality, the list, an employer."""

from __future__ import annotations

import re

from tests.portal.fixture_data import EARLIER, KEY_62, PERIOD

P = PERIOD


def rows_of(html: str) -> list[str]:
    """Employer keys of the findings table, in page order."""
    return re.findall(r"<br><small>(\d+)</small></td>", html)


def test_periods_lists_newest_first_with_counts_in_scope(logged_in) -> None:
    html = logged_in("ana62").get("/periods").text
    assert html.index(PERIOD) < html.index(EARLIER)
    assert re.search(rf"{PERIOD}</a></td>\s*<td class=\"num\">9</td>", html)  # nine findings in region 62
    admin = logged_in("admin").get("/periods").text
    assert re.search(rf"{PERIOD}</a></td>\s*<td class=\"num\">11</td>", admin)


def test_summary_has_categories_branches_coverage_and_quality(logged_in) -> None:
    html = logged_in("ana62").get(f"/periods/{P}").text
    for text in (
        "PDS_TK",
        "Kantor Cabang Palangka Raya",
        "Cakupan kepesertaan",
        "<svg",
        "Kualitas data",
        f"/periods/{P}/quality",
        "payroll",
    ):
        assert text in html
    assert "Jawa Barat" not in html


def test_quality_report_shows_expectations_and_files_for_admins_only(logged_in) -> None:
    analis = logged_in("ana62").get(f"/periods/{P}/quality").text
    assert "invalid_nik" in analis and "expect_column_values_to_match_regex" in analis
    assert "a_payroll.csv" not in analis
    assert "a_payroll.csv" in logged_in("admin").get(f"/periods/{P}/quality").text
    report = logged_in("admin").get(f"/periods/{P}/quality/report")
    assert report.status_code == 200 and "payroll" in report.text
    assert "'unsafe-inline'" in report.headers["content-security-policy"]
    assert "script" not in report.headers["content-security-policy"]


def test_filters_sorting_and_paging(logged_in) -> None:
    client = logged_in("ana62")
    first = client.get(f"/periods/{P}/findings").text  # page size 3 in these tests
    assert "9 temuan." in first and "Halaman 1 dari 3" in first and len(rows_of(first)) == 3
    pages = [rows_of(client.get(f"/periods/{P}/findings?hal={n}").text) for n in (1, 2, 3)]
    export = client.get(f"/api/periods/{P}/findings.csv").text.splitlines()[1:]
    assert sorted(sum(pages, [])) == sorted(line.split(",")[2] for line in export)
    pwbd = client.get(f"/periods/{P}/findings?kategori=PWBD").text
    assert "3 temuan." in pwbd
    by_money = client.get(f"/periods/{P}/findings?kategori=PWBD&urut=iuran&arah=turun").text
    assert rows_of(by_money)[0] == "9999999999999"  # Rp 9.113.976 a month, the largest
    assert "1 temuan." in client.get(f"/periods/{P}/findings?cari=satu jaya").text
    assert "1 temuan." in client.get(f"/periods/{P}/findings?cari={KEY_62}").text
    assert "3 temuan." in client.get(f"/periods/{P}/findings?wilayah=62.01").text
    assert "6 temuan." in client.get(f"/periods/{P}/findings?wilayah=62.71").text
    assert "3 temuan." in client.get(f"/periods/{P}/findings?cabang=KC-PBUN").text
    assert "9 temuan." in client.get(f"/periods/{P}/findings?status=BARU").text
    # The download links carry the same filters.
    assert f"/api/periods/{P}/findings.csv?kategori=PWBD" in pwbd


def test_employer_page_has_the_evidence(logged_in) -> None:
    html = logged_in("ana62").get(f"/periods/{P}/employers/5555555555555").text
    for text in (
        "PT Lima",
        "PDS_PROGRAM",
        "PDS_TK",
        "belum ikut JP",
        "620101******0014",
        "Rp 3.900.000",
        "Izin usaha",
        "MENENGAH",
        "Temuan dari waktu ke waktu",
        EARLIER,
        "Tindak lanjut",
    ):
        assert text in html, text
    assert '<form method="post" action="/periods' not in html  # analis: no follow-up form
    proyek = logged_in("ana62").get(f"/periods/{P}/employers/9999999999999").text
    assert "SPK/001/2026" in proyek and "Jembatan Kahayan" in proyek and "Rp 2.500.000.000" in proyek


def test_fixture_matches_the_publisher() -> None:
    """The fixture's tables have the columns `rekon run` publishes (see fixture_data's note)."""
    import duckdb

    from pipeline.publication import TABLES
    from tests.portal.fixture_data import DATA

    for name in ("findings", "workers", "coverage", "resolved", "quarantine", "workers_full"):
        actual = [
            d[0]
            for d in duckdb.sql(f"select * from read_csv('{DATA / (name + '.csv')}') limit 0").description
        ]
        assert actual == list(TABLES[name].columns), name


def test_review_fixture_has_the_contracts_columns() -> None:
    """review.csv's columns as contract section 7 lists them, and as the publisher writes them
    once it publishes the review list."""
    import duckdb

    from pipeline.portal.review import COLUMNS
    from pipeline.publication import REVIEW
    from tests.portal.fixture_data import DATA

    actual = [
        d[0] for d in duckdb.sql(f"select * from read_csv('{DATA / 'review.csv'}') limit 0").description
    ]
    assert actual == list(COLUMNS) == list(REVIEW.columns)
