"""DuckDB connections as every step opens them."""

from __future__ import annotations

from pathlib import Path


def connect(path: Path | str | None = None, read_only: bool = False):
    """A DuckDB connection without the interactive progress bar (noise in a batch job's log)."""
    import duckdb

    con = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
    con.execute("set enable_progress_bar = false")
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
