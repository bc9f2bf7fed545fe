"""A source's validation report (`work/<period>/validation/<source>.json`) and the counts read from it.

The report accounts for every landing file of the source: rows received, accepted and
quarantined, and the file's status. Publish's input accounting, the quality report, the run's
progress lines and the next period's batch expectations all read it, so each count of rows and
files is defined here once (`totals`) and every reader adds up the stored per-file figures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.contract import SOURCES
from pipeline.layout import Layout

# A file none of whose rows is used: unreadable (quarantined whole) or held back whole by a batch rule.
WHOLE_FILE_STATUSES = ("quarantined", "held_back")


def totals(files: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """The counts of a set of report files (a source's, or a publication's inputs)."""
    files = list(files)
    return {
        "rows_received": sum(f["rows_received"] for f in files),
        "rows_accepted": sum(f["rows_accepted"] for f in files),
        "rows_quarantined": sum(f["rows_quarantined"] for f in files),
        "files_quarantined": sum(f["status"] in WHOLE_FILE_STATUSES for f in files),
    }


def read_report(layout: Layout, source: str) -> dict[str, Any] | None:
    """The source's validation report for the layout's period, when the source was validated."""
    path = layout.validation_report(source)
    return json.loads(path.read_text()) if path.exists() else None


def _optional_absent(source_name: str, entry: dict[str, Any]) -> dict[str, int]:
    """Optional columns of a file whose values were unusable and so treated as absent."""
    optional = {c.name for c in SOURCES[source_name].columns if not c.required and c.kind == "date"}
    return {c: n for c, n in entry.get("unusable", {}).items() if c in optional}


def _file_entry(
    source_name: str, entry: dict[str, Any], rows_quarantined: dict[str, int], held_back: dict[str, Any]
) -> dict[str, Any]:
    """One ingested file's accounting: its status and its rows received, accepted, quarantined."""
    received = entry["rows_received"]
    if entry["status"] == "unreadable":
        status, quarantined = "quarantined", 0
    elif entry["path"] in held_back:
        status, quarantined = "held_back", received
    else:
        quarantined = rows_quarantined.get(entry["path"], 0)
        status = "accepted" if quarantined == 0 else "partially_accepted"
    return {
        "path": entry["path"],
        "sha256": entry["sha256"],
        "rows_received": received,
        "rows_accepted": received - quarantined,
        "rows_quarantined": quarantined,
        "status": status,
        **({"detail": entry["detail"]} if "detail" in entry else {}),
        # optional dates that were there but not real or not plausible: kept as absent
        **({"values_absent": absent} if (absent := _optional_absent(source_name, entry)) else {}),
        **({"held_back_by": held_back[entry["path"]]["check"]} if status == "held_back" else {}),
    }


def write_report(
    layout: Layout,
    source_name: str,
    ingested: list[dict[str, Any]],
    rows_quarantined: dict[str, int],
    held_back: dict[str, dict[str, Any]],
    row_expectations: list[dict[str, Any]],
    batch_expectations: list[dict[str, Any]],
) -> dict[str, Any]:
    """Write the source's report and return it. `ingested` is ingest's entry per file,
    `rows_quarantined` the rows quarantined per file, `held_back` the failed check per file
    held back whole."""
    files = [_file_entry(source_name, entry, rows_quarantined, held_back) for entry in ingested]
    report = {
        "source": source_name,
        "period": layout.period,
        # all files unreadable, empty or held back: as if the source had not been delivered
        "delivered": any(f["rows_accepted"] > 0 for f in files),
        "files": files,
        "row_expectations": row_expectations,
        "batch_expectations": batch_expectations,
    }
    path = layout.validation_report(source_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2))
    return report
