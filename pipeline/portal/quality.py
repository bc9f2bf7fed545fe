"""The data quality of a period: files and rows per source, quarantine reasons, the Great
Expectations results. File names are shown to admins only (they can name an employer)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pipeline.portal.published import Publications
from pipeline.portal.queries import duck


def by_source(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    totals: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "files": 0,
            "rows_received": 0,
            "rows_accepted": 0,
            "rows_quarantined": 0,
            "files_quarantined": 0,
        }
    )
    for entry in manifest.get("inputs", []):
        source = entry.get("source") or str(entry.get("path", "")).split("/")[0]
        t = totals[source]
        t["files"] += 1
        for key in ("rows_received", "rows_accepted", "rows_quarantined"):
            t[key] += int(entry.get(key) or 0)
        t["files_quarantined"] += entry.get("status") == "quarantined"
    return [{"source": s, **t} for s, t in sorted(totals.items())]


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
