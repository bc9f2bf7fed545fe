"""The audit log (UU 27/2022): who did what, when, from where and with which filter."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select

from pipeline.portal import db

ACTIONS = (
    "login",
    "login_failed",
    "login_blocked",
    "logout",
    "download",
    "view_full_identity",
    "followup_change",
    "review_decision",
    "user_change",
    "letter_issue",
    "case_assign",
    "case_close",
    "password_change",
    "password_reset",
)


def record(
    engine: Engine,
    action: str,
    username: str | None,
    ip: str | None,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    assert action in ACTIONS, action
    with db.write(engine) as con:
        con.execute(
            insert(db.audit_log).values(
                at=db.utcnow(),
                username=username,
                ip=ip,
                action=action,
                target=target[:300],
                detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str),
            )
        )


@dataclass(frozen=True)
class AuditQuery:
    username: str = ""
    action: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    def where(self) -> list:
        clauses = []
        if self.username:
            clauses.append(db.audit_log.c.username == self.username)
        if self.action:
            clauses.append(db.audit_log.c.action == self.action)
        if self.since:
            clauses.append(db.audit_log.c.at >= dt.datetime.combine(self.since, dt.time()))
        if self.until:
            clauses.append(
                db.audit_log.c.at < dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time())
            )
        return clauses


def entries(engine: Engine, query: AuditQuery, limit: int | None = None, offset: int = 0) -> list[dict]:
    stmt = select(db.audit_log).where(*query.where()).order_by(db.audit_log.c.id.desc()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    with engine.connect() as con:
        return [dict(r._mapping) for r in con.execute(stmt)]


def count(engine: Engine, query: AuditQuery) -> int:
    with engine.connect() as con:
        return con.execute(select(func.count()).select_from(db.audit_log).where(*query.where())).scalar_one()
