"""Issuing a letter: the next number of the branch's yearly sequence and the letter's row, in one
transaction. The unique constraints decide races: a number taken meanwhile is retried with the
next one; the same letter issued twice at once gives the one that won (never a second number)."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from pipeline.portal import db
from pipeline.portal.case_tables import letters

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
MAX_ATTEMPTS = 200


@dataclass(frozen=True)
class Letter:
    id: int
    employer_key: str
    category: str
    kind: str
    branch_code: str
    number: str
    letter_date: dt.date
    due_date: dt.date | None
    period: str
    issued_by: str
    issued_at: dt.datetime
    content: dict[str, Any]


def format_number(seq: int, kind: str, branch_code: str, day: dt.date) -> str:
    """`0007/SP1/KC-PLKR/XII/2026`: sequence, kind, branch, month in Roman numerals, year."""
    return f"{seq:04d}/{kind}/{branch_code}/{ROMAN_MONTHS[day.month - 1]}/{day.year}"


def _letter(row: Any) -> Letter:
    m = row._mapping
    return Letter(
        m["id"],
        m["employer_key"],
        m["category"],
        m["kind"],
        m["branch_code"],
        m["number"],
        m["letter_date"],
        m["due_date"],
        m["period"],
        m["issued_by"],
        m["issued_at"],
        json.loads(m["content"]),
    )


def find(engine: Engine, employer_key: str, category: str, kind: str) -> Letter | None:
    with engine.connect() as con:
        row = con.execute(
            select(letters).where(
                letters.c.employer_key == employer_key, letters.c.category == category, letters.c.kind == kind
            )
        ).first()
    return _letter(row) if row else None


def of_case(engine: Engine, employer_key: str, category: str) -> list[Letter]:
    with engine.connect() as con:
        rows = con.execute(
            select(letters)
            .where(letters.c.employer_key == employer_key, letters.c.category == category)
            .order_by(letters.c.letter_date, letters.c.id)
        ).all()
    return [_letter(r) for r in rows]


def by_id(engine: Engine, letter_id: int) -> Letter | None:
    with engine.connect() as con:
        row = con.execute(select(letters).where(letters.c.id == letter_id)).first()
    return _letter(row) if row else None


def issue(
    engine: Engine,
    employer_key: str,
    category: str,
    kind: str,
    branch_code: str,
    letter_date: dt.date,
    due_date: dt.date | None,
    period: str,
    issued_by: str,
    content: dict[str, Any],
) -> tuple[Letter, bool]:
    """The letter of this kind on this case: (letter, True) when issued now with a new number,
    (letter, False) when it existed already."""
    for _ in range(MAX_ATTEMPTS):
        existing = find(engine, employer_key, category, kind)
        if existing:
            return existing, False
        try:
            with db.write(engine) as con:
                last = con.execute(
                    select(func.max(letters.c.seq)).where(
                        letters.c.branch_code == branch_code, letters.c.year == letter_date.year
                    )
                ).scalar()
                seq = (last or 0) + 1
                number = format_number(seq, kind, branch_code, letter_date)
                con.execute(
                    insert(letters).values(
                        employer_key=employer_key,
                        category=category,
                        kind=kind,
                        branch_code=branch_code,
                        year=letter_date.year,
                        seq=seq,
                        number=number,
                        letter_date=letter_date,
                        due_date=due_date,
                        period=period,
                        issued_by=issued_by,
                        issued_at=db.utcnow(),
                        content=json.dumps({**content, "number": number}, ensure_ascii=False, default=str),
                    )
                )
        except IntegrityError:
            continue  # another request took this number or issued this letter: look again
        except OperationalError:
            # SQLite shared by several processes: a read transaction that cannot take the write lock
            # fails at once ("database is locked") rather than wait; try again shortly.
            if engine.dialect.name != "sqlite":
                raise
            time.sleep(0.01 + random.random() * 0.05)
            continue
        letter = find(engine, employer_key, category, kind)
        assert letter is not None
        return letter, True
    raise RuntimeError("no letter number could be allocated")
