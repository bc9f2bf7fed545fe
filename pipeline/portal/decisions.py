"""The review decision store as contract section 5 defines it: CSV files in `<data>/decisions/`
(`review_id`, `decision`, `decided_by`, `decided_on`, `note`; `decision` SAMA or BEDA), of which
the latest decision per `review_id` counts. Every later run reads the same files.

The store itself, and its one writer (`append`), are `pipeline/linkage/decisions.py`; here is what
the portal's pages read: the decision that counts per review_id, kept until a file changes.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pyarrow as pa

from pipeline.linkage.decisions import (  # noqa: F401 - the portal's names for the store's writer
    COLUMNS,
    DECISIONS,
    MAX_NOTE,
    PORTAL_FILE,
    Decision,
    append,
    clean_note,
    decisions_dir,
    now_utc,
    read_store,
)

SCHEMA = pa.schema([(c, pa.string()) for c in COLUMNS])


def files(data_dir: Path) -> list[Path]:
    """The store's files in name order; hidden files (the lock, a write in progress) are not."""
    folder = decisions_dir(data_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.csv") if p.is_file() and not p.name.startswith("."))


RECENT_SECONDS = 2.0
_cache: dict[Path, tuple[tuple, pa.Table]] = {}
_cache_lock = threading.Lock()


def latest(data_dir: Path) -> pa.Table:
    """The decision that counts per review_id, exactly as the next run will apply it
    (pipeline/linkage/decisions.py `read_store`); what it cannot use the run reports.

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
    table = _read_latest(data_dir)
    if key is not None:
        with _cache_lock:
            _cache[data_dir] = (key, table)
    return table


def _read_latest(data_dir: Path) -> pa.Table:
    """The store as the next run reads it (read_store), one row per review_id."""
    rows = sorted(read_store(data_dir).latest.values(), key=lambda row: row["review_id"])
    return pa.Table.from_pylist(rows, schema=SCHEMA)
