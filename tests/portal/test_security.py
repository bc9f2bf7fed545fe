"""Sessions, CSRF, throttling, headers, error pages and hostile input."""

from __future__ import annotations

import re

import pytest

from pipeline.portal.app import create_app
from tests.portal.conftest import PASSWORD, client_for, csrf_of, login, make_settings, seed_users
from tests.portal.fixture_data import KEY_62, PERIOD

P = PERIOD


def test_session_cookie_is_locked_down(as_user) -> None:
    client = as_user(None)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post(
        "/login",
        data={"username": "ana62", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("rekon_session="))
    for attribute in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert attribute.lower() in cookie.lower()


@pytest.mark.parametrize(
    "path", ["/login", "/periods", f"/api/periods/{P}/findings.csv", "/nowhere", "/healthz"]
)
def test_security_headers_everywhere(logged_in, path: str) -> None:
    response = logged_in("ana62").get(path)
    headers = response.headers
    assert "script-src" not in headers["content-security-policy"]  # default-src 'none' covers scripts
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert headers["strict-transport-security"].startswith("max-age=")
    assert "server" not in headers


def test_login_form_needs_its_csrf_token(as_user) -> None:
    client = as_user(None)
    client.get("/login")
    response = client.post("/login", data={"username": "ana62", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 403
    assert "rekon_session" not in client.cookies


def test_forms_need_the_session_csrf_token(as_user) -> None:
    client = as_user("sup62")
    form = {"category": "PDS_TK", "stage": "SP1", "stage_date": "2026-11-02", "officer": "Budi", "note": ""}
    url = f"/periods/{P}/employers/{KEY_62}/followup"
    assert client.post(url, data=form).status_code == 403
    assert client.post(url, data={**form, "csrf_token": "forged"}).status_code == 403
    # Another user's token is no good either.
    other = as_user("admin")
    assert client.post(url, data={**form, "csrf_token": csrf_of(other)}).status_code == 403
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403


def test_logout_ends_the_session_on_the_server(as_user) -> None:
    client = as_user("ana62")
    replay = as_user(None)
    replay.cookies.set("rekon_session", client.cookies.get("rekon_session"))
    assert replay.get("/periods", follow_redirects=False).status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert response.status_code == 303
    # A copy of the cookie kept from before the logout is worth nothing now.
    assert replay.get("/periods", follow_redirects=False).status_code == 303


def test_open_redirect_is_refused(as_user) -> None:
    client = as_user(None)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            "/login",
            data={"username": "ana62", "password": PASSWORD, "csrf_token": token, "next": evil},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/periods"
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)


@pytest.mark.parametrize(
    "url,status",
    [
        ("/periods/..%2F..%2Fetc/findings", 404),
        (f"/periods/{P}%2F..%2F..%2Frestricted/findings", 404),
        ("/api/periods/2026-13/findings.csv", 404),
        (f"/periods/{P}/employers/..%2F..%2Fportal.db", 404),
        (f"/periods/{P}/employers/1%27%20or%201=1--", 404),
        (f"/periods/{P}/findings?kategori=PWBD%27%20or%201=1--", 400),
        (f"/periods/{P}/findings?urut=employer_name;drop", 400),
        (f"/periods/{P}/findings?hal=-1", 400),
        (f"/api/periods/{P}/findings.csv?wilayah=32.15'", 400),
    ],
)
def test_hostile_input_is_refused_without_detail(logged_in, url: str, status: int) -> None:
    response = logged_in("admin").get(url)
    assert response.status_code == status
    for leak in ("Traceback", "duckdb", "sqlalchemy", "/tmp", "portal.db", "select "):
        assert leak not in response.text


def test_search_text_is_data_not_sql(logged_in) -> None:
    response = logged_in("admin").get(f"/api/periods/{P}/findings.csv", params={"cari": "' or 1=1 --"})
    assert response.status_code == 200 and response.text.count("\n") == 1  # the header only
    page = logged_in("admin").get(f"/periods/{P}/findings", params={"cari": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


def test_error_pages_say_nothing_more(logged_in) -> None:
    client = logged_in("ana62")
    missing = client.get("/periods/2099-01")
    out_of_scope = client.get(f"/periods/{P}/employers/3215000000001")
    assert missing.status_code == out_of_scope.status_code == 404
    strip = lambda text: re.sub(r'value="[^"]+"', "", text)  # noqa: E731 (the CSRF token differs)
    assert strip(missing.text) == strip(out_of_scope.text)
    assert "Halaman tidak ditemukan." in missing.text
    assert client.get("/admin/users").text.count("Anda tidak berhak") == 1


def test_no_api_description_is_published(as_user) -> None:
    client = as_user(None)
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404


def test_logins_are_throttled(portal_data, tmp_path) -> None:
    db_url = f"sqlite:///{tmp_path / 'portal.db'}"
    seed_users(db_url)
    app = create_app(make_settings(portal_data, db_url, max_failures_per_user_and_ip=3))
    client = client_for(app)
    for _ in range(3):
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        wrong = client.post(
            "/login", data={"username": "ana62", "password": "salah-salah-salah", "csrf_token": token}
        )
        assert wrong.status_code == 401 and "salah" in wrong.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    blocked = client.post("/login", data={"username": "ana62", "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429 and "rekon_session" not in client.cookies
    # Basic auth goes through the same throttle.
    assert client.get(f"/api/periods/{P}/findings.csv", auth=("ana62", PASSWORD)).status_code == 429
    # Another account from the same address is not locked out by it.
    login(client, "sup62")
    with app.state.portal.engine.connect() as con:
        actions = [r[0] for r in con.exec_driver_sql("select action from portal_audit_log order by id")]
    assert actions.count("login_failed") == 3 and actions.count("login_blocked") == 2


def test_wrong_basic_credentials_get_401(as_user) -> None:
    client = as_user(None)
    response = client.get(f"/api/periods/{P}/findings.csv", auth=("ana62", "bukan-kata-sandinya"))
    assert response.status_code == 401 and "www-authenticate" in response.headers


def test_disabled_user_loses_sessions_and_basic_access(as_user) -> None:
    victim = as_user("ana3215")
    assert victim.get(f"/api/periods/{P}/findings.csv", auth=("ana3215", PASSWORD)).status_code == 200
    admin = as_user("admin")
    response = admin.post("/admin/users/ana3215/active", data={"active": "0", "csrf_token": csrf_of(admin)})
    assert response.status_code == 200 and "nonaktif" in response.text
    assert victim.get("/periods", follow_redirects=False).status_code == 303
    fresh = as_user(None)
    assert fresh.get(f"/api/periods/{P}/findings.csv", auth=("ana3215", PASSWORD)).status_code == 401
    admin.post("/admin/users/ana3215/active", data={"active": "1", "csrf_token": csrf_of(admin)})
    assert fresh.get(f"/api/periods/{P}/findings.csv", auth=("ana3215", PASSWORD)).status_code == 200
