"""The review decision store as contract section 5 defines it: CSV files in `<data>/decisions/`
(`review_id`, `decision`, `decided_by`, `decided_on`, `note`; `decision` SAMA or BEDA), of which
the latest decision per `review_id` counts. Every later run reads the same files.

The portal appends to its own file, `portal.csv`; a team without the portal puts files of its
own beside it. Appending takes an exclusive lock on a lock file, writes the whole file anew under
a temporary name and renames it into place, so a reader (a run, another request) sees the file
before or after a decision, never half of one, and concurrent writers (threads, processes) queue.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import io
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

FOLDER = "decisions"
PORTAL_FILE = "portal.csv"
COLUMNS = ("review_id", "decision", "decided_by", "decided_on", "note")
DECISIONS = ("SAMA", "BEDA")
MAX_NOTE = 500
SCHEMA = pa.schema([(c, pa.string()) for c in COLUMNS])


@dataclass(frozen=True)
class Decision:
    review_id: str
    decision: str  # SAMA: the same person; BEDA: not the same person
    decided_by: str
    decided_on: str  # UTC, ISO 8601 to the second: 2026-11-02T09:15:03Z
    note: str = ""


def folder_of(data_dir: Path) -> Path:
    return data_dir / FOLDER


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def clean_note(note: str) -> str:
    """One line of text: line breaks and other control characters become single spaces, so each
    decision stays one row that a person can read and edit in any text editor."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in note).split())


def _spreadsheet_safe(text: str) -> str:
    """People open this file in a spreadsheet too: a note that a spreadsheet would take for a
    formula gets a leading `'`, as contract section 7 writes text in CSV files."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def append(data_dir: Path, decision: Decision) -> Path:
    """Append one decision to `<data>/decisions/portal.csv` (created with its header when new)."""
    if decision.decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
    folder = folder_of(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / PORTAL_FILE
    row = io.StringIO()
    writer = csv.writer(row, lineterminator="\n")
    values = (decision.review_id, decision.decision, decision.decided_by, decision.decided_on)
    writer.writerow([*values, _spreadsheet_safe(clean_note(decision.note)[:MAX_NOTE])])
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
        self.handle = open(self.path, "a+b")  # noqa: SIM115 (closed in __exit__)
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


def files(data_dir: Path) -> list[Path]:
    """The store's files in name order; hidden files (the lock, a write in progress) are not."""
    folder = folder_of(data_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.csv") if p.is_file() and not p.name.startswith("."))


RECENT_SECONDS = 2.0
_cache: dict[Path, tuple[tuple, pa.Table]] = {}
_cache_lock = threading.Lock()


def latest(data_dir: Path) -> pa.Table:
    """The decision that counts per review_id: the latest `decided_on` (a date or an ISO time),
    then the later file in name order, then the later row. Rows with another decision than SAMA
    or BEDA, and files that cannot be read, are left out here (the run reports them).

    Kept until a file of the store changes (name, inode, size or time), since pages read this
    on every request. A file changed in the last seconds is not trusted to show a later change
    in its time (file systems keep times at a coarse grain), so then it is read afresh."""
    paths = files(data_dir)
    try:
        stats = [(p.name, p.stat()) for p in paths]
    except OSError:  # a file went away between listing and stat
        stats = None
    key = None
    if stats is not None and all(time.time() - st.st_mtime > RECENT_SECONDS for _, st in stats):
        key = tuple((name, st.st_ino, st.st_mtime_ns, st.st_size) for name, st in stats)
    with _cache_lock:
        cached = _cache.get(data_dir)
    if key is not None and cached is not None and cached[0] == key:
        return cached[1]
    table = _read_latest(paths)
    if key is not None:
        with _cache_lock:
            _cache[data_dir] = (key, table)
    return table


def _read_latest(paths: list[Path]) -> pa.Table:
    import pyarrow.csv as pacsv

    from pipeline.portal.queries import duck

    options = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in COLUMNS},
        include_columns=list(COLUMNS),
        include_missing_columns=True,
        strings_can_be_null=False,
    )
    parts = []
    for index, path in enumerate(paths):
        try:
            table = pacsv.read_csv(path, convert_options=options).cast(SCHEMA)
        except (pa.ArrowInvalid, OSError):  # unreadable: skipped here, reported by the run
            continue
        parts.append(
            table.append_column("file_index", pa.array([index] * table.num_rows, pa.int32())).append_column(
                "row_index", pa.array(range(table.num_rows), pa.int64())
            )
        )
    if not parts:
        return SCHEMA.empty_table()
    with duck() as con:
        con.register("decisions", pa.concat_tables(parts))
        return con.sql(
            """select review_id, upper(trim(decision)) as decision, decided_by, decided_on,
                      coalesce(note, '') as note
               from decisions
               where coalesce(review_id, '') <> '' and upper(trim(decision)) in ('SAMA', 'BEDA')
               qualify row_number() over (
                   partition by review_id
                   order by try_cast(decided_on as timestamp) desc nulls last, file_index desc,
                            row_index desc) = 1
               order by review_id"""
        ).to_arrow_table()
