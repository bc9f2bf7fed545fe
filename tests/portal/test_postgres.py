"""The portal on Postgres, the production database: the same flows as on SQLite.

Uses the PostgreSQL that CI starts (127.0.0.1:5432, database `test`, REKON_TEST_POSTGRES_URL to
point elsewhere) in a schema of its own, dropped afterwards; it starts nothing and skips nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from pipeline.portal import audit, followup
from pipeline.portal.app import create_app
from pipeline.portal.db import connect
from pipeline.portal.scope import Scope
from tests.portal.conftest import client_for, csrf_of, login, make_settings, postgres_schema, seed_users
from tests.portal.fixture_data import KEY_62, PERIOD


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with postgres_schema("rekon_portal_test") as url:
        yield url


def test_portal_runs_on_postgres(portal_data, pg_url: str) -> None:
    seed_users(pg_url)
    app = create_app(make_settings(portal_data, pg_url))
    engine = app.state.portal.engine
    assert engine.dialect.name == "postgresql"
    client = login(client_for(app), "sup62")
    form = {
        "category": "PDS_TK",
        "stage": "SP2",
        "stage_date": "2026-11-03",
        "officer": "Rina",
        "note": "surat kedua",
        "csrf_token": csrf_of(client),
    }
    response = client.post(
        f"/periods/{PERIOD}/employers/{KEY_62}/followup", data=form, follow_redirects=False
    )
    assert response.status_code == 303
    assert followup.current_stage(engine, KEY_62, "PDS_TK") == "SP2"
    assert followup.current_table(engine, Scope.everything()).num_rows == 1
    csv = client.get(f"/api/periods/{PERIOD}/findings.csv?tahap=SP2").text.splitlines()
    assert len(csv) == 2 and csv[1].endswith("SP2,2026-11-03,Rina,surat kedua")
    actions = [e["action"] for e in audit.entries(engine, audit.AuditQuery(username="sup62"))]
    assert {"login", "followup_change", "download"} <= set(actions)
    with connect(pg_url).connect() as con:
        tables = set(
            con.execute(text("select tablename from pg_tables where schemaname = current_schema()")).scalars()
        )
    assert {"portal_users", "portal_sessions", "portal_followup_events", "portal_audit_log"} <= tables


def test_a_database_from_before_note_regencies_gains_the_column(pg_url: str) -> None:
    connect(pg_url).dispose()
    admin = create_engine(pg_url)
    with admin.begin() as con:
        for table in ("portal_followup_events", "portal_followup_current"):
            con.execute(text(f"alter table {table} drop column regency_code"))
    connect(pg_url).dispose()
    with admin.connect() as con:
        columns = con.execute(
            text(
                "select table_name from information_schema.columns where column_name = 'regency_code' "
                "and table_schema = current_schema()"
            )
        ).scalars()
        assert {"portal_followup_events", "portal_followup_current"} <= set(columns)
    admin.dispose()
