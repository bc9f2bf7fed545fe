"""DuckDB connections as every step opens them."""

from __future__ import annotations

import os
from pathlib import Path

# DuckDB would take 80 % of the machine's memory, leaving too little for the validation workers
# beside it; above this it spills to disk. Measured at 10 M payroll rows (bench/run_bench.py):
# reconcile at 4 GB took 36 s and 4.3 GB, unbounded 29.5 s and 6.5 GB.
DEFAULT_MEMORY_LIMIT = "4GB"


def connect(path: Path | str | None = None, read_only: bool = False):
    """A DuckDB connection without the interactive progress bar (noise in a batch job's log),
    within `REKON_DUCKDB_MEMORY` (default 4GB) of memory."""
    import duckdb

    con = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
    con.execute("set enable_progress_bar = false")
    con.execute("set memory_limit = ?", [os.environ.get("REKON_DUCKDB_MEMORY") or DEFAULT_MEMORY_LIMIT])
    return con


def sql_path(path: Path | str) -> str:
    """A file path as a quoted SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read in 16 MB blocks (deliveries can be gigabytes)."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest()
