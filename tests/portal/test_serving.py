"""How the portal reads and serves a publication: pages as rank ranges, whole-scope files with
validators and ranges, answers that never cross scopes or publications, and every download
audited under concurrent load."""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import httpx
import pytest
from sqlalchemy import func, select

from pipeline import publication
from pipeline.portal import db, exports, queries
from pipeline.portal.filters import SORTS, Filters
from pipeline.portal.followup import CURRENT_SCHEMA
from pipeline.portal.published import Publications
from pipeline.portal.scope import Scope
from pipeline.publication import STATIC_SORTS
from pipeline.publish import serving as publish_serving
from tests.portal.conftest import (
    PASSWORD,
    client_for,
    free_port,
    login,
    make_settings,
    portal_on_a_copy,
    seed_users,
)
from tests.portal.fixture_data import KEY_62, PERIOD

P = PERIOD
REPO = Path(__file__).resolve().parents[2]
EMPTY_FOLLOWUPS = CURRENT_SCHEMA.empty_table()
SCOPES = {
    "all": Scope.everything(),
    "62": Scope.of(("62",)),
    "32.15": Scope.of(("32.15",)),
    "62.71": Scope.of(("62.71",)),
    "62+32.15": Scope.of(("62", "32.15")),
}


def _reference(data: Path, scope: Scope, filters: Filters) -> list[tuple[str, str]]:
    """The list's order as the portal computed it before the serving tables: a sort of the
    published Parquet file by the filter's own ORDER BY."""
    scope_sql, params = scope.sql("f.regency_code")
    filter_sql, filter_params = filters.sql()
    con = duckdb.connect()
    con.register("followups", EMPTY_FOLLOWUPS)
    rows = con.execute(
        f"""select f.category, f.employer_key from read_parquet($path) f
            left join followups fu on fu.employer_key = f.employer_key and fu.category = f.category
            where {scope_sql} and {filter_sql} order by {filters.order_by()}""",
        {**params, **filter_params, "path": str(data / "published" / P / "findings.parquet")},
    ).fetchall()
    con.close()
    return rows


@pytest.mark.parametrize("scope_name", list(SCOPES))
def test_pages_in_every_order_read_the_same_rows_as_a_full_sort(portal_data: Path, scope_name: str) -> None:
    pubs = Publications(portal_data)
    scope = SCOPES[scope_name]
    for sort in SORTS:
        for direction in ("naik", "turun"):
            for extra in ({}, {"wilayah": "62.71"}, {"kategori": "PDS_TK"}):
                filters = Filters(urut=sort, arah=direction, **extra)
                expected = _reference(portal_data, scope, filters)
                got, page = [], 1
                while True:
                    rows, total = queries.findings_page(pubs, P, scope, filters, EMPTY_FOLLOWUPS, page, 4)
                    assert total == len(expected), (sort, direction, extra)
                    if not rows:
                        break
                    got += [(r["category"], r["employer_key"]) for r in rows]
                    page += 1
                assert got == expected, (scope_name, sort, direction, extra)


def test_a_whole_region_in_a_static_order_is_a_range_of_ranks() -> None:
    whole = queries.whole_unit
    assert whole(Scope.everything(), Filters()) == ("o", None)
    assert whole(Scope.everything(), Filters(wilayah="62")) == ("p", "62")
    assert whole(Scope.of(("62",)), Filters(urut="iuran")) == ("p", "62")
    assert whole(Scope.of(("62",)), Filters(wilayah="62.71")) == ("r", "62.71")
    assert whole(Scope.of(("32.15",)), Filters()) == ("r", "32.15")
    # a filter, two regions, or a region outside the scope: the filtered scan decides
    assert whole(Scope.everything(), Filters(kategori="PWBD")) is None
    assert whole(Scope.of(("62", "32.15")), Filters()) is None
    assert whole(Scope.of(("62",)), Filters(wilayah="32.15")) is None
    assert set(STATIC_SORTS) == set(SORTS) - {"tahap"}


def test_files_written_at_publish_are_the_portals_downloads(portal_data: Path, tmp_path: Path) -> None:
    """What publish writes (from the publication's Parquet files) is byte for byte what the
    download of that whole scope returns, gzip included."""
    published = portal_data / "published" / P
    silver = portal_data / "work" / P / "silver"
    database = tmp_path / "serving.duckdb"
    publish_serving.build_database(
        database,
        published,
        {
            "business": silver / "permits__business.parquet",
            "construction": silver / "permits__construction.parquet",
            "projects": silver / "registry__projects.parquet",
        },
    )
    written = publish_serving.write_files(database, tmp_path / "files", P)
    names = {p.name for p in written}
    assert {
        "temuan_semua.csv",
        "temuan_semua.csv.gz",
        "temuan_semua.xlsx",
        "temuan_cabang_KC-KRWG.csv",
    } <= names
    assert (tmp_path / "files" / "temuan_62.csv").read_bytes() == _csv_of(portal_data, Scope.of(("62",)))
    national = (tmp_path / "files" / "temuan_semua.csv").read_bytes()
    assert national == _csv_of(portal_data, Scope.everything())
    assert gzip.decompress((tmp_path / "files" / "temuan_semua.csv.gz").read_bytes()) == national
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "files" / "temuan_semua.xlsx").active
    assert sheet["A1"].value == f"Temuan kepatuhan periode {P} (semua wilayah)"
    assert sheet.max_row - 2 == len(national.splitlines()) - 1


def test_the_portal_reads_only_the_publication(portal_data: Path, tmp_path: Path) -> None:
    """Without the pipeline's working folder the portal shows the same pages; a publication
    without serving tables (made before them) gets them built from its Parquet files, without
    the permits, which only the serving tables hold."""
    from pipeline.portal.app import create_app

    data = tmp_path / "data"
    shutil.copytree(portal_data, data, ignore=shutil.ignore_patterns("portal-cache", "work"))
    db_url = f"sqlite:///{tmp_path / 'portal.db'}"
    seed_users(db_url)
    admin = login(client_for(create_app(make_settings(data, db_url))), "admin")
    assert "expect_column_values_to_match_regex" in admin.get(f"/periods/{P}/quality").text
    proyek = f"/periods/{P}/employers/9999999999999"
    assert "Jembatan Kahayan" in admin.get(proyek).text  # the permit's project
    shutil.rmtree(data / "published" / P / publication.SERVING)
    older = login(client_for(create_app(make_settings(data, db_url))), "admin")
    page = older.get(proyek)
    assert page.status_code == 200 and "9999999999999" in page.text and "Jembatan Kahayan" not in page.text
    assert (data / "portal-cache" / P).is_dir()
    url = f"/api/periods/{P}/findings.csv"
    assert older.get(url).text == admin.get(url).text


@pytest.fixture(scope="module")
def own_app(portal_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """A copy of the publication this module may republish, with its own portal database."""
    app, data, _ = portal_on_a_copy(portal_data, tmp_path_factory.mktemp("serving"))
    return app, data


def _csv_of(data: Path, scope: Scope) -> bytes:
    pubs = Publications(data)
    table = queries.findings_table(pubs, P, scope, Filters(), EMPTY_FOLLOWUPS)
    return exports.to_csv(table)


def test_whole_scope_file_has_validators_ranges_and_gzip(own_app) -> None:
    app, data = own_app
    client = login(client_for(app), "ana62")
    url = f"/api/periods/{P}/findings.csv"
    first = client.get(url, headers={"accept-encoding": "identity"})
    assert first.status_code == 200
    assert first.content == _csv_of(data, Scope.of(("62",)))  # the file is what the live download writes
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    assert first.headers["accept-ranges"] == "bytes"
    again = client.get(url, headers={"if-none-match": etag, "accept-encoding": "identity"})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    part = client.get(url, headers={"range": "bytes=10-109", "accept-encoding": "gzip"})
    assert part.status_code == 206 and part.content == first.content[10:110]
    assert part.headers["content-range"] == f"bytes 10-109/{len(first.content)}"
    packed = client.get(url, headers={"accept-encoding": "gzip"}, extensions={"decode": False})
    assert packed.headers["content-encoding"] == "gzip" and packed.headers["etag"] != etag
    assert packed.text.encode() == first.content  # httpx decompresses
    assert "62.71" in first.text and "32.15" not in first.text
    xlsx = client.get(f"/api/periods/{P}/findings.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["etag"]
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value == f"Temuan kepatuhan periode {P} (62)"
    assert (
        client.get(
            f"/api/periods/{P}/findings.xlsx", headers={"if-none-match": xlsx.headers["etag"]}
        ).status_code
        == 304
    )


def test_a_cached_answer_never_crosses_scopes(own_app) -> None:
    app, _ = own_app
    url = f"/api/periods/{P}/findings.csv"
    ana62 = login(client_for(app), "ana62")
    ana3215 = login(client_for(app), "ana3215")
    mine = ana62.get(url, headers={"accept-encoding": "identity"})
    theirs = ana3215.get(url, headers={"accept-encoding": "identity"})
    assert mine.headers["etag"] != theirs.headers["etag"]
    assert "32.15" in theirs.text and "62.71" not in theirs.text
    # Another scope's validator gets the full answer of one's own scope, never a 304.
    crossed = ana62.get(url, headers={"if-none-match": theirs.headers["etag"], "accept-encoding": "identity"})
    assert crossed.status_code == 200 and crossed.content == mine.content
    # A branch's file goes only to those who see all its regencies.
    branch_of_3215 = ana62.get(url, params={"cabang": "KC-KRWG"}, headers={"accept-encoding": "identity"})
    assert branch_of_3215.status_code == 200 and "32.15" not in branch_of_3215.text
    assert "etag" not in branch_of_3215.headers  # streamed: filtered by the scope, not a file
    # The country's file is the admin's alone.
    admin = login(client_for(app), "admin").get(url, headers={"accept-encoding": "identity"})
    assert admin.headers["etag"] not in (mine.headers["etag"], theirs.headers["etag"])
    assert "62.71" in admin.text and "32.15" in admin.text


def test_a_follow_up_or_a_new_publication_changes_the_file_and_its_validator(own_app) -> None:
    app, data = own_app
    url = f"/api/periods/{P}/findings.csv"
    sup = login(client_for(app), "sup62")
    before = sup.get(url, headers={"accept-encoding": "identity"})
    from tests.portal.conftest import csrf_of

    form = {
        "category": "PDS_TK",
        "stage": "SP1",
        "stage_date": "2026-11-02",
        "officer": "Budi Pengawas",
        "note": "surat SP1",
        "csrf_token": csrf_of(sup),
    }
    assert (
        sup.post(f"/periods/{P}/employers/{KEY_62}/followup", data=form, follow_redirects=False).status_code
        == 303
    )
    after = sup.get(url, headers={"if-none-match": before.headers["etag"], "accept-encoding": "identity"})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert "SP1,2026-11-02,Budi Pengawas,surat SP1" in after.text
    # The other region's file is untouched by 62's follow-up.
    ana3215 = login(client_for(app), "ana3215")
    assert "SP1" not in ana3215.get(url, headers={"accept-encoding": "identity"}).text
    # A new publication (its manifest changes) invalidates every validator.
    manifest = data / "published" / P / "manifest.json"
    content = json.loads(manifest.read_text())
    content["republished"] = True
    manifest.write_text(json.dumps(content))
    renewed = sup.get(url, headers={"if-none-match": after.headers["etag"], "accept-encoding": "identity"})
    assert renewed.status_code == 200 and renewed.headers["etag"] != after.headers["etag"]
    assert renewed.content == after.content


def test_filtered_download_streams_in_blocks(own_app, monkeypatch: pytest.MonkeyPatch) -> None:
    app, data = own_app
    monkeypatch.setattr(queries, "CSV_READ_BYTES", 200)
    pubs = Publications(data)
    scope = Scope.everything()
    filters = Filters(status="BARU")
    _, sql, params = queries.findings_relation(pubs, P, scope, filters)
    blocks = list(queries.csv_chunks(pubs, P, sql, params, EMPTY_FOLLOWUPS))
    whole = exports.to_csv(queries.findings_table(pubs, P, scope, filters, EMPTY_FOLLOWUPS))
    assert len(blocks) > 2 and b"".join(blocks) == whole
    assert max(len(b) for b in blocks) <= 200
    # a client that goes away stops the copy and leaves no file behind
    chunks = queries.csv_chunks(pubs, P, sql, params, EMPTY_FOLLOWUPS)
    assert next(chunks).startswith(b"period,category,")
    chunks.close()
    none = list(
        queries.csv_chunks(pubs, P, sql.replace("where", "where false and", 1), params, EMPTY_FOLLOWUPS)
    )
    assert b"".join(none) == whole.splitlines(keepends=True)[0]


def test_every_download_of_a_concurrent_burst_is_audited(portal_data: Path, tmp_path: Path) -> None:
    """`rekon serve` with two worker processes; 60 downloads from 12 threads at once, whole-scope
    files, 304s, ranges and streamed ones alike: one audit row each."""
    db_url = f"sqlite:///{tmp_path / 'portal.db'}"
    seed_users(db_url)
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "REKON_PORTAL_DB": db_url,
        "REKON_PORTAL_INSECURE_COOKIES": "1",
        "HOME": str(tmp_path),
    }
    code = "import sys; from pipeline.cli import main; sys.exit(main())"
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            "serve",
            "--data",
            str(portal_data),
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "the portal did not start"
            time.sleep(0.3)
        urls = [
            f"/api/periods/{P}/findings.csv",
            f"/api/periods/{P}/findings.csv?kategori=PDS_TK",
            f"/api/periods/{P}/findings.xlsx",
            f"/api/periods/{P}/findings.xlsx?status=BARU",
            f"/api/periods/{P}/workers.csv",
        ]

        def fetch(i: int) -> int:
            user = ("admin", "ana62", "sup3215")[i % 3]
            headers = {"range": "bytes=0-9"} if i % 7 == 0 else {}
            response = httpx.get(
                base + urls[i % len(urls)], auth=(user, PASSWORD), headers=headers, timeout=120
            )
            assert response.status_code in (200, 206), response.status_code
            return response.status_code

        with ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(fetch, range(60)))
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert len(statuses) == 60 and 206 in statuses
    engine = db.connect(db_url)
    with engine.connect() as con:
        downloads = con.execute(
            select(func.count()).select_from(db.audit_log).where(db.audit_log.c.action == "download")
        ).scalar_one()
    engine.dispose()
    assert downloads == 60


def test_a_kept_page_is_for_its_own_session_and_state(own_app) -> None:
    app, _ = own_app
    url = f"/periods/{P}/findings?wilayah=62.71"
    ana62, other62, ana3215 = (login(client_for(app), u) for u in ("ana62", "ana62", "ana3215"))
    first = ana62.get(url).text
    assert ana62.get(url).text == first  # kept
    # another session of the same user gets a page with its own CSRF token
    token = re.search(r'name="csrf_token" value="([^"]+)"', first).group(1)
    assert token not in other62.get(url).text
    # another scope: nothing of 62.71
    assert "PT Satu Jaya" in first and "PT Satu Jaya" not in ana3215.get(url).text
