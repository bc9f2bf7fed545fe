"""The ingested (bronze) rows of a source, as validation reads them.

Ingest leaves one Parquet file per landing file and its report of them (`_ingest.json`). Here
the files become one relation, `rows`, in which each row carries `_row_id`, its position in the
source (files in path order, then row number): every rule's failures and every verdict are
joined on it, and table `file_base` turns it back into the row's file and row number.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.contract import SOURCES, empty_relation_sql
from pipeline.db import sql_path, sql_text
from pipeline.ingest.run import INGEST_REPORT
from pipeline.ingest.standardise import UNUSABLE
from pipeline.layout import Layout
from pipeline.validate.gx_runner import ROW_ID


def ingest_report(layout: Layout, source_name: str) -> dict[str, Any]:
    """Ingest's account of the source's files: each file's status, rows and Parquet output."""
    return json.loads((layout.bronze(source_name) / INGEST_REPORT).read_text())


def readable(ingest: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries of the files ingest could read."""
    return [e for e in ingest["files"] if e["status"] == "read"]


def load_rows(con, source_name: str, usable: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Create table `file_base` and view `rows` (the rows of the `usable` files, with `_row_id`)
    in `con`; return each file's `_row_id` range (first, last), files without rows left out."""
    # `_row_id`: the row's position in the source, files in path order; no sort needed.
    file_rows, base = {}, 0
    for entry in sorted(usable, key=lambda e: e["path"]):
        file_rows[entry["path"]] = (base + 1, base + entry["rows_received"])
        base += entry["rows_received"]
    con.execute("create table file_base (_file varchar, _base bigint, _last bigint)")
    if file_rows:  # none when every file of the source was unreadable
        con.executemany(
            "insert into file_base values (?, ?, ?)",
            [(f, lo - 1, hi) for f, (lo, hi) in file_rows.items()],
        )
    # No usable file: an empty relation of the right shape keeps every step uniform.
    files = ", ".join(sql_path(Path(e["output"])) for e in usable)
    ingested = (
        f"read_parquet([{files}])"
        if usable
        else f"(select *, []::varchar[] as {UNUSABLE} from ({empty_relation_sql(SOURCES[source_name])}))"
    )
    con.execute(
        f"create view rows as select file_base._base + ingested._row_number as {ROW_ID}, ingested.* "
        f"from {ingested} as ingested join file_base using (_file)"
    )
    return {f: r for f, r in file_rows.items() if r[1] >= r[0]}


def file_list_sql(files: Iterable[str]) -> str:
    """File names as the list of a SQL `_file in (...)`; never empty (no file has the name that
    stands for none)."""
    return ", ".join(sql_text(f) for f in [*files] or ["\x00none"])
