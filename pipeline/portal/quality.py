"""The data quality of a period: files and rows per source, quarantine reasons, the Great
Expectations results. File names are shown to admins only (they can name an employer)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pipeline.portal.published import Publications
from pipeline.portal.queries import duck
from pipeline.validate.report import totals


def by_source(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Files and the counts of validation (pipeline/validate/report.py) per source, from the
    manifest's inputs."""
    files: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in manifest.get("inputs", []):
        files[entry.get("source") or str(entry.get("path", "")).split("/")[0]].append(entry)
    return [{"source": s, "files": len(f), **totals(f)} for s, f in sorted(files.items())]


def quarantine_reasons(pubs: Publications, period: str) -> list[dict[str, Any]]:
    path = pubs.table(period, "quarantine")
    if not path.is_file():
        return []
    with duck() as con:
        rows = con.execute(
            "select source, reason, count(*) filter (where row_number is not null) as rows_, "
            "count(*) filter (where row_number is null) as files "
            "from read_parquet($path) group by all order by source, reason",
            {"path": str(path)},
        ).fetchall()
    return [{"source": s, "reason": r, "rows": n, "files": f} for s, r, n, f in rows]


def expectations(pubs: Publications, period: str) -> list[dict[str, Any]]:
    """Every expectation result of the validate step, as the publication's manifest lists them
    (none for a publication from before the manifest listed them)."""
    return [
        {
            "source": item.get("source") or "",
            "expectation": item.get("expectation"),
            "column": item.get("column") or "",
            "reason": item.get("reason") or "",
            "success": item.get("success"),
            "unexpected_count": item.get("unexpected_count"),
            "kind": "batch" if item.get("kind") == "batch" else "baris",
        }
        for item in pubs.manifest(period).get("expectations", [])
    ]
