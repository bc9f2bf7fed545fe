"""Accounts without a shell: a user changes their password; an admin or a branch head issues a
one-time reset link that expires; everything audited."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from pipeline.portal import audit
from pipeline.portal.app import create_app
from pipeline.portal.case_tables import password_resets
from tests.portal.conftest import PASSWORD, client_for, csrf_of, login, make_settings, seed_users

NEW = "kata-sandi-baru-456"


@pytest.fixture
def app(portal_data: Path, tmp_path: Path) -> FastAPI:
    db_url = f"sqlite:///{tmp_path / 'portal.db'}"
    seed_users(db_url)
    return create_app(make_settings(portal_data, db_url))


@pytest.fixture
def client(app: FastAPI) -> Iterator:
    made: list[TestClient] = []

    def make(name: str | None = None, password: str = PASSWORD) -> TestClient:
        c = client_for(app)
        made.append(c)
        return login(c, name, password) if name else c

    yield make
    for c in made:
        c.close()


def _cannot_login(app: FastAPI, name: str, password: str) -> bool:
    c = client_for(app)
    form = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    r = c.post(
        "/login", data={"username": name, "password": password, "csrf_token": token}, follow_redirects=False
    )
    c.close()
    return r.status_code == 401


def test_user_changes_own_password(app: FastAPI, client) -> None:
    me = client("ana62")
    bad = me.post(
        "/akun/sandi",
        data={"csrf_token": csrf_of(me, "/akun"), "sekarang": "salah", "baru": NEW, "ulang": NEW},
    )
    assert bad.status_code == 400 and "Kata sandi sekarang salah." in bad.text
    short = me.post(
        "/akun/sandi",
        data={"csrf_token": csrf_of(me, "/akun"), "sekarang": PASSWORD, "baru": "pendek", "ulang": "pendek"},
    )
    assert short.status_code == 400 and "12 karakter" in short.text
    ok = me.post(
        "/akun/sandi",
        data={"csrf_token": csrf_of(me, "/akun"), "sekarang": PASSWORD, "baru": NEW, "ulang": NEW},
    )
    assert ok.status_code == 200 and "Kata sandi diganti" in ok.text
    assert me.get("/tugas", follow_redirects=False).status_code == 303  # the session ended
    assert _cannot_login(app, "ana62", PASSWORD)
    client("ana62", NEW)
    assert "password_change" in [
        e["action"] for e in audit.entries(app.state.portal.engine, audit.AuditQuery())
    ]


def test_branch_head_reset_link_is_one_time_and_expires(app: FastAPI, client) -> None:
    head = client("sup62")
    page = head.get("/akun").text
    # A branch head manages the analysts of their region only: not a peer, not another region.
    assert 'value="ana62"' in page and 'value="sup3215"' not in page and 'value="ana3215"' not in page
    assert (
        head.post(
            "/akun/reset", data={"csrf_token": csrf_of(head, "/akun"), "pengguna": "ana3215"}
        ).status_code
        == 403
    )
    assert (
        client("ana62").post("/akun/reset", data={"csrf_token": "x", "pengguna": "ana62"}).status_code == 403
    )
    made = head.post("/akun/reset", data={"csrf_token": csrf_of(head, "/akun"), "pengguna": "ana62"})
    link = re.search(r'<code class="reset-link">[^<]*(/reset/[A-Za-z0-9_-]+)</code>', made.text).group(1)
    anonymous = client()
    assert anonymous.get(link).status_code == 200
    mismatch = anonymous.post(link, data={"baru": NEW, "ulang": NEW + "x"})
    assert mismatch.status_code == 400 and "tidak sama" in mismatch.text
    assert anonymous.post(link, data={"baru": NEW, "ulang": NEW}).status_code == 200
    client("ana62", NEW)
    assert anonymous.get(link).status_code == 404  # used once
    assert anonymous.post(link, data={"baru": NEW + "2", "ulang": NEW + "2"}).status_code == 404
    # A link that has expired opens nothing.
    made = head.post("/akun/reset", data={"csrf_token": csrf_of(head, "/akun"), "pengguna": "ana62"})
    link = re.search(r"(/reset/[A-Za-z0-9_-]+)</code>", made.text).group(1)
    engine = app.state.portal.engine
    with engine.begin() as con:
        con.execute(update(password_resets).values(expires_at=dt.datetime(2000, 1, 1)))
    assert anonymous.get(link).status_code == 404
    resets = [e for e in audit.entries(engine, audit.AuditQuery(action="password_reset"))]
    assert [e["detail"] for e in resets].count('{"step": "link"}') == 2
    assert any(e["detail"] == '{"step": "used"}' and e["username"] == "ana62" for e in resets)


def test_admin_may_reset_anyone(app: FastAPI, client) -> None:
    admin = client("admin")
    page = admin.get("/akun").text
    assert 'value="sup3215"' in page and 'value="ana62"' in page
    made = admin.post("/akun/reset", data={"csrf_token": csrf_of(admin, "/akun"), "pengguna": "sup3215"})
    assert made.status_code == 200 and "/reset/" in made.text
