"""Write the published tables (CSV + Parquet), the restricted worker file, the workbook and
`manifest.json` for a period, then swap them into `<data>/published/<period>/`."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pipeline
from pipeline.contract import SOURCES
from pipeline.db import connect, sha256_of, sql_path
from pipeline.layout import Layout
from pipeline.publish.serving import VERSION as SERVING_VERSION
from pipeline.publish.serving import write_serving
from pipeline.publish.swap import recover, staging_dir, swap_into_place
from pipeline.publish.workbook import write_workbook
from pipeline.quality.report import docs_links, write_quality_report

log = logging.getLogger(__name__)

# Published table -> the select over the reconcile database that makes it (CONTRACT.md section 7).
TABLES = {
    "findings": """
        select period, category, employer_key, employer_name, nib, npwp, npp, regency_code,
               regency_name, workers_affected, wage_gap_monthly, estimated_contribution_monthly,
               missing_programs, evidence, branch_code, branch_name, status, first_seen_period,
               months_listed, priority
        from findings order by category, employer_key""",
    "resolved": """
        select period, category, employer_key, employer_name, regency_code, branch_code, branch_name,
               status, first_seen_period, last_listed_period
        from findings_resolved order by category, employer_key""",
    "workers": """
        select period, category, employer_key, nik_masked, full_name, gross_wage, reported_wage,
               matched_by
        from finding_workers order by category, employer_key, nik""",
    "coverage": """
        select level, region_code, region_name, formal_workers, registered_workers, coverage_pct
        from coverage order by region_code""",
    "quarantine": """
        select source, file, row_number, reason, detail
        from quarantine order by source, file, row_number nulls first, reason""",
}

# Full identities go only to those entitled (UU 27/2022): outside the published folder.
RESTRICTED = {
    "workers_full": """
        select period, category, employer_key, nik, full_name, gross_wage, reported_wage, matched_by
        from finding_workers order by category, employer_key, nik""",
}


def _export(con, sql: str, folder: Path, name: str) -> list[dict[str, Any]]:
    outputs = []
    for suffix, options in (("csv", "format csv, header true, delimiter ','"), ("parquet", "format parquet")):
        path = folder / f"{name}.{suffix}"
        con.execute(f"copy ({sql}) to {sql_path(path)} ({options})")
        outputs.append({"path": path.name, "sha256": sha256_of(path)})
    rows = con.execute(f"select count(*) from ({sql})").fetchall()[0][0]
    for output in outputs:
        output["rows"] = rows
    return outputs


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


def _silver(layout: Layout) -> dict[str, Path | None]:
    paths = {
        "business": layout.silver("permits/business"),
        "construction": layout.silver("permits/construction"),
        "projects": layout.silver("registry/projects"),
    }
    return {k: p if p.is_file() else None for k, p in paths.items()}


def publish_period(layout: Layout) -> dict[str, Any]:
    target = layout.published
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    staging = staging_dir(target)
    restricted = layout.data / "restricted" / layout.period
    restricted.mkdir(parents=True, exist_ok=True)

    con = connect(layout.warehouse, read_only=True)
    try:
        # The workbook is written on a thread of its own beside the tables: most of its time goes
        # to deflating the sheets, on one core, which leaves the other to DuckDB's exports
        # (10 M payroll rows: publish 18.2-18.3 s to 16.5-17.0 s, two runs each).
        with ThreadPoolExecutor(1, thread_name_prefix="workbook") as pool, con.cursor() as book_con:
            workbook = pool.submit(write_workbook, book_con, staging, layout.period)
            outputs = []
            for name, sql in TABLES.items():
                outputs += _export(con, sql, staging, name)
            for name, sql in RESTRICTED.items():
                full = sql_path(restricted / f"{name}.csv")
                con.execute(f"copy ({sql}) to {full} (format csv, header true)")
            # The portal's serving tables and whole-scope files, from the tables just written.
            started = time.perf_counter()
            serving_database, serving_files = write_serving(staging, _silver(layout), layout.period)
            log.info("serving tables and files written in %.1f s", time.perf_counter() - started)
            book = workbook.result()
        outputs.append({"path": book.name, "sha256": sha256_of(book), "rows": None})
        outputs += [
            {"path": str(p.relative_to(staging)), "sha256": sha256_of(p), "rows": None} for p in serving_files
        ]
        counts = dict(con.execute("select category, count(*) from findings group by 1 order by 1").fetchall())
    finally:
        con.close()

    inputs = input_accounting(layout)
    data_docs = docs_links(layout, relative_to=target)
    quality = write_quality_report(layout, staging / "quality.html", inputs, data_docs)
    outputs.append({"path": quality.name, "sha256": sha256_of(quality), "rows": None})
    manifest = {
        "period": layout.period,
        "rekon_version": pipeline.__version__,
        "inputs": inputs,
        "outputs": sorted(outputs, key=lambda o: o["path"]),
        "quality_report": quality.name,
        "data_docs": data_docs,
        "serving": {"database": str(serving_database.relative_to(staging)), "version": SERVING_VERSION},
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    swap_into_place(staging, target)
    log.info("published %s", target)
    return {
        "published": str(target),
        "quality_report": str(target / quality.name),
        "data_docs": {s: str((target / link).resolve()) for s, link in data_docs.items()},
        "findings": counts,
        "rows_received": sum(i["rows_received"] for i in inputs),
        "rows_quarantined": sum(i["rows_quarantined"] for i in inputs),
        "files_quarantined": sum(i["status"] == "quarantined" for i in inputs),
    }
