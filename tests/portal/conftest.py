"""Portal test set-up: one publication for the session, a fresh portal database per module."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

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
