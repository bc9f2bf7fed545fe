"""The portal's own tables (accounts, sessions, follow-up, audit) in SQLAlchemy Core, so the same
code runs on the embedded SQLite file and on a production Postgres."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

metadata = MetaData()


def finding_key(primary_key: bool = False) -> list[Column]:
    """The employer and category a finding's follow-up, case and letters belong to; fresh columns
    for each table (a Column belongs to one table)."""
    key = {"primary_key": True} if primary_key else {"nullable": False}
    return [Column("employer_key", String(32), **key), Column("category", String(16), **key)]


def case_record() -> list[Column]:
    """The first columns of a record in a case's history (a follow-up event, a letter): its own
    serial id and the case it belongs to."""
    return [Column("id", Integer, primary_key=True, autoincrement=True), *finding_key()]


def stage_columns() -> list[Column]:
    """A follow-up stage as the officer records it: in the event log and as the current stage."""
    return [
        Column("stage", String(24), nullable=False),
        Column("stage_date", Date, nullable=False),
        Column("officer", String(100), nullable=False),
        Column("note", Text, nullable=False, default=""),
    ]


users = Table(
    "portal_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    # Comma-separated province (`62`) and regency (`32.15`) codes; empty for admins (all regions).
    Column("regions", String(2000), nullable=False, default=""),
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

sessions = Table(
    "portal_sessions",
    metadata,
    # Only a hash of the cookie is kept: a copy of the database does not let anyone log in.
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("portal_users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
)

followup_events = Table(
    "portal_followup_events",
    metadata,
    *case_record(),
    *stage_columns(),
    Column("period", String(7), nullable=False),
    # The employer's regency in the period the note was written: the note is its branch's.
    Column("regency_code", String(8), nullable=True),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Index("ix_followup_events_employer", "employer_key", "category"),
)

# The latest event per employer and category, kept beside the log so that lists can join the
# current stage without scanning the history.
followup_current = Table(
    "portal_followup_current",
    metadata,
    *finding_key(primary_key=True),
    *stage_columns(),
    Column("regency_code", String(8), nullable=True),
    Column("event_id", Integer, nullable=False),
)

audit_log = Table(
    "portal_audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("username", String(64), nullable=True),
    Column("ip", String(64), nullable=True),
    Column("action", String(32), nullable=False),
    Column("target", String(300), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Index("ix_audit_action_at", "action", "at"),
    Index("ix_audit_user_at", "username", "at"),
)


def utcnow() -> dt.datetime:
    """Naive UTC: SQLite keeps no time zone, so every timestamp is stored the same way."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets page reads go on while a download's audit row is written; the timeout makes
    # concurrent writers wait for each other instead of failing with "database is locked".
    cursor.execute("pragma journal_mode=wal")
    cursor.execute("pragma busy_timeout=30000")
    cursor.execute("pragma foreign_keys=on")
    cursor.close()


def connect(url: str, pool_size: int = 20) -> Engine:
    """An engine for `url` with the portal's tables created if missing; for SQLite, `pool_size`
    connections kept (the request threads of a process), as many again opened when all are busy."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # A server's connections are shared by every worker process: requests wait for one.
        engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    metadata.create_all(engine, checkfirst=True)
    _add_missing_columns(engine)
    return engine


def _add_missing_columns(engine: Engine) -> None:
    """Columns added to a table after its creation (nullable ones only), added to an existing
    database: `regency_code` of the follow-up tables."""
    from sqlalchemy import inspect, text

    existing = inspect(engine)
    for table in metadata.sorted_tables:
        present = {c["name"] for c in existing.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present and column.nullable:
                kind = column.type.compile(dialect=engine.dialect)
                with write(engine) as con:
                    con.execute(text(f'alter table {table.name} add column "{column.name}" {kind}'))


_sqlite_writes = threading.Lock()


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A write transaction. SQLite has one writer at a time, and under load its busy-wait lets
    some threads starve until "database is locked"; queueing this process's writers on a lock
    first leaves SQLite's own wait to other processes only. Postgres needs no such queue."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as con:
            yield con
        return
    with _sqlite_writes, engine.begin() as con:
        yield con
