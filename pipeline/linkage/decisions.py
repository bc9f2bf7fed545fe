"""The store of review decisions: CSV files in `<data>/decisions/` (CONTRACT.md section 5).

Each file has the columns review_id, decision (SAMA: the same person; BEDA: not the same person),
decided_by, decided_on, note. Operators without the portal drop files there; the portal appends
to `portal.csv` (`append`, `record_decision`): under an exclusive lock, the whole file is
written anew under a temporary name and renamed into place, so a reader (a run, another request)
sees the file before or after a decision, never half of one, and concurrent writers queue.

A run reads only this store: for each review_id the
latest decision counts (by `decided_on`, then file name and row, so the result does not depend on
the order files are listed in). A file that cannot be read, or a row that is not a decision, is
reported and left out; the run goes on.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import io
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.spreadsheet import csv_text

COLUMNS = ("review_id", "decision", "decided_by", "decided_on", "note")
DECISIONS = ("SAMA", "BEDA")
PORTAL_FILE = "portal.csv"
MAX_NOTE = 500
REVIEW_ID = re.compile(r"[0-9a-f]{16}")


def decisions_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "decisions"


@dataclass
class Store:
    """What the store held: the latest decision per review_id, and what could not be used."""

    latest: dict[str, dict[str, str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)
    rejected_rows: int = 0


def read_store(data_dir: Path) -> Store:
    """Every decision in `<data>/decisions/*.csv`, the latest per review_id."""
    store = Store()
    folder = decisions_dir(data_dir)
    if not folder.is_dir():
        return store
    rows = []
    # hidden files are the writer's lock and a write in progress, never decisions
    for path in sorted(p for p in folder.glob("*.csv") if not p.name.startswith(".")):
        try:
            with path.open(encoding="utf-8-sig", newline="") as f:
                reader = csv.DictReader(f)
                missing = [
                    c for c in ("review_id", "decision", "decided_on") if c not in (reader.fieldnames or [])
                ]
                if missing:
                    raise ValueError(f"missing columns: {', '.join(missing)}")
                found = list(reader)
        except (OSError, UnicodeDecodeError, ValueError, csv.Error) as error:
            store.unreadable.append({"file": path.name, "error": str(error)})
            continue
        store.files.append(path.name)
        for number, row in enumerate(found, start=1):
            review_id = (row.get("review_id") or "").strip().lower()
            decision = (row.get("decision") or "").strip().upper()
            decided_on = (row.get("decided_on") or "").strip()
            if not REVIEW_ID.fullmatch(review_id) or decision not in DECISIONS or not decided_on:
                store.rejected_rows += 1
                continue
            rows.append(
                (
                    decided_on,
                    path.name,
                    number,
                    {
                        "review_id": review_id,
                        "decision": decision,
                        "decided_by": (row.get("decided_by") or "").strip(),
                        "decided_on": decided_on,
                        "note": (row.get("note") or "").strip(),
                    },
                )
            )
    for _, _, _, row in sorted(rows, key=lambda r: r[:3]):
        store.latest[row["review_id"]] = row
    return store


@dataclass(frozen=True)
class Decision:
    review_id: str
    decision: str  # SAMA: the same person; BEDA: not the same person
    decided_by: str
    decided_on: str  # UTC, ISO 8601 to the second: 2026-11-02T09:15:03Z
    note: str = ""


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def clean_note(note: str) -> str:
    """One line of text: line breaks and other control characters become single spaces, so each
    decision stays one row that a person can read and edit in any text editor."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in note).split())


def append(data_dir: Path, decision: Decision) -> Path:
    """Append one decision to `<data>/decisions/portal.csv` (created with its header when new)."""
    if decision.decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
    folder = decisions_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / PORTAL_FILE
    row = io.StringIO()
    writer = csv.writer(row, lineterminator="\n")
    values = (decision.review_id, decision.decision, decision.decided_by, decision.decided_on)
    writer.writerow([*values, csv_text(clean_note(decision.note)[:MAX_NOTE])])
    with _locked(folder / f".{PORTAL_FILE}.lock"):
        existing = target.read_bytes() if target.is_file() else b""
        if not existing:
            header = io.StringIO()
            csv.writer(header, lineterminator="\n").writerow(COLUMNS)
            existing = header.getvalue().encode("utf-8")
        elif not existing.endswith(b"\n"):
            existing += b"\n"
        _replace(target, existing + row.getvalue().encode("utf-8"))
    return target


class _locked:
    """An exclusive flock on `path`: held against other processes, and against other threads of
    this one (each opens its own file description)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        self.handle = open(self.path, "a+b")  # closed in __exit__
        fcntl.flock(self.handle, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _replace(target: Path, content: bytes) -> None:
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(temporary, "wb") as f:
        f.write(content)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def record_decision(
    data_dir: Path,
    review_id: str,
    decision: str,
    decided_by: str,
    note: str = "",
    when: dt.datetime | None = None,
) -> Decision:
    """Append one decision (the next run applies it) and return it."""
    review_id = review_id.strip().lower()
    if not REVIEW_ID.fullmatch(review_id):
        raise ValueError(f"not a review_id: {review_id!r}")
    when = when or dt.datetime.now(dt.UTC)
    made = Decision(
        review_id,
        decision.strip().upper(),
        decided_by,
        when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        note,
    )
    append(data_dir, made)
    return made


def attach_decisions(con, data_dir: Path) -> Store:
    """The latest decisions as the table `raw_decisions` (review_id, decision, decided_by,
    decided_on) for the models, and the store's account as `decision_files` (file, status
    `read` / `unreadable` / `rows_rejected`, detail) for the quality report and the manifest."""
    store = read_store(data_dir)
    con.execute(
        "create or replace table raw_decisions (review_id varchar, decision varchar, "
        "decided_by varchar, decided_on varchar)"
    )
    if store.latest:
        con.executemany(
            "insert into raw_decisions values (?, ?, ?, ?)",
            [
                [r["review_id"], r["decision"], r["decided_by"], r["decided_on"]]
                for r in store.latest.values()
            ],
        )
    con.execute("create or replace table decision_files (file varchar, status varchar, detail varchar)")
    account = [[name, "read", None] for name in store.files]
    account += [[bad["file"], "unreadable", bad["error"]] for bad in store.unreadable]
    if store.rejected_rows:
        account.append([None, "rows_rejected", str(store.rejected_rows)])
    if account:
        con.executemany("insert into decision_files values (?, ?, ?)", account)
    return store
