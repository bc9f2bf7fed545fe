"""Row rules over large sources: chunks of rows validated in worker processes.

Great Expectations' pandas engine costs grow with the frame's width as well as its length, so
each chunk reaches GX with only the columns the expectations name (and `_row_id`). Chunks are
ranges of `_row_id` within one file, read by each worker from the Parquet file of checked rows
behind the view `checked`, so no large frame crosses a process boundary; the workers return only
failing row ids, the summaries and GX's result objects (for Data Docs).
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.db import connect, frame, sql_path
from pipeline.validate.gx_runner import ROW_ID, Validator

CHUNK_ROWS = int(os.environ.get("REKON_VALIDATION_CHUNK_ROWS", 1_000_000))


@dataclass(frozen=True)
class Chunk:
    file: str
    first: int  # _row_id range, inclusive
    last: int


def plan_chunks(ranges: list[tuple[str, int, int]], chunk_rows: int = CHUNK_ROWS) -> list[Chunk]:
    """Split each file's `_row_id` range into chunks of at most `chunk_rows` rows."""
    chunks = []
    for file, first, last in ranges:
        size = last - first + 1
        if size <= chunk_rows:
            chunks.append(Chunk(file, first, last))
            continue
        for start in range(first, last + 1, chunk_rows):
            chunks.append(Chunk(file, start, min(start + chunk_rows - 1, last)))
    return chunks


def chunk_label(chunk: Chunk, file_rows: dict[str, tuple[int, int]]) -> str:
    first, last = file_rows[chunk.file]
    if (chunk.first, chunk.last) == (first, last):
        return chunk.file
    return f"{chunk.file} rows {chunk.first - first + 1}-{chunk.last - first + 1}"


def read_columns(relation: str, columns: list[str], first: int, last: int, con=None) -> pd.DataFrame:
    """A chunk's rows, only the named columns, from the view `checked` or the Parquet file behind it."""
    names = ", ".join(dict.fromkeys([ROW_ID, *columns]))
    return frame(
        con or connect(),
        f"select {names} from {relation} where {ROW_ID} between {first} and {last} order by {ROW_ID}",
    )


_worker: Validator | None = None


def _init_worker() -> None:
    global _worker
    _worker = Validator()


def _validate_chunk(task: tuple[Path, str, Chunk, list[str], list[dict[str, Any]], dict[str, Any]]):
    checked, source, chunk, columns, expectations, parameters = task
    validator = _worker or Validator()
    frame = read_columns(f"read_parquet({sql_path(checked)})", columns, chunk.first, chunk.last)
    return validator.run(f"{source}:{chunk.file}", frame, expectations, parameters)


def _context():
    # Not "fork": the parent holds DuckDB's and GX's threads and locks, and a forked child can
    # wait forever on a lock copied in its held state. A fork server imports GX once (seconds)
    # and forks each worker from that clean, single-threaded process.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["great_expectations", "duckdb", "pipeline.validate.parallel"])
    return context


def warm_up() -> None:
    """Start importing Great Expectations (about 6 s) now, in this process on a thread and in
    the fork server the workers come from, so that it overlaps ingest instead of delaying the
    first validation."""
    if workers() > 1:
        from multiprocessing import forkserver

        _context()
        forkserver.ensure_running()
    threading.Thread(target=importlib.import_module, args=("great_expectations",), daemon=True).start()


def workers() -> int:
    """Worker processes for validation: REKON_WORKERS, else one per core (at most 4).

    Inside a daemonic process (a Celery prefork child) Python may not start children, so
    validation then runs in the calling process."""
    if multiprocessing.current_process().daemon:
        return 1
    wanted = os.environ.get("REKON_WORKERS")
    return max(1, int(wanted)) if wanted else min(4, os.cpu_count() or 1)


def validate_chunks(
    con,
    checked: Path,
    source: str,
    chunks: list[Chunk],
    columns: list[str],
    expectations: list[dict[str, Any]],
    parameters: dict[str, Any],
    local: Validator,
) -> Iterator[tuple[Chunk, tuple[pd.DataFrame, list[dict[str, Any]], Any]]]:
    """Yield each chunk with its (failures, summary, GX result), in chunk order.

    Rows come from the view `checked` of `con`, which worker processes read as the Parquet file
    behind it, `checked`."""
    count = workers()
    rows = sum(chunk.last - chunk.first + 1 for chunk in chunks)
    # Starting workers costs a few seconds: worth it only for sources of several chunks.
    if count == 1 or len(chunks) == 1 or rows < 2 * CHUNK_ROWS:
        for chunk in chunks:
            frame = read_columns("checked", columns, chunk.first, chunk.last, con)
            yield chunk, local.run(f"{source}:{chunk.file}", frame, expectations, parameters)
        return
    tasks = [(checked, source, chunk, columns, expectations, parameters) for chunk in chunks]
    with ProcessPoolExecutor(min(count, len(tasks)), mp_context=_context(), initializer=_init_worker) as pool:
        yield from zip(chunks, pool.map(_validate_chunk, tasks), strict=True)
