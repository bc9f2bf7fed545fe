"""Server-side sessions: a random cookie, its hash in the database, a CSRF token per session."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select, update

from pipeline.portal import db
from pipeline.portal.config import Settings
from pipeline.portal.users import User, _row_to_user

COOKIE = "rekon_session"
# Refreshing last_seen on every request would write to the database on every page view.
_TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Session:
    token_hash: str
    user: User
    csrf_token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(engine: Engine, settings: Settings, user: User) -> tuple[str, Session]:
    """A new session for `user`: returns the cookie value (never stored) and the session."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = db.utcnow()
    with db.write(engine) as con:
        con.execute(delete(db.sessions).where(db.sessions.c.expires_at < now))
        con.execute(
            insert(db.sessions).values(
                token_hash=_hash(token),
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + dt.timedelta(hours=settings.session_hours),
                last_seen_at=now,
            )
        )
    return token, Session(_hash(token), user, csrf)


def lookup(engine: Engine, settings: Settings, token: str | None) -> Session | None:
    """The live session for a cookie value, or None (unknown, expired, idle too long, user disabled)."""
    if not token or len(token) > 100:
        return None
    token_hash = _hash(token)
    now = db.utcnow()
    query = (
        select(
            db.sessions,
            db.users.c.id,
            db.users.c.username,
            db.users.c.role,
            db.users.c.regions,
            db.users.c.active,
        )
        .join(db.users, db.users.c.id == db.sessions.c.user_id)
        .where(db.sessions.c.token_hash == token_hash)
    )
    with engine.connect() as con:
        row = con.execute(query).first()
    if row is None:
        return None
    idle_limit = row.last_seen_at + dt.timedelta(minutes=settings.idle_minutes)
    if not row.active or row.expires_at <= now or idle_limit <= now:
        end(engine, token)
        return None
    if now - row.last_seen_at > _TOUCH_EVERY:
        with db.write(engine) as con:
            con.execute(
                update(db.sessions).where(db.sessions.c.token_hash == token_hash).values(last_seen_at=now)
            )
    return Session(token_hash, _row_to_user(row), row.csrf_token)


def end(engine: Engine, token: str | None) -> None:
    if token:
        with db.write(engine) as con:
            con.execute(delete(db.sessions).where(db.sessions.c.token_hash == _hash(token)))


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and secrets.compare_digest(expected.encode(), (given or "").encode())
