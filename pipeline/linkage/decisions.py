"""The store of review decisions: CSV files in `<data>/decisions/` (CONTRACT.md section 5).

Each file has the columns review_id, decision (SAMA: the same person; BEDA: not the same person),
decided_by, decided_on, note. Operators without the portal drop files there; the portal appends
to `portal.csv` through `record_decision`. A run reads only this store: for each review_id the
latest decision counts (by `decided_on`, then file name and row, so the result does not depend on
the order files are listed in). A file that cannot be read, or a row that is not a decision, is
reported and left out; the run goes on.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

COLUMNS = ("review_id", "decision", "decided_by", "decided_on", "note")
DECISIONS = ("SAMA", "BEDA")
PORTAL_FILE = "portal.csv"
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
    for path in sorted(folder.glob("*.csv")):
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


def record_decision(
    data_dir: Path,
    review_id: str,
    decision: str,
    decided_by: str,
    note: str = "",
    when: dt.datetime | None = None,
) -> dict[str, str]:
    """Append one decision to `<data>/decisions/portal.csv`, under an exclusive lock so that two
    writers never interleave; the next run applies it. Returns the row written."""
    review_id = review_id.strip().lower()
    decision = decision.strip().upper()
    if not REVIEW_ID.fullmatch(review_id):
        raise ValueError(f"not a review_id: {review_id!r}")
    if decision not in DECISIONS:
        raise ValueError(f"decision must be SAMA or BEDA, got {decision!r}")
    when = when or dt.datetime.now(dt.UTC)
    row = {
        "review_id": review_id,
        "decision": decision,
        "decided_by": decided_by,
        "decided_on": when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "note": " ".join(note.split()),
    }
    folder = decisions_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PORTAL_FILE
    with (folder / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            new = not path.exists() or path.stat().st_size == 0
            with path.open("a", encoding="utf-8", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=COLUMNS)
                if new:
                    writer.writeheader()
                writer.writerow(row)
                f.flush()
                os.fsync(f.fileno())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return row


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
