"""Accounts: roles, the regions a user may see, and their storage."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from pipeline.portal import db
from pipeline.portal.passwords import hash_password
from pipeline.portal.scope import Scope

# Each role can do everything the roles before it can.
ROLES = ("analis", "supervisor", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    regions: tuple[str, ...]
    active: bool

    def at_least(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def scope(self) -> Scope:
        return Scope.everything() if self.role == "admin" else Scope.of(self.regions)


def parse_regions(text: str) -> tuple[str, ...]:
    """`62, 32.15` -> ('32.15', '62'), each a known province or regency code."""
    from pipeline.reference import regions

    known = regions()
    codes = sorted({c.strip() for c in re.split(r"[,\s;]+", text or "") if c.strip()})
    for code in codes:
        if known.get(code, ("", 0))[1] not in (1, 2):
            raise ValueError(f"unknown region code {code!r}: use a province (62) or regency (32.15) code")
    return tuple(codes)


def _row_to_user(row) -> User:
    regions = tuple(c for c in (row.regions or "").split(",") if c)
    return User(row.id, row.username, row.role, regions, bool(row.active))


def add_user(engine: Engine, username: str, role: str, regions: tuple[str, ...], password: str) -> User:
    if not USERNAME.match(username):
        raise ValueError("user names are 2-64 lower-case letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role != "admin" and not regions:
        raise ValueError("an analis or supervisor needs --regions (province or regency codes)")
    password_hash = hash_password(password)
    now = db.utcnow()
    with db.write(engine) as con:
        if con.execute(select(db.users.c.id).where(db.users.c.username == username)).first():
            raise ValueError(f"user {username!r} exists already")
        con.execute(
            insert(db.users).values(
                username=username,
                role=role,
                regions="" if role == "admin" else ",".join(regions),
                password_hash=password_hash,
                active=True,
                created_at=now,
                updated_at=now,
            )
        )
    user = get_by_name(engine, username)
    assert user is not None
    return user


def get_by_name(engine: Engine, username: str) -> User | None:
    with engine.connect() as con:
        row = con.execute(select(db.users).where(db.users.c.username == username)).first()
    return _row_to_user(row) if row else None


def password_hash_of(engine: Engine, username: str) -> tuple[User, str] | None:
    with engine.connect() as con:
        row = con.execute(select(db.users).where(db.users.c.username == username)).first()
    return (_row_to_user(row), row.password_hash) if row else None


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as con:
        return [_row_to_user(r) for r in con.execute(select(db.users).order_by(db.users.c.username))]


def _change(engine: Engine, username: str, end_sessions: bool, **values: object) -> None:
    """Change a user's row (ValueError when there is no such user); `end_sessions` logs them out
    everywhere in the same transaction."""
    with db.write(engine) as con:
        result = con.execute(
            update(db.users).where(db.users.c.username == username).values(**values, updated_at=db.utcnow())
        )
        if result.rowcount == 0:
            raise ValueError(f"no user {username!r}")
        if end_sessions:
            user_id = select(db.users.c.id).where(db.users.c.username == username).scalar_subquery()
            con.execute(db.sessions.delete().where(db.sessions.c.user_id == user_id))


def set_active(engine: Engine, username: str, active: bool) -> None:
    # A disabled account must lose its open sessions at once, not when they expire.
    _change(engine, username, end_sessions=not active, active=active)


def set_password(engine: Engine, username: str, password: str) -> None:
    _change(engine, username, end_sessions=True, password_hash=hash_password(password))
