"""Twenty HTTP requests issuing letters at the same moment, against the portal under uvicorn, on
SQLite and on Postgres (where the transactions really overlap):
twenty SP1s on twenty cases get twenty numbers; the same SP1 asked for twenty times is issued once."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import httpx
import pytest
from sqlalchemy import select

from pipeline.portal.app import create_app
from pipeline.portal.case_tables import letters
from tests.portal.conftest import PASSWORD, make_settings, postgres_schema, seed_users, served
from tests.portal.fixture_data import KEY_62, PERIOD, _q, serve

KEYS = [f"77000000000{i:02d}" for i in range(20)]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('requestsdb') / 'portal.db'}"
        return
    with postgres_schema("followup_requests") as url:
        yield url


@pytest.fixture(scope="module")
def server(
    portal_data: Path, db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, object]]:
    root = tmp_path_factory.mktemp("requests")
    data = root / "data"
    shutil.copytree(portal_data, data)
    findings = data / "published" / PERIOD / "findings.parquet"
    con = duckdb.connect()
    # Twenty more PDS_TK employers in Palangka Raya, copies of PT Satu Jaya under other keys.
    con.execute(
        f"""create table f as select * from read_parquet({_q(findings)})
            union all by name
            select * replace (k.key as employer_key, k.key as nib, 'PT Uji ' || k.key as employer_name)
            from read_parquet({_q(findings)}), (select unnest($keys) as key) k
            where employer_key = '{KEY_62}' and category = 'PDS_TK'""",
        {"keys": KEYS},
    )
    con.execute(f"copy f to {_q(findings)} (format parquet)")
    con.close()
    serve(findings.parent, PERIOD, data / "work" / PERIOD / "silver")
    # The publication changed without a new manifest (a publish always writes one): the files
    # the portal built for the copied folder's publication are stale.
    shutil.rmtree(data / "portal-cache", ignore_errors=True)
    seed_users(db_url)
    app = create_app(make_settings(data, db_url, cookie_secure=False))
    with served(app) as url:
        yield url, app
    app.state.portal.engine.dispose()


def _session(base: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post(
        "/login", data={"username": "sup62", "password": PASSWORD, "csrf_token": token, "next": "/periods"}
    )
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/periods").text).group(1)
    return client, csrf


def _post_all(base: str, paths: list[str]) -> list[int]:
    sessions = [_session(base) for _ in paths]  # one logged-in browser per request
    start = threading.Barrier(len(paths))

    def one(i: int) -> int:
        client, csrf = sessions[i]
        start.wait()
        return client.post(paths[i], data={"csrf_token": csrf}).status_code

    with ThreadPoolExecutor(len(paths)) as pool:
        codes = list(pool.map(one, range(len(paths))))
    for client, _ in sessions:
        client.close()
    return codes


def test_twenty_requests_twenty_numbers(server) -> None:
    base, app = server
    paths = [f"/periods/{PERIOD}/employers/{k}/kasus/PDS_TK/surat/SP1" for k in KEYS]
    assert _post_all(base, paths) == [303] * 20
    with app.state.portal.engine.connect() as con:
        numbers = (
            con.execute(select(letters.c.number).where(letters.c.employer_key.in_(KEYS))).scalars().all()
        )
    assert len(numbers) == 20 and len(set(numbers)) == 20
    assert sorted(n.split("/")[0] for n in numbers) == [f"{i:04d}" for i in range(1, 21)]


def test_twenty_requests_for_one_letter_issue_it_once(server) -> None:
    base, app = server
    assert (
        _post_all(base, [f"/periods/{PERIOD}/employers/{KEY_62}/kasus/PDS_TK/surat/SP1"] * 20) == [303] * 20
    )
    with app.state.portal.engine.connect() as con:
        rows = con.execute(select(letters.c.number).where(letters.c.employer_key == KEY_62)).scalars().all()
    assert len(rows) == 1
