"""Login throttling, counted from the audit log so that it holds across workers and restarts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, and_, func, select

from pipeline.portal import db
from pipeline.portal.config import Settings


def login_blocked(engine: Engine, settings: Settings, username: str, ip: str | None) -> bool:
    since = db.utcnow() - dt.timedelta(minutes=settings.login_window_minutes)
    log = db.audit_log
    failed = and_(log.c.action == "login_failed", log.c.at >= since)
    with engine.connect() as con:

        def failures(*where) -> int:
            return con.execute(select(func.count()).select_from(log).where(failed, *where)).scalar_one()

        return (
            failures(log.c.username == username, log.c.ip == ip) >= settings.max_failures_per_user_and_ip
            or failures(log.c.username == username) >= settings.max_failures_per_user
            or failures(log.c.ip == ip) >= settings.max_failures_per_ip
        )
