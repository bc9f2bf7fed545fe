"""`quality.html`: what came in, what was held back and why, for operators; readable offline.

Built from the validation reports of the run, the quarantined rows (with a few masked examples
per reason) and the manifests of earlier periods (for the trend chart). No JavaScript, no
external assets: one self-contained file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.contract import SOURCES
from pipeline.db import connect
from pipeline.ingest.run import DELIVERY_REPORT
from pipeline.layout import Layout
from pipeline.publication import MANIFEST
from pipeline.validate.report import read_report, totals

EXAMPLES_PER_REASON = 3
TREND_PERIODS = 6


def load_reports(layout: Layout) -> dict[str, dict[str, Any]]:
    """The validation report of each source validated in the period."""
    return {source: report for source in SOURCES if (report := read_report(layout, source)) is not None}


def _mask_nik(value: str | None) -> str:
    if not value:
        return ""
    return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:] if len(value) >= 10 else "*" * len(value)


def delivery_record(layout: Layout) -> dict[str, Any]:
    """What the run found in the delivery (pipeline/ingest/run.py: start_delivery)."""
    path = layout.work / DELIVERY_REPORT
    return json.loads(path.read_text()) if path.exists() else {}


def examples(layout: Layout) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """A few quarantined rows per (source, reason): where they are, and a NIK only masked."""

    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for source in SOURCES:
        quarantine, bronze = layout.quarantine(source), layout.bronze(source)
        if not quarantine.exists():
            continue
        con = connect()
        rows = con.execute(
            f"""select reason, file, row_number, detail from read_parquet('{quarantine}')
                qualify row_number() over (partition by reason order by file, row_number nulls first)
                    <= {EXAMPLES_PER_REASON}
                order by reason, file, row_number nulls first"""
        ).fetchall()
        values: dict[tuple[str, int], dict[str, Any]] = {}
        columns = set(SOURCES[source].column_names)
        if list(bronze.glob("*.parquet")) and "nik" in columns:
            wanted = ["nik"]
            keys = [(f, n) for _, f, n, _ in rows if n is not None]
            if keys:
                con.execute("create table wanted (file varchar, row_number bigint)")
                con.executemany("insert into wanted values (?, ?)", keys)
                for file, number, *cells in con.execute(
                    f"""select b._file, b._row_number, {", ".join("b." + c for c in wanted)}
                        from read_parquet('{bronze}/*.parquet') as b
                        join wanted on wanted.file = b._file and wanted.row_number = b._row_number"""
                ).fetchall():
                    values[(file, number)] = dict(zip(wanted, cells, strict=True))
        con.close()
        for reason, file, number, detail in rows:
            cells = values.get((file, number), {})
            found.setdefault((source, reason), []).append(
                {
                    "file": file,
                    "row_number": number,
                    "detail": detail,
                    "nik": _mask_nik(cells.get("nik")),
                }
            )
    return found


def trend(layout: Layout, current_inputs: list[dict[str, Any]]) -> dict[str, list[tuple[str, float | None]]]:
    """Quarantine share per source over the last periods, from the published manifests."""
    periods: dict[str, list[dict[str, Any]]] = {}
    root = layout.published_root
    if root.exists():
        for folder in sorted(root.iterdir()):
            manifest = folder / MANIFEST
            if folder.name < layout.period and manifest.exists():
                periods[folder.name] = json.loads(manifest.read_text())["inputs"]
    periods[layout.period] = current_inputs
    chosen = sorted(periods)[-TREND_PERIODS:]
    series: dict[str, list[tuple[str, float | None]]] = {}
    for source in SOURCES:
        points = []
        for period in chosen:
            counts = totals(i for i in periods[period] if i.get("source") == source)
            received, quarantined = counts["rows_received"], counts["rows_quarantined"]
            points.append((period, quarantined / received if received else None))
        if any(share is not None for _, share in points):
            series[source] = points
    return series


def observed_text(value: Any) -> str:
    """An expectation's observed value as an operator reads it: a share to four significant
    digits (0.1667, not 0.16666666666666666), a wage or count in whole units."""
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return "-" if value is None else str(value)


def write_quality_report(
    layout: Layout,
    out: Path,
    inputs: list[dict[str, Any]],
    data_docs: dict[str, str],
    linkage: dict[str, Any] | None = None,
    histogram: list[tuple[int, str, int]] | None = None,
) -> Path:
    """Write quality.html to `out`; `data_docs` maps source -> relative link to its site;
    `linkage` is the manifest's account of worker linkage, `histogram` its workers per
    (probability twentieth, outcome)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    reports = load_reports(layout)
    counts = _reason_counts(layout)
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent), autoescape=select_autoescape(["html", "j2"])
    )
    env.filters["observed"] = observed_text
    html = env.get_template("quality.html.j2").render(
        period=layout.period,
        files=sorted(inputs, key=lambda i: (i.get("source", ""), i["path"])),
        counts=counts,
        examples=examples(layout),
        failed=[
            {**r, "source": source}
            for source, report in reports.items()
            for r in report.get("batch_expectations", [])
            if not r["success"]
        ],
        chart=_chart(trend(layout, inputs)),
        not_delivered=[source for source, report in reports.items() if not report.get("delivered", True)],
        ignored=delivery_record(layout).get("ignored", []),
        absent=[
            {"source": source, "file": f["path"], "column": column, "rows": rows}
            for source, report in reports.items()
            for f in report["files"]
            for column, rows in f.get("values_absent", {}).items()
        ],
        data_docs=data_docs,
        linkage=linkage,
        linkage_chart=_linkage_chart(histogram or []),
        totals=totals(inputs),
    )
    out.write_text(html, encoding="utf-8")
    return out


def _reason_counts(layout: Layout) -> list[dict[str, Any]]:

    files = [layout.quarantine(s) for s in SOURCES if layout.quarantine(s).exists()]
    if not files:
        return []
    paths = ", ".join(f"'{p}'" for p in files)
    rows = (
        connect()
        .sql(
            f"""select source, reason, count(*) filter (where row_number is not null) as rows,
                   count(*) filter (where row_number is null) as files
            from read_parquet([{paths}]) group by all order by source, reason"""
        )
        .fetchall()
    )
    return [{"source": s, "reason": r, "rows": n, "files": f} for s, r, n, f in rows]


_OUTCOME_COLOURS = {"registered": "#2ca02c", "undecided": "#ff7f0e", "listed": "#d62728"}


def _linkage_chart(histogram: list[tuple[int, str, int]]) -> dict[str, Any]:
    """Geometry for an inline SVG bar chart of the linked workers' match probabilities: one bar
    per twentieth, stacked by outcome, on a square-root scale so that the few undecided show
    beside thousands listed."""
    if not histogram:
        return {"bars": []}
    totals: dict[int, int] = {}
    for b, _, n in histogram:
        totals[b] = totals.get(b, 0) + n
    top = max(totals.values()) ** 0.5
    bars, base = [], {}
    for b, outcome, n in sorted(histogram, key=lambda r: (r[0], list(_OUTCOME_COLOURS).index(r[1]))):
        below = base.get(b, 0)
        y0 = 180 - 160 * (below**0.5) / top
        y1 = 180 - 160 * ((below + n) ** 0.5) / top
        bars.append(
            {
                "x": 40 + 24 * b,
                "y": round(y1, 1),
                "h": round(y0 - y1, 1),
                "colour": _OUTCOME_COLOURS[outcome],
                "title": f"{b * 5}-{b * 5 + 5} %: {n:,} {outcome}",
            }
        )
        base[b] = below + n
    return {"bars": bars, "colours": _OUTCOME_COLOURS}


_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"]


def _chart(series: dict[str, list[tuple[str, float | None]]]) -> dict[str, Any]:
    """Geometry for an inline SVG line chart: x = period, y = quarantine share (0..max)."""
    if not series:
        return {"lines": [], "periods": []}
    periods = [p for p, _ in next(iter(series.values()))]
    top = max((v for points in series.values() for _, v in points if v is not None), default=0) or 0.01
    top = min(1.0, top * 1.2)
    width, height, left, bottom = 640, 240, 50, 30
    step = (width - left - 20) / max(len(periods) - 1, 1)
    lines = []
    for i, (source, points) in enumerate(series.items()):
        coords = [
            (left + j * step, height - bottom - (v / top) * (height - bottom - 10))
            for j, (_, v) in enumerate(points)
            if v is not None
        ]
        lines.append(
            {
                "source": source,
                "colour": _COLOURS[i % len(_COLOURS)],
                "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in coords),
                "dots": coords,
                "last": points[-1][1],
            }
        )
    ticks = [(left + j * step, p) for j, p in enumerate(periods)]
    return {
        "lines": lines,
        "periods": ticks,
        "top": top,
        "width": width,
        "height": height,
        "bottom": bottom,
        "left": left,
    }


def docs_links(layout: Layout, relative_to: Path) -> dict[str, str]:
    """Source -> link to its Data Docs index, relative to the folder the link is written in."""
    import os

    links = {}
    for source in SOURCES:
        index = layout.data_docs(source) / "index.html"
        if index.exists():
            links[source] = os.path.relpath(index, relative_to)
    return links
