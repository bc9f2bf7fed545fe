"""Follow-up of a finding by the branch office: BARU -> SP1 -> SP2 -> TMP2T -> RUJUK_KEJAKSAAN ->
SELESAI (TMP2T: the request to the regional government to withhold public services, PP 86/2013).

Kept per employer and category, not per period: a warning letter sent in October still stands
when the employer is listed again in November."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa
from sqlalchemy import Engine, delete, insert, select

from pipeline.portal import db
from pipeline.portal.scope import Scope

STAGES = ("BARU", "SP1", "SP2", "TMP2T", "RUJUK_KEJAKSAAN", "SELESAI")
STAGE_LABELS = {
    "BARU": "Baru",
    "SP1": "Surat peringatan 1",
    "SP2": "Surat peringatan 2",
    "TMP2T": "Permohonan sanksi TMP2T ke pemda",
    "RUJUK_KEJAKSAAN": "Dirujuk ke Kejaksaan",
    "SELESAI": "Selesai",
}
MAX_NOTE = 2000
MAX_OFFICER = 100


@dataclass(frozen=True)
class Change:
    employer_key: str
    category: str
    stage: str
    stage_date: dt.date
    officer: str
    note: str
    period: str
    regency_code: str | None = None  # the employer's, in `period`


def check_change(change: Change, current_stage: str, may_go_back: bool) -> None:
    """Raise ValueError (message in Bahasa Indonesia, shown to the officer) for an invalid change."""
    if change.stage not in STAGES:
        raise ValueError("Tahap tidak dikenal.")
    if not change.officer.strip() or len(change.officer) > MAX_OFFICER:
        raise ValueError(f"Nama petugas wajib diisi (paling banyak {MAX_OFFICER} karakter).")
    if len(change.note) > MAX_NOTE:
        raise ValueError(f"Catatan paling banyak {MAX_NOTE} karakter.")
    if change.stage_date > dt.date.today() + dt.timedelta(days=1):
        raise ValueError("Tanggal tidak boleh di masa depan.")
    # Skipping ahead is normal (an employer may register after SP1); going back would rewrite
    # the record of letters already sent, so only an admin may correct a stage backwards.
    if STAGES.index(change.stage) < STAGES.index(current_stage) and not may_go_back:
        raise ValueError("Tahap tidak boleh mundur; minta admin untuk koreksi.")


def current_stage(engine: Engine, employer_key: str, category: str) -> str:
    fc = db.followup_current
    with engine.connect() as con:
        stage = con.execute(
            select(fc.c.stage).where(fc.c.employer_key == employer_key, fc.c.category == category)
        ).scalar()
    return stage or "BARU"


def record(engine: Engine, change: Change, recorded_by: str) -> None:
    """Add the change to the event log and make it the current stage."""
    fc = db.followup_current
    # What the event and the current stage both hold (db.stage_columns, and the employer's regency).
    stage = {
        "employer_key": change.employer_key,
        "category": change.category,
        "stage": change.stage,
        "stage_date": change.stage_date,
        "officer": change.officer.strip(),
        "note": change.note.strip(),
        "regency_code": change.regency_code,
    }
    with db.write(engine) as con:
        event_id = con.execute(
            insert(db.followup_events).values(
                **stage, period=change.period, recorded_by=recorded_by, recorded_at=db.utcnow()
            )
        ).inserted_primary_key[0]
        # Delete + insert in one transaction: an upsert that reads the same on SQLite and Postgres.
        con.execute(
            delete(fc).where(fc.c.employer_key == change.employer_key, fc.c.category == change.category)
        )
        con.execute(insert(fc).values(**stage, event_id=event_id))


def history(engine: Engine, employer_key: str, categories: list[str], scope: Scope) -> list[dict]:
    """The employer's follow-up events, newest first; the note, officer and recording user of an
    event written by a branch outside `scope` are left out (`hidden`)."""
    fe = db.followup_events
    query = (
        select(fe)
        .where(fe.c.employer_key == employer_key, fe.c.category.in_(categories))
        .order_by(fe.c.recorded_at.desc(), fe.c.id.desc())
    )
    with engine.connect() as con:
        events = [dict(r._mapping) for r in con.execute(query)]
    for event in events:
        event["hidden"] = not note_visible(scope, event["regency_code"])
        if event["hidden"]:
            event.update(note=None, officer=None, recorded_by="-")
    return events


def note_visible(scope: Scope, regency_code: str | None) -> bool:
    """A note (and its officer's name) is its branch's: visible to those who see the regency the
    employer was in when it was written. A note from before regencies were recorded: admins only."""
    return scope.covers(regency_code)


CURRENT_SCHEMA = pa.schema(
    [
        ("employer_key", pa.string()),
        ("category", pa.string()),
        ("followup_stage", pa.string()),
        ("followup_date", pa.date32()),
        ("followup_officer", pa.string()),
        ("followup_note", pa.string()),
    ]
)


def all_current(engine: Engine) -> list[tuple]:
    """Every current stage: (employer_key, category, stage, date, officer, note, regency_code)."""
    fc = db.followup_current
    columns = (fc.c.employer_key, fc.c.category, fc.c.stage, fc.c.stage_date, fc.c.officer, fc.c.note)
    with engine.connect() as con:
        return [tuple(r) for r in con.execute(select(*columns, fc.c.regency_code)).all()]


def visible_table(rows: list[tuple], scope: Scope) -> pa.Table:
    """Current stages (all_current) as an Arrow table, for DuckDB to join onto the published
    findings; the note and officer only where `scope` may see them (note_visible)."""
    if not rows:
        # empty_table(): building an empty string array through pa.array costs ~60 ms in pyarrow 26.
        return CURRENT_SCHEMA.empty_table()
    names = CURRENT_SCHEMA.names
    shown = [
        (*r[:4], *(r[4:6] if note_visible(scope, r[6]) else (None, None)))  # officer, note
        for r in rows
    ]
    return pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in shown], schema=CURRENT_SCHEMA)


def current_table(engine: Engine, scope: Scope) -> pa.Table:
    """Every current stage as `scope` may see it (visible_table)."""
    return visible_table(all_current(engine), scope)
