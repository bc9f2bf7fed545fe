"""Cases: one per employer and category, worked by an assigned officer through the letters, and
closed when a later publication lists the finding as resolved (SELESAI)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from pipeline.portal import db
from pipeline.portal.case_tables import cases, letters
from pipeline.portal.letters import kinds


def ensure(engine: Engine, finding: dict[str, Any], period: str) -> None:
    """The case of a published finding, opened if new; its name, branch and period kept current."""
    values = {
        "employer_name": finding.get("employer_name") or "",
        "regency_code": finding.get("regency_code"),
        "branch_code": finding.get("branch_code") or "",
        "branch_name": finding.get("branch_name") or "",
    }
    where = and_(cases.c.employer_key == finding["employer_key"], cases.c.category == finding["category"])
    try:
        with db.write(engine) as con:
            row = con.execute(select(cases.c.period).where(where)).first()
            if row is None:
                con.execute(
                    insert(cases).values(
                        employer_key=finding["employer_key"],
                        category=finding["category"],
                        period=period,
                        **values,
                    )
                )
            elif row.period < period:
                con.execute(update(cases).where(where).values(period=period, **values))
    except IntegrityError:
        pass  # opened by a request running alongside this one


def get(engine: Engine, employer_key: str, category: str) -> dict[str, Any] | None:
    with engine.connect() as con:
        row = con.execute(
            select(cases).where(cases.c.employer_key == employer_key, cases.c.category == category)
        ).first()
    return dict(row._mapping) if row else None


def assign(engine: Engine, employer_key: str, category: str, assignee: str, by: str) -> str | None:
    """Give the case to `assignee`; returns who had it before."""
    where = and_(cases.c.employer_key == employer_key, cases.c.category == category)
    with db.write(engine) as con:
        before = con.execute(select(cases.c.assignee).where(where)).scalar()
        con.execute(
            update(cases).where(where).values(assignee=assignee, assigned_by=by, assigned_at=db.utcnow())
        )
    return before


def close(engine: Engine, employer_key: str, category: str, period: str, today: dt.date) -> bool:
    """Close an open case with the period it was resolved in; False when it was closed already."""
    with db.write(engine) as con:
        result = con.execute(
            update(cases)
            .where(
                cases.c.employer_key == employer_key,
                cases.c.category == category,
                cases.c.closed_period.is_(None),
            )
            .values(closed_period=period, closed_on=today)
        )
    return result.rowcount > 0


def of_assignee(engine: Engine, username: str, closed_since: dt.date | None = None) -> list[dict[str, Any]]:
    """An officer's open cases, and those closed since `closed_since` (so they see the closing)."""
    open_or_recent = cases.c.closed_period.is_(None)
    if closed_since is not None:
        open_or_recent = or_(open_or_recent, cases.c.closed_on >= closed_since)
    with engine.connect() as con:
        rows = con.execute(select(cases).where(cases.c.assignee == username, open_or_recent)).all()
    return [dict(r._mapping) for r in rows]


def of_keys(engine: Engine, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Cases of the given (employer_key, category) pairs: what a page of the list shows."""
    if not keys:
        return {}
    employer_keys = sorted({k for k, _ in keys})
    with engine.connect() as con:
        rows = con.execute(select(cases).where(cases.c.employer_key.in_(employer_keys))).all()
    wanted = set(keys)
    return {
        (r.employer_key, r.category): dict(r._mapping) for r in rows if (r.employer_key, r.category) in wanted
    }


def letters_of(engine: Engine, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The letters of each case, oldest first (without their frozen content)."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {p: [] for p in pairs}
    if not pairs:
        return out
    columns = [c for c in letters.c if c.name != "content"]
    with engine.connect() as con:
        rows = con.execute(
            select(*columns)
            .where(letters.c.employer_key.in_(sorted({k for k, _ in pairs})))
            .order_by(letters.c.letter_date, letters.c.id)
        ).all()
    for r in rows:
        if (r.employer_key, r.category) in out:
            out[(r.employer_key, r.category)].append(dict(r._mapping))
    return out


@dataclass(frozen=True)
class Progress:
    """Where a case stands on a given day: its last letter, the due date, the next step."""

    last_letter: dict[str, Any] | None
    due_date: dt.date | None
    overdue: bool
    next_kind: kinds.Kind | None
    next_allowed: bool  # the next letter may be issued now (the last one's time has run out)
    closed_period: str | None

    @property
    def state(self) -> str:
        if self.closed_period:
            return "SELESAI"
        if self.overdue:
            return "TERLAMBAT"
        return "BERJALAN" if self.last_letter else "BELUM"


def progress(case: dict[str, Any] | None, case_letters: list[dict[str, Any]], today: dt.date) -> Progress:
    last = case_letters[-1] if case_letters else None
    due = last["due_date"] if last else None
    closed = case.get("closed_period") if case else None
    overdue = bool(due and today > due and not closed)
    following = kinds.next_kind({letter["kind"] for letter in case_letters})
    allowed = following is not None and not closed and (last is None or due is None or today > due)
    return Progress(last, due, overdue, following, allowed, closed)


def can_issue(user_role_ok: bool, case: dict[str, Any] | None, username: str) -> bool:
    """Supervisors (branch heads) issue on any case in their regions; an officer on their own."""
    return user_role_ok or bool(case and case.get("assignee") == username)
