"""Answers the portal keeps or looks up instead of computing again: the search through the
publication's search tables, a filtered CSV kept once streamed, a rendered page shared by a
user's sessions. Each gives what the computed answer gives, to the same scope only, and every
download is still audited."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import func, select

from pipeline.portal import db, queries, search
from pipeline.portal.filters import Filters
from pipeline.portal.followup import CURRENT_SCHEMA
from pipeline.portal.published import Publications
from pipeline.portal.scope import Scope
from tests.portal.conftest import client_for, login, portal_on_a_copy
from tests.portal.fixture_data import KEY_62, PERIOD

P = PERIOD
EMPTY_FOLLOWUPS = CURRENT_SCHEMA.empty_table()
TEXTS = (
    "satu",
    "PT. SATU JAYA",
    "satu jya",
    "Empat Sekawn",
    "karawng makmur",
    "CV Empat",
    "1111",
    "1000000",
    "01.234.567",
    "sentosa jaya",
    "zzzz",
    "a",
    "PT",
    KEY_62,
)


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("scope", [Scope.everything(), Scope.of(("62",)), Scope.of(("32.15",))])
def test_the_search_tables_find_what_the_search_finds(portal_data: Path, text: str, scope: Scope) -> None:
    """The search through the serving tables finds exactly the findings that the search over
    every finding's name and identifiers finds."""
    scope_sql, params = scope.sql("f.regency_code")
    predicate, search_params = search.predicate(text)
    con = duckdb.connect()
    expected = con.execute(
        f"select category, employer_key from read_parquet($path) f where {scope_sql} and {predicate}",
        {**params, **search_params, "path": str(portal_data / "published" / P / "findings.parquet")},
    ).fetchall()
    con.close()
    pubs = Publications(portal_data)
    found = queries.findings_table(pubs, P, scope, Filters(cari=text), EMPTY_FOLLOWUPS)
    assert sorted(
        zip(found["category"].to_pylist(), found["employer_key"].to_pylist(), strict=True)
    ) == sorted(expected)
    assert queries.count_findings(pubs, P, scope, Filters(cari=text), EMPTY_FOLLOWUPS) == len(expected)


@pytest.fixture(scope="module")
def kept_app(portal_data: Path, tmp_path_factory: pytest.TempPathFactory):
    app, _, db_url = portal_on_a_copy(portal_data, tmp_path_factory.mktemp("kept"))
    return app, db_url


def _downloads(db_url: str) -> int:
    engine = db.connect(db_url)
    with engine.connect() as con:
        count = con.execute(
            select(func.count()).select_from(db.audit_log).where(db.audit_log.c.action == "download")
        ).scalar_one()
    engine.dispose()
    return count


def test_a_filtered_csv_is_kept_once_streamed_and_each_download_audited(kept_app) -> None:
    app, db_url = kept_app
    url = f"/api/periods/{P}/findings.csv?status=BARU"
    identity = {"accept-encoding": "identity"}
    ana62 = login(client_for(app), "ana62")
    before = _downloads(db_url)
    streamed = ana62.get(url, headers=identity)
    assert streamed.status_code == 200 and "etag" not in streamed.headers
    kept = ana62.get(url, headers=identity)
    assert kept.status_code == 200 and kept.headers["etag"] and kept.content == streamed.content
    packed = ana62.get(url, headers={"accept-encoding": "gzip"}, extensions={"decode": False})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == streamed.content  # httpx decompresses
    again = ana62.get(url, headers={**identity, "if-none-match": kept.headers["etag"]})
    assert again.status_code == 304
    assert _downloads(db_url) == before + 4
    # Another scope asking the same question gets its own answer, computed for it.
    ana3215 = login(client_for(app), "ana3215")
    theirs = ana3215.get(url, headers={**identity, "if-none-match": kept.headers["etag"]})
    assert theirs.status_code == 200 and "etag" not in theirs.headers
    assert "62.71" in streamed.text and "62.71" not in theirs.text
    # A search is never kept.
    searched = f"/api/periods/{P}/findings.csv?cari=satu"
    assert ana62.get(searched, headers=identity).status_code == 200
    assert "etag" not in ana62.get(searched, headers=identity).headers


def test_a_users_sessions_share_a_rendered_page_each_with_its_own_token(
    kept_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = kept_app
    url = f"/periods/{P}/findings?wilayah=62"
    first, second = login(client_for(app), "sup62"), login(client_for(app), "sup62")
    page = first.get(url).text
    rendered = []
    original = queries.findings_page
    monkeypatch.setattr(queries, "findings_page", lambda *a, **k: rendered.append(1) or original(*a, **k))
    shared = second.get(url).text
    assert not rendered  # the page was not rendered again
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    other = re.search(r'name="csrf_token" value="([^"]+)"', shared).group(1)
    assert token != other and shared == page.replace(token, other)
