"""Portal test set-up: one publication for the session, a fresh portal database per module; the
portal under uvicorn and Debian's Chromium for the browser tests; schemas on the test Postgres."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from pipeline.portal.app import create_app
from pipeline.portal.config import Settings
from pipeline.portal.db import connect
from pipeline.portal.users import add_user
from tests.portal import fixture_data

PASSWORD = "kata-sandi-uji-123"
USERS = {
    "admin": ("admin", ()),
    "sup62": ("supervisor", ("62",)),
    "ana62": ("analis", ("62",)),
    "sup3215": ("supervisor", ("32.15",)),
    "ana3215": ("analis", ("32.15",)),
}


@pytest.fixture(scope="session")
def portal_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture_data.build(tmp_path_factory.mktemp("portal"))


def make_settings(data: Path, db_url: str, **overrides: object) -> Settings:
    return Settings(data_dir=data, db_url=db_url, **overrides)  # type: ignore[arg-type]


def seed_users(db_url: str) -> None:
    engine = connect(db_url)
    for name, (role, regions) in USERS.items():
        add_user(engine, name, role, regions, PASSWORD)
    engine.dispose()


@pytest.fixture(scope="module")
def app(portal_data: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('portaldb') / 'portal.db'}"
    seed_users(db_url)
    return create_app(make_settings(portal_data, db_url, page_size=3))


def client_for(app: FastAPI) -> TestClient:
    # https: the session cookie is Secure, and an http client would rightly never send it back.
    return TestClient(app, base_url="https://testserver", raise_server_exceptions=False)


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/periods"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def csrf_of(client: TestClient, path: str = "/periods") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


@pytest.fixture
def as_user(app: FastAPI) -> Iterator:
    clients: list[TestClient] = []

    def make(username: str | None) -> TestClient:
        client = client_for(app)
        clients.append(client)
        return login(client, username) if username else client

    yield make
    for c in clients:
        c.close()


@pytest.fixture(scope="module")
def logged_in(app: FastAPI) -> Iterator:
    """One logged-in client per user for a module's read-only tests (logins are slow on purpose)."""
    clients: dict[str, TestClient] = {}

    def get(username: str) -> TestClient:
        if username not in clients:
            clients[username] = login(client_for(app), username)
        return clients[username]

    yield get
    for c in clients.values():
        c.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests leave their screenshots (REKON_SCREENSHOTS to keep them)."""
    folder = Path(os.environ.get("REKON_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# The PostgreSQL that CI starts (127.0.0.1:5432, database `test`); REKON_TEST_POSTGRES_URL to point
# elsewhere. The tests start nothing and skip nothing.
POSTGRES = os.environ.get("REKON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def postgres_schema(prefix: str) -> Iterator[str]:
    """A database URL on the test Postgres whose tables go to a new schema, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES)
    with admin.begin() as con:
        con.execute(text(f'create schema "{schema}"'))
    try:
        yield f"{POSTGRES}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as con:
            con.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """`app` under uvicorn on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", server_header=False)
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(portal_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The portal on the module's publication under uvicorn, for the module's browser tests."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('browserdb') / 'portal.db'}"
    seed_users(db_url)
    # Chromium keeps Secure cookies on http://127.0.0.1 (a trustworthy origin), so the production
    # cookie settings are tested as they are.
    with served(create_app(make_settings(portal_data, db_url, page_size=5))) as url:
        yield url


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's Chromium (never a browser Playwright downloads), driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def log_in_page(page, server: str, username: str) -> None:
    """Log `username` in through the login form, as a person does; lands on the periods."""
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/periods")


def portal_on_a_copy(portal_data: Path, root: Path, page_size: int = 3) -> tuple[FastAPI, Path, str]:
    """A portal over a copy of the test publication (without its built serving cache) that a test
    module may change, with users in a portal database of its own: (app, data folder, db url)."""
    data = root / "data"
    shutil.copytree(portal_data, data, ignore=shutil.ignore_patterns("portal-cache"))
    db_url = f"sqlite:///{root / 'portal.db'}"
    seed_users(db_url)
    return create_app(make_settings(data, db_url, page_size=page_size)), data, db_url
