"""The login throttle and the audit log take the client's address from the connection, or from
X-Forwarded-For only as far as the configured trusted proxies vouch for it: a header anyone can
send neither locks another user out nor dodges the lockout.

Each test runs `rekon serve` (uvicorn, as in production) and logs in over real HTTP from 127.0.0.1."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from pipeline.portal import db
from pipeline.portal.config import default_db_url
from tests.portal.conftest import PASSWORD, free_port, seed_users

SERVE = "import sys; from pipeline.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.fixture
def serve(tmp_path: Path) -> Iterator:
    """Start `rekon serve` on a free port with the given trusted proxies; yields (url, data)."""
    started: list[subprocess.Popen] = []

    def start(trusted: str = "") -> tuple[str, Path]:
        data = tmp_path / f"data{len(started)}"
        data.mkdir()
        seed_users(default_db_url(data))
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(sys.path),
            "REKON_PORTAL_INSECURE_COOKIES": "1",
            "REKON_PORTAL_TRUSTED_PROXIES": trusted,
        }
        env.pop("REKON_PORTAL_DB", None)
        command = [sys.executable, "-c", SERVE, "serve", "--data", str(data), "--host", "127.0.0.1"]
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(url + "/healthz").status_code == 200:
                    return url, data
            except httpx.TransportError:
                time.sleep(0.1)
        process.kill()
        pytest.fail("rekon serve did not start: " + process.stderr.read().decode())

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)


def attempt(url: str, username: str, password: str, forwarded: str | None) -> int:
    """One login over HTTP, with an X-Forwarded-For header if given; the response status."""
    with httpx.Client(base_url=url) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        response = client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token, "next": "/periods"},
            headers=headers,
        )
        return response.status_code


def logged_addresses(data: Path, action: str) -> list[str]:
    engine = db.connect(default_db_url(data))
    log = db.audit_log
    with engine.connect() as con:
        found = [r[0] for r in con.execute(select(log.c.ip).where(log.c.action == action))]
    engine.dispose()
    return found


def test_a_spoofed_forwarded_for_cannot_dodge_the_lockout(serve) -> None:
    url, data = serve()
    for i in range(5):
        assert attempt(url, "sup62", "salah", f"10.0.0.{i + 1}") == 401  # the form again, with its error
    # a sixth try from another "address" is still the same client: blocked, the right password too
    assert attempt(url, "sup62", PASSWORD, "10.0.0.99") == 429
    assert set(logged_addresses(data, "login_failed")) == {"127.0.0.1"}


def test_a_spoofed_forwarded_for_cannot_lock_out_another_address(serve) -> None:
    url, data = serve()
    victim = "10.20.30.40"
    for _ in range(6):
        attempt(url, "ana62", "salah", victim)
    addresses = logged_addresses(data, "login_failed") + logged_addresses(data, "login_blocked")
    assert addresses and victim not in addresses


def test_a_trusted_proxy_gives_the_client_address_it_saw(serve) -> None:
    url, data = serve("127.0.0.1")
    # the proxy appends the address it saw; what the client sent before it is not believed
    for i in range(5):
        assert attempt(url, "sup62", "salah", f"10.0.0.{i + 1}, 203.0.113.9") == 401
    assert attempt(url, "sup62", PASSWORD, "10.0.0.99, 203.0.113.9") == 429
    # another client behind the same proxy is not locked out
    assert attempt(url, "sup62", PASSWORD, "198.51.100.7") == 303
    assert set(logged_addresses(data, "login_failed")) == {"203.0.113.9"}
    assert logged_addresses(data, "login") == ["198.51.100.7"]
