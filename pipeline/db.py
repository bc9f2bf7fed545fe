"""DuckDB connections as every step opens them."""

from __future__ import annotations

from pathlib import Path


def connect(path: Path | str | None = None, read_only: bool = False):
    """A DuckDB connection without the interactive progress bar (noise in a batch job's log)."""
    import duckdb

    con = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
    con.execute("set enable_progress_bar = false")
    return con
