"""Ingest one source: every landing file -> one standardised Parquet file in bronze."""

from __future__ import annotations

import itertools
import json
import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.contract import REGISTRY_SOURCES, SOURCES
from pipeline.db import connect, sha256_of, sql_path
from pipeline.errors import MissingRegistryError, RegistryGateError, UnreadableFileError, without_values
from pipeline.ingest.discover import discover, is_regular_file
from pipeline.ingest.readers import RawFile, read_raw
from pipeline.ingest.standardise import UNUSABLE, has_required_columns, map_header, parser_macros, select_sql
from pipeline.layout import Layout, Period

log = logging.getLogger(__name__)

INGEST_REPORT = "_ingest.json"
NOT_REGULAR = "not a regular file"


def _numbered_reader(raw: RawFile) -> pa.RecordBatchReader:
    """The file's batches with `_row_number`, the 1-based position of the record among the
    file's data rows (a file with no data rows gives one empty batch)."""
    first = next(raw.batches, None)
    if first is None:
        first = pa.record_batch(
            [pa.array([], pa.string()) for _ in raw.header], names=[f"c{i}" for i in range(len(raw.header))]
        )

    def numbered() -> Iterator[pa.RecordBatch]:
        offset = 0
        for batch in itertools.chain([first], raw.batches):
            numbers = pa.array(range(offset + 1, offset + batch.num_rows + 1), pa.int64())
            offset += batch.num_rows
            yield batch.append_column("_row_number", numbers)

    schema = first.schema.append(pa.field("_row_number", pa.int64()))
    return pa.RecordBatchReader.from_batches(schema, numbered())


def ingest_file(path: Path, relative: str, source_name: str, out: Path, period: str) -> dict[str, Any]:
    """Standardise one file into `out`; return its accounting entry for the manifest."""
    import duckdb

    source = SOURCES[source_name]
    if not is_regular_file(path):
        # A symbolic link, device, socket or folder: never opened, so never followed or blocked on.
        log.warning("%s: not a regular file, quarantined whole", relative)
        return {
            "path": relative,
            "source": source_name,
            "sha256": None,
            "status": "unreadable",
            "rows_received": 0,
            "reason": "unreadable_file",
            "detail": NOT_REGULAR,
        }
    entry: dict[str, Any] = {"path": relative, "source": source_name, "sha256": sha256_of(path)}
    try:
        raw = read_raw(path, is_header=lambda row: has_required_columns(source, row))
        positions = map_header(source, raw.header)
        tmp = out.with_suffix(".tmp")
        con = connect()
        try:
            con.execute(parser_macros())
            last_day = Period.parse(period).last_day
            con.execute("set variable period_year = ?", [last_day.year])
            con.execute("set variable period_end = ?::date", [last_day])
            if raw.query is not None:
                con.execute(f"create view raw_rows as {raw.query}")
            else:
                con.register("raw_rows", _numbered_reader(raw))
            sql = select_sql(source, positions, "raw_rows", raw.typed)
            rows = con.execute(  # COPY answers with the number of rows it wrote
                f"copy ({sql}) to {sql_path(tmp)} (format parquet, compression zstd)",
                {"source": source_name, "file": relative, "sha256": entry["sha256"]},
            ).fetchall()[0][0]
            unusable = dict(
                con.execute(
                    f"select c, count(*) from (select unnest({UNUSABLE}) as c "
                    f"from read_parquet({sql_path(tmp)})) group by c order by c"
                ).fetchall()
            )
        finally:
            con.close()
        tmp.replace(out)
        entry.update(
            status="read", rows_received=rows, output=str(out), columns=sorted(positions), unusable=unusable
        )
    except (UnreadableFileError, pa.ArrowException, duckdb.Error) as exc:
        if isinstance(exc, duckdb.IOException) and str(out.with_suffix(".tmp")) in str(exc):
            raise  # writing the bronze file failed (a full disk): the run's fault, not the file's
        # Readers stream, so a malformed row can surface from inside DuckDB's scan.
        detail = without_values(str(exc))
        log.warning("%s: unreadable, quarantined whole: %s", relative, detail)
        entry.update(status="unreadable", rows_received=0, reason="unreadable_file", detail=detail)
    return entry


DELIVERY_REPORT = "delivery.json"


def start_delivery(landing: Path, layout: Layout) -> list[str]:
    """Begin a period's run on what is delivered now: check the delivery, empty the period's work
    folder (a re-delivery is a fresh run: nothing an earlier delivery left there is read again),
    and record the sources and the ignored control files. Returns the sources delivered."""
    delivery = discover(landing, layout.period)
    delivery.require_registry()
    layout.work.mkdir(parents=True, exist_ok=True)
    for entry in layout.work.iterdir():
        if entry.name.startswith("."):  # the period's lock and claim
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    record = {"period": layout.period, "sources": delivery.sources(), "ignored": list(delivery.ignored)}
    (layout.work / DELIVERY_REPORT).write_text(json.dumps(record, indent=2))
    return delivery.sources()


def _slug(relative: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", relative)


def ingest_source(landing: Path, layout: Layout, source_name: str) -> dict[str, Any]:
    delivery = discover(landing, layout.period)
    files = delivery.files.get(source_name, [])
    if source_name in REGISTRY_SOURCES and len(files) > 1:
        names = ", ".join(delivery.relative(f) for f in files)
        raise RegistryGateError(
            f"{source_name}: {len(files)} files delivered ({names}); exactly one is expected, "
            "so nothing was published"
        )
    out_dir = layout.bronze(source_name)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.parquet"):  # a rerun replaces, never appends
        stale.unlink()
    entries = []
    for index, path in enumerate(files):
        relative = delivery.relative(path)
        out = out_dir / f"{index:04d}_{_slug(relative)}.parquet"
        entries.append(ingest_file(path, relative, source_name, out, layout.period))
    # Files that are all unreadable or empty: the source counts as not delivered (contract section 4).
    delivered = any(e["status"] == "read" and e["rows_received"] > 0 for e in entries)
    if source_name in REGISTRY_SOURCES and not delivered:
        details = "; ".join(f"{e['path']}: {e.get('detail') or 'no data rows'}" for e in entries) or "no file"
        problem = "has no data rows" if any(e["status"] == "read" for e in entries) else "could not be read"
        raise MissingRegistryError(
            f"{source_name} {problem} ({details}): the registry is required, so nothing was published"
        )
    report = {"source": source_name, "period": layout.period, "delivered": delivered, "files": entries}
    (out_dir / INGEST_REPORT).write_text(json.dumps(report, indent=2))
    return {
        "source": source_name,
        "files": len(entries),
        "rows_received": sum(e["rows_received"] for e in entries),
        "unreadable_files": sum(e["status"] == "unreadable" for e in entries),
        "delivered": delivered,
    }
