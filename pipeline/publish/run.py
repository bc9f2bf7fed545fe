"""Write the published tables (CSV + Parquet), the restricted worker file, the workbook and
`manifest.json` for a period into a new generation, then put it in force in one step
(generation.py): `<data>/published/<period>/` and `<data>/restricted/<period>/` change together.

Files are 0640 (the restricted ones, with full NIKs, 0600) and folders 0750 whatever the umask.
A write that fails (a full disk, an unwritable folder) raises PublishWriteError and leaves the
previous publication in force, nothing of the new one behind."""

from __future__ import annotations

import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import pipeline
from pipeline import publication
from pipeline.contract import SOURCES
from pipeline.db import connect, sha256_of, sql_path
from pipeline.errors import PublishWriteError
from pipeline.layout import Layout
from pipeline.linkage.score import load_model
from pipeline.publish import generation, modes
from pipeline.publish.serving import VERSION as SERVING_VERSION
from pipeline.publish.serving import write_serving
from pipeline.publish.workbook import write_workbook
from pipeline.quality.report import docs_links, write_quality_report
from pipeline.spreadsheet import copy_csv
from pipeline.validate.report import totals

log = logging.getLogger(__name__)


def _write_table(con, table: publication.Table, folder: Path) -> list[Path]:
    """The table's files in `folder`: the CSV for people (spreadsheet-safe), the Parquet raw."""
    csv, parquet = (folder / name for name in table.files)
    copy_csv(con, table.select, csv)
    con.execute(f"copy ({table.select}) to {sql_path(parquet)} (format parquet)")
    return [csv, parquet]


def _export(con, table: publication.Table, folder: Path) -> list[dict[str, Any]]:
    """Write a public table; its files' manifest entries."""
    rows = con.execute(f"select count(*) from ({table.select})").fetchall()[0][0]
    return [
        {"path": path.name, "sha256": sha256_of(path), "rows": rows}
        for path in _write_table(con, table, folder)
    ]


def linkage_account(con) -> dict[str, Any]:
    """The linkage model and decisions a run used, for the manifest (CONTRACT.md section 5)."""
    model = load_model()
    in_store = con.execute("select count(*) from raw_decisions").fetchall()[0][0]
    applied = con.execute("select count(distinct review_id) from linkage_decisions").fetchall()[0][0]
    files = con.execute("select file, status, detail from decision_files order by status, file").fetchall()
    outcomes = con.execute(
        "select outcome, coalesce(method, ''), sum(workers)::bigint from linkage_outcomes "
        "group by 1, 2 order by 1, 2"
    ).fetchall()
    return {
        "model_version": model["version"],
        "thresholds": model["thresholds"],
        "decisions": {
            "in_store": in_store,
            "applied": applied,
            "not_in_period": in_store - applied,
            "files_read": sum(status == "read" for _, status, _ in files),
            "files_unreadable": [{"file": f, "error": d} for f, s, d in files if s == "unreadable"],
            "rows_rejected": sum(int(d) for _, s, d in files if s == "rows_rejected"),
        },
        "workers": [{"outcome": o, "method": m or None, "workers": n} for o, m, n in outcomes],
    }


def input_accounting(layout: Layout) -> list[dict[str, Any]]:
    """Every landing file of the period with its hash and row accounting, from validation."""
    inputs = []
    for source in SOURCES:
        report = layout.validation_report(source)
        if report.exists():
            for entry in json.loads(report.read_text())["files"]:
                inputs.append(
                    {
                        "source": source,
                        **{
                            k: entry[k]
                            for k in (
                                "path",
                                "sha256",
                                "rows_received",
                                "rows_accepted",
                                "rows_quarantined",
                                "status",
                            )
                        },
                    }
                )
    return sorted(inputs, key=lambda e: e["path"])


# What the manifest says of each expectation result: never a value, only what was checked.
EXPECTATION_FIELDS = ("file", "expectation", "column", "reason", "success", "unexpected_count")


def expectations_of(report: dict[str, Any]) -> list[dict[str, Any]]:
    """A source's validation report's expectation results as the manifest lists them, `kind`
    `row` (the row rules, per file) or `batch` (the batch expectations)."""
    return [
        {"source": report["source"], "kind": kind, **{k: item.get(k) for k in EXPECTATION_FIELDS}}
        for kind in ("row", "batch")
        for item in report.get(f"{kind}_expectations", [])
    ]


def expectation_results(layout: Layout) -> list[dict[str, Any]]:
    """The result of every expectation the validate step ran, source by source."""
    results = []
    for source in SOURCES:
        report = layout.validation_report(source)
        if report.exists():
            results += expectations_of(json.loads(report.read_text()))
    return results


def _silver(layout: Layout) -> dict[str, Path | None]:
    paths = {
        "business": layout.silver("permits/business"),
        "construction": layout.silver("permits/construction"),
        "projects": layout.silver("registry/projects"),
    }
    return {k: p if p.is_file() else None for k, p in paths.items()}


def publish_period(layout: Layout) -> dict[str, Any]:
    import duckdb

    try:
        generation.recover(layout)
        new = generation.begin(layout)
    except OSError as error:
        raise _write_error(layout, error) from error
    try:
        summary = _write(layout, new / "published", new / "restricted")
        modes.seal(new / "published", modes.FILE)
        modes.seal(new / "restricted", modes.SECRET)
        generation.commit(layout, new)
    except (OSError, duckdb.IOException) as error:
        generation.abandon(layout, new)
        raise _write_error(layout, error) from error
    except BaseException:
        generation.abandon(layout, new)
        raise
    log.info("published %s", layout.published)
    return summary


def _write_error(layout: Layout, error: Exception) -> PublishWriteError:
    """One line: what could not be written, and why (a full disk, a folder not writable)."""
    if isinstance(error, OSError):
        reason = error.strerror or str(error)
    else:  # DuckDB's IO error carries the system's reason in its message
        reason = next(
            (
                r
                for r in ("No space left on device", "Permission denied", "Read-only file system")
                if r in str(error)
            ),
            "the file system refused a write",
        )
    return PublishWriteError(
        f"cannot write the publication of {layout.period} under {layout.data}: {reason}; "
        "the previous publication is unchanged"
    )


def _write(layout: Layout, staging: Path, restricted: Path) -> dict[str, Any]:
    """Write the publication into `staging` and its restricted files into `restricted`; the
    summary's paths are the documented ones."""
    target = layout.published
    con = connect(layout.warehouse, read_only=True)
    try:
        # The workbook is written on a thread of its own beside the tables: most of its time goes
        # to deflating the sheets, on one core, which leaves the other to DuckDB's exports
        # (10 M payroll rows: publish 18.2-18.3 s to 16.5-17.0 s, two runs each).
        book_con = con.cursor()
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="workbook") as pool:
                workbook = pool.submit(write_workbook, book_con, staging, layout.period)
                try:
                    outputs = []
                    for table in publication.PUBLIC.values():
                        outputs += _export(con, table, staging)
                    for table in publication.RESTRICTED.values():
                        _write_table(con, table, restricted)
                    # The portal's serving tables and whole-scope files, from the tables just written.
                    started = time.perf_counter()
                    serving_database, serving_files = write_serving(staging, _silver(layout), layout.period)
                    log.info("serving tables and files written in %.1f s", time.perf_counter() - started)
                finally:
                    # An export that failed (a full disk) waits for the workbook: its cursor is
                    # closed only once the workbook is done with it.
                    wait([workbook])
                book = workbook.result()
        finally:
            book_con.close()
        outputs.append({"path": book.name, "sha256": sha256_of(book), "rows": None})
        outputs += [
            {"path": str(p.relative_to(staging)), "sha256": sha256_of(p), "rows": None} for p in serving_files
        ]
        counts = dict(con.execute("select category, count(*) from findings group by 1 order by 1").fetchall())
        linkage = linkage_account(con)
        histogram = con.execute(
            "select probability_bin, outcome, sum(workers)::bigint from linkage_outcomes "
            "where probability_bin is not null group by 1, 2 order by 1, 2"
        ).fetchall()
    finally:
        con.close()

    inputs = input_accounting(layout)
    data_docs = docs_links(layout, relative_to=target)
    quality = write_quality_report(
        layout, staging / publication.QUALITY_REPORT, inputs, data_docs, linkage=linkage, histogram=histogram
    )
    outputs.append({"path": quality.name, "sha256": sha256_of(quality), "rows": None})
    manifest = {
        "period": layout.period,
        "rekon_version": pipeline.__version__,
        "inputs": inputs,
        "expectations": expectation_results(layout),
        "outputs": sorted(outputs, key=lambda o: o["path"]),
        "quality_report": quality.name,
        "data_docs": data_docs,
        "linkage": linkage,
        "serving": {"database": str(serving_database.relative_to(staging)), "version": SERVING_VERSION},
    }
    (staging / publication.MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return {
        "published": str(target),
        "quality_report": str(target / quality.name),
        # normpath, not resolve: the publication's path is a link, and its relative links are
        # meant from where it is documented to be
        "data_docs": {s: os.path.normpath(target / link) for s, link in data_docs.items()},
        "findings": counts,
        **totals(inputs),
    }
