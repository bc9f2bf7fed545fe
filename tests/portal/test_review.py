"""Perlu Tinjauan: the review list in scope, decisions (who may, CSRF, stored in the decision store
and the audit log, the latest counting), and the list's downloads.

This module has a data folder of its own: its decisions must not change what other modules see."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from pipeline.portal import db, decisions
from pipeline.portal.review import COLUMNS, DECISION_COLUMNS
from tests.portal import fixture_data
from tests.portal.conftest import PASSWORD, csrf_of
from tests.portal.fixture_data import (
    EARLIER,
    PERIOD,
    REVIEW_AGUS,
    REVIEW_KARAWANG,
    REVIEW_NO_CANDIDATE,
    REVIEW_NO_REGENCY,
)

P = PERIOD
PAGE = f"/periods/{P}/tinjauan"
DECIDE = f"/periods/{P}/tinjauan/keputusan"


@pytest.fixture(scope="module")
def portal_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture_data.build(tmp_path_factory.mktemp("review"))


def store(data: Path) -> list[dict[str, str]]:
    path = data / "decisions" / decisions.PORTAL_FILE
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def decide(client, review_id: str, decision: str, note: str = "", token: str | None = None, **extra):
    form = {
        "review_id": review_id,
        "decision": decision,
        "note": note,
        "csrf_token": csrf_of(client, PAGE) if token is None else token,
        **extra,
    }
    return client.post(DECIDE, data=form, follow_redirects=False)


def audit_rows(app, action: str) -> list[dict]:
    log = db.audit_log
    with app.state.portal.engine.connect() as con:
        rows = con.execute(select(log).where(log.c.action == action).order_by(log.c.id)).all()
    return [dict(r._mapping) for r in rows]


def shown_ids(html: str) -> list[str]:
    return re.findall(r'<article class="review" id="r-([^"]+)"', html)


def test_the_list_shows_undecided_rows_of_the_users_regions(logged_in) -> None:
    html = logged_in("ana62").get(PAGE).text
    assert "6 baris." in html and "6 belum diputuskan, 0 sudah diputuskan" in html
    assert "Halaman 1 dari 2" in html and len(shown_ids(html)) == 3  # page size 3
    for text in (
        "627101******0010",
        "Hadi Susanto",
        "H. Hadi Susanto, S.E.",
        "55,0%",
        "dua digit NIK bertukar",
    ):
        assert text in html, text
    assert "Karawang" not in html and "Tanpa Wilayah" not in html
    # An analis sees the list but decides nothing.
    assert 'action="/periods/2026-10/tinjauan/keputusan"' not in html
    second = logged_in("ana62").get(f"{PAGE}?hal=2").text
    assert len(shown_ids(second)) == 3 and not set(shown_ids(second)) & set(shown_ids(html))
    sup = logged_in("sup3215").get(f"{PAGE}?keputusan=semua").text
    assert shown_ids(sup) == [REVIEW_KARAWANG] and "Asep Karawang" in sup
    admin = logged_in("admin").get(f"{PAGE}?keputusan=semua&cari=Tanpa").text
    assert shown_ids(admin) == [REVIEW_NO_REGENCY]  # a row without a regency: admins only


@pytest.mark.parametrize(
    "query,expected",
    [
        ("alasan=nik_tidak_valid", 2),
        ("alasan=kemungkinan_cocok", 4),
        ("wilayah=62.01", 1),
        ("wilayah=62", 6),
        ("wilayah=32.15", 0),
        ("cabang=KC-PBUN", 1),
        ("cabang=KC-PLKR", 5),
        ("cari=dewi", 1),
        ("cari=Lestary", 1),  # the candidate's name
        ("cari=4444444444444", 1),
        (f"cari={REVIEW_AGUS}", 1),
    ],
)
def test_filters(logged_in, query: str, expected: int) -> None:
    html = logged_in("sup62").get(f"{PAGE}?{query}").text
    assert f"{expected} baris." in html


@pytest.mark.parametrize("query", ["alasan=semua", "keputusan=ya", "wilayah=62.7", "urut=acak", "hal=0"])
def test_bad_filters_are_refused(logged_in, query: str) -> None:
    assert logged_in("sup62").get(f"{PAGE}?{query}").status_code == 400


def test_an_older_publication_has_nothing_to_review(logged_in) -> None:
    client = logged_in("sup62")
    html = client.get(f"/periods/{EARLIER}/tinjauan").text
    assert "Tidak ada yang perlu ditinjau untuk periode ini" in html
    body = client.get(f"/api/periods/{EARLIER}/review.csv").text
    assert body.splitlines() == [",".join(COLUMNS + DECISION_COLUMNS)]
    assert "0 belum diputuskan" in client.get(f"/periods/{EARLIER}").text
    form = {"review_id": REVIEW_AGUS, "decision": "SAMA", "csrf_token": csrf_of(client)}
    assert client.post(f"/periods/{EARLIER}/tinjauan/keputusan", data=form).status_code == 404


def test_summary_and_navigation_lead_to_the_list(logged_in) -> None:
    client = logged_in("ana62")
    summary = client.get(f"/periods/{P}").text
    assert f'href="/periods/{P}/tinjauan"' in summary
    assert re.search(r"Perlu tinjauan \(\d+ belum diputuskan\)", summary)
    assert '<a href="/tinjauan">Perlu tinjauan</a>' in client.get("/periods").text
    response = client.get("/tinjauan", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/periods/{P}/tinjauan"


def test_a_decision_is_stored_audited_shown_and_can_be_changed(app, as_user, portal_data) -> None:
    sup = as_user("sup62")
    before = len(store(portal_data))
    response = decide(
        sup, REVIEW_AGUS, "SAMA", note='dicek ke kantor,\n  slip gaji\t"sama"', kembali="alasan=x"
    )
    assert response.status_code == 400  # the filters to return to are checked too
    response = decide(
        sup, REVIEW_AGUS, "SAMA", note='dicek ke kantor,\n  slip gaji\t"sama"', kembali="cari=Agus"
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}?cari=Agus&tersimpan={REVIEW_AGUS}#tersimpan"
    rows = store(portal_data)
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row["review_id"], row["decision"], row["decided_by"]) == (REVIEW_AGUS, "SAMA", "sup62")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["decided_on"])
    assert row["note"] == 'dicek ke kantor, slip gaji "sama"'  # one line, the text kept
    entry = audit_rows(app, "review_decision")[-1]
    assert entry["username"] == "sup62" and entry["target"] == f"{P}/{REVIEW_AGUS}"
    detail = json.loads(entry["detail"])
    assert detail["from"] is None and detail["to"] == "SAMA" and detail["employer_key"] == "1111111111111"

    page = sup.get(response.headers["location"]).text
    assert "Keputusan tersimpan untuk Agus Salim (627101******0004): Orang yang sama." in page
    assert REVIEW_AGUS not in shown_ids(sup.get(PAGE).text)  # no longer among the undecided
    decided = sup.get(f"{PAGE}?keputusan=sudah").text
    assert shown_ids(decided) == [REVIEW_AGUS]
    assert "Orang yang sama</strong>" in decided and "oleh sup62" in decided and "Ubah: " in decided

    # Changed by deciding again: the latest counts, both stay in the store.
    assert decide(sup, REVIEW_AGUS, "BEDA", note="beda tanggal lahir").status_code == 303
    assert [r["decision"] for r in store(portal_data)[-2:]] == ["SAMA", "BEDA"]
    decided = sup.get(f"{PAGE}?keputusan=sudah").text
    assert "Bukan orang yang sama</strong>" in decided and "beda tanggal lahir" in decided
    detail = json.loads(audit_rows(app, "review_decision")[-1]["detail"])
    assert (detail["from"], detail["to"]) == ("SAMA", "BEDA")
    csv_text = sup.get(f"/api/periods/{P}/review.csv?keputusan=sudah").text
    assert csv_text.splitlines()[1].startswith(REVIEW_AGUS) and ",BEDA,sup62," in csv_text


def test_a_teams_own_decision_file_counts_by_its_date(as_user, portal_data) -> None:
    """Latest wins across the store's files: an older team decision does not undo the portal's,
    a newer one does."""
    sup = as_user("sup62")
    review_id = "8b20d6e4a9c71f35"  # Dewi Lestari
    assert decide(sup, review_id, "BEDA").status_code == 303
    team = portal_data / "decisions" / "tim_palangkaraya.csv"
    team.write_text(f"review_id,decision,decided_by,decided_on,note\n{review_id},SAMA,tim,2020-01-01,lama\n")
    page = sup.get(f"{PAGE}?keputusan=sudah&cari={review_id}").text
    assert "Bukan orang yang sama</strong>" in page
    team.write_text(f"review_id,decision,decided_by,decided_on,note\n{review_id},SAMA,tim,2999-01-01,baru\n")
    page = sup.get(f"{PAGE}?keputusan=sudah&cari={review_id}").text
    assert "Orang yang sama</strong>" in page and "oleh tim" in page
    team.unlink()


def test_csrf_is_required(as_user, portal_data) -> None:
    sup = as_user("sup62")
    before = store(portal_data)
    assert decide(sup, REVIEW_AGUS, "SAMA", token="").status_code == 403
    assert decide(sup, REVIEW_AGUS, "SAMA", token="palsu-" + "x" * 40).status_code == 403
    # Another session's token is not this session's.
    other = as_user("sup62")
    assert decide(sup, REVIEW_AGUS, "SAMA", token=csrf_of(other)).status_code == 403
    assert store(portal_data) == before


def test_who_may_decide_what(as_user, portal_data) -> None:
    before = store(portal_data)
    assert decide(as_user("ana62"), REVIEW_AGUS, "SAMA").status_code == 403  # analis: never
    sup62 = as_user("sup62")
    # Outside the user's regions looks exactly like no such row.
    assert decide(sup62, REVIEW_KARAWANG, "SAMA").status_code == 404
    assert decide(sup62, REVIEW_NO_REGENCY, "SAMA").status_code == 404
    assert decide(sup62, "0000000000000000", "SAMA").status_code == 404
    assert decide(sup62, "../../etc/passwd", "SAMA").status_code == 404
    assert decide(as_user("sup3215"), REVIEW_AGUS, "SAMA").status_code == 404
    # Inside: only SAMA or BEDA, a note of at most 500 characters, a row with a candidate.
    assert decide(sup62, REVIEW_AGUS, "MUNGKIN").status_code == 400
    assert decide(sup62, REVIEW_AGUS, "SAMA", note="x" * 501).status_code == 400
    assert decide(sup62, REVIEW_NO_CANDIDATE, "SAMA").status_code == 400
    assert store(portal_data) == before
    assert decide(as_user("sup3215"), REVIEW_KARAWANG, "SAMA").status_code == 303
    assert decide(as_user("admin"), REVIEW_NO_REGENCY, "BEDA").status_code == 303
    assert [(r["review_id"], r["decided_by"]) for r in store(portal_data)[len(before) :]] == [
        (REVIEW_KARAWANG, "sup3215"),
        (REVIEW_NO_REGENCY, "admin"),
    ]


def test_downloads_are_scoped_audited_and_typed(app, as_user) -> None:
    sup = as_user("sup62")
    response = sup.get(f"/api/periods/{P}/review.csv?keputusan=semua&alasan=kemungkinan_cocok")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="tinjauan_{P}.csv"'
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert list(table[0]) == list(COLUMNS + DECISION_COLUMNS)
    assert len(table) == 4 and {r["regency_code"] for r in table} == {"62.71", "62.01"}
    entry = audit_rows(app, "download")[-1]
    assert entry["target"] == f"tinjauan_{P}.csv" and entry["username"] == "sup62"
    assert json.loads(entry["detail"]) == {
        "filters": {"keputusan": "semua", "alasan": "kemungkinan_cocok"},
        "rows": 4,
    }

    xlsx = sup.get(f"/api/periods/{P}/review.xlsx?keputusan=semua&cari={REVIEW_AGUS}")
    assert xlsx.status_code == 200 and audit_rows(app, "download")[-1]["target"] == f"tinjauan_{P}.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["Perlu Tinjauan"]
    assert [c.value for c in sheet[2]] == list(COLUMNS + DECISION_COLUMNS)
    row = {name: cell for name, cell in zip(COLUMNS + DECISION_COLUMNS, sheet[3], strict=True)}
    assert row["review_id"].value == REVIEW_AGUS and row["nik_masked"].value == "627101******0004"
    assert row["match_probability"].value == pytest.approx(0.62)
    assert row["match_probability"].number_format == "0.000"
    assert row["gross_wage"].value == 3500000 and row["gross_wage"].number_format == "#,##0"
    assert sheet.max_row == 3

    # HTTP Basic, as scripts use it, gets the same scope.
    script = as_user(None).get(f"/api/periods/{P}/review.csv?keputusan=semua", auth=("sup3215", PASSWORD))
    assert [r["review_id"] for r in csv.DictReader(io.StringIO(script.text))] == [REVIEW_KARAWANG]
