"""Accepted rows: the rows no rule rejected, of files no batch rule held back, into silver.

Whole rows come from the ingested files (view `rows`), since `checked` holds only the columns
validation reads: the contract's columns and their lineage, which reconcile reads.
"""

from __future__ import annotations

from typing import Any

from pipeline.contract import SOURCES
from pipeline.db import copy_to_parquet
from pipeline.ingest.standardise import LINEAGE
from pipeline.layout import Layout
from pipeline.validate.bronze import file_list_sql
from pipeline.validate.gx_runner import ROW_ID


def write_silver(con, layout: Layout, source_name: str, held_back: dict[str, dict[str, Any]]) -> None:
    """Write the source's silver file: view `rows` without the rows of table `verdict` and
    without the files `held_back`."""
    columns = ", ".join([*LINEAGE, *SOURCES[source_name].column_names])
    copy_to_parquet(
        con,
        f"select {columns} from rows anti join verdict using ({ROW_ID}) "
        f"where _file not in ({file_list_sql(held_back)})",
        layout.silver(source_name),
    )
