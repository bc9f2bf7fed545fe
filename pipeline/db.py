"""DuckDB connections as every step opens them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# DuckDB would take 80 % of the machine's memory; above its limit it spills to disk. Where other
# processes share the machine (validation's workers, partitions side by side) it is held to 4 GB.
# The single-process reconcile runs alone and gets 5 GB: at 10 M payroll rows (bench/run_bench.py)
# it took 36 s at 4 GB, 32 s at 5 GB, 30 s at 6 GB; unbounded it took 6.5 GB, which with Great
# Expectations loaded beside it put the whole run at 7.8 GB, too close to its 8 GB target.
SHARED_MEMORY_LIMIT = 4 * 10**9
ALONE_MEMORY_LIMIT = 5 * 10**9


def connect(path: Path | str | None = None, read_only: bool = False, alone: bool = False):
    """A DuckDB connection without the interactive progress bar (noise in a batch job's log),
    within `REKON_DUCKDB_MEMORY` of memory, by default 4 GB, or 5 GB for a step that runs `alone`
    (never more than half the machine's memory)."""
    import duckdb

    con = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
    con.execute("set enable_progress_bar = false")
    con.execute("set memory_limit = ?", [os.environ.get("REKON_DUCKDB_MEMORY") or _default_limit(alone)])
    return con


def _default_limit(alone: bool) -> str:
    half_machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    limit = min(ALONE_MEMORY_LIMIT if alone else SHARED_MEMORY_LIMIT, half_machine)
    return f"{limit // 10**6}MB"


def frame(con, sql: str) -> pd.DataFrame:
    """A query's rows as a pandas DataFrame, by way of Arrow: the same dtypes as DuckDB's own
    `.df()` (text as pandas' Arrow-backed strings, dates as datetime64), about 4 times faster for
    text columns (1 M rows of validation's columns: 1.2-1.7 s against 0.3-0.4 s)."""
    return con.sql(sql).to_arrow_table().to_pandas(date_as_object=False)


def sql_name(name: str) -> str:
    """A column name as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def sql_text(value: object) -> str:
    """A value as a quoted SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_path(path: Path | str) -> str:
    """A file path as a quoted SQL string literal."""
    return sql_text(path)


def copy_to_parquet(con, sql: str, path: Path) -> None:
    """Write a query's rows to a Parquet file whole or not at all: written beside it, then renamed
    over it, so that no reader ever finds half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    con.execute(f"copy ({sql}) to {sql_path(tmp)} (format parquet)")
    tmp.replace(path)


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read in 16 MB blocks (deliveries can be gigabytes)."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest()
