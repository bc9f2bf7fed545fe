"""Daily account administration without a shell: a user changes their own password; an admin, or
a supervisor (branch head) for the analysts of their regions, issues a one-time reset link that
expires. Only a hash of the link's token is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Engine, delete, insert, select, update

from pipeline.portal import db, users
from pipeline.portal.case_tables import password_resets
from pipeline.portal.passwords import check_strength, verify_password

RESET_HOURS = 24


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_reset(actor: users.User, target: users.User) -> bool:
    if actor.role == "admin":
        return True
    # A branch head resets the analysts who share one of their regions, never a peer or an admin.
    return (
        actor.role == "supervisor"
        and target.role == "analis"
        and bool(set(actor.regions) & set(target.regions))
    )


def change_password(engine: Engine, username: str, current: str, new: str, repeat: str) -> None:
    """Raise ValueError (Bahasa Indonesia) when the change is refused."""
    found = users.password_hash_of(engine, username)
    if not found or not verify_password(found[1], current):
        raise ValueError("Kata sandi sekarang salah.")
    _check_new(new, repeat)
    users.set_password(engine, username, new)


def _check_new(new: str, repeat: str) -> None:
    if new != repeat:
        raise ValueError("Kata sandi baru dan ulangannya tidak sama.")
    try:
        check_strength(new)
    except ValueError:
        raise ValueError("Kata sandi baru paling sedikit 12 karakter.") from None


def create_reset(engine: Engine, username: str, created_by: str) -> str:
    """A new one-time token for `username` (earlier unused ones are dropped)."""
    token = secrets.token_urlsafe(32)
    now = db.utcnow()
    with db.write(engine) as con:
        con.execute(delete(password_resets).where(password_resets.c.username == username))
        con.execute(
            insert(password_resets).values(
                token_hash=_hash(token),
                username=username,
                created_by=created_by,
                created_at=now,
                expires_at=now + dt.timedelta(hours=RESET_HOURS),
            )
        )
    return token


def reset_user(engine: Engine, token: str) -> str | None:
    """Whose valid, unused link this is (None when unknown, used or expired)."""
    with engine.connect() as con:
        row = con.execute(select(password_resets).where(password_resets.c.token_hash == _hash(token))).first()
    if row is None or row.used_at is not None or row.expires_at < db.utcnow():
        return None
    return row.username


def use_reset(engine: Engine, token: str, new: str, repeat: str) -> str:
    """Set the password through a link, once; returns the user name. Raises ValueError."""
    _check_new(new, repeat)
    with db.write(engine) as con:
        result = con.execute(
            update(password_resets)
            .where(
                password_resets.c.token_hash == _hash(token),
                password_resets.c.used_at.is_(None),
                password_resets.c.expires_at >= db.utcnow(),
            )
            .values(used_at=db.utcnow())
        )
        if result.rowcount != 1:
            raise ValueError("Tautan tidak berlaku lagi (sudah dipakai atau kedaluwarsa).")
        username = con.execute(
            select(password_resets.c.username).where(password_resets.c.token_hash == _hash(token))
        ).scalar_one()
    users.set_password(engine, username, new)
    return username
