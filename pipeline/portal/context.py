"""What every request handler needs, built once per app: settings, the database, the files."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from fastapi import Request
from sqlalchemy import Engine

from pipeline.portal.clock import Clock
from pipeline.portal.config import Settings
from pipeline.portal.published import Publications


@dataclass
class BasicAuthCache:
    """Passwords already verified for HTTP Basic, kept only as a keyed hash with the account's
    password hash at the time, so that a password change or a restart forgets them."""

    seconds: float
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _entries: dict[str, tuple[float, str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _digest(self, username: str, password: str) -> str:
        return hmac.new(self._key, f"{username}\0{password}".encode(), hashlib.sha256).hexdigest()

    def hit(self, username: str, password: str, password_hash: str) -> bool:
        with self._lock:
            entry = self._entries.get(self._digest(username, password))
        return entry is not None and entry[0] > time.monotonic() and entry[1] == password_hash

    def remember(self, username: str, password: str, password_hash: str) -> None:
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[self._digest(username, password)] = (time.monotonic() + self.seconds, password_hash)


@dataclass
class Portal:
    settings: Settings
    engine: Engine
    pubs: Publications
    basic_cache: BasicAuthCache
    # Today's date for deadlines and letters (REKON_PORTAL_TODAY, or a test, may fix it).
    clock: Clock = field(default_factory=Clock.from_env)


def portal_of(request: Request) -> Portal:
    return request.app.state.portal
