"""`rekon run`: the steps in order for one period, with progress and a lock per period."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline import claim, steps
from pipeline.layout import Layout

Progress = Callable[[str], None]


@contextmanager
def period_lock(layout: Layout) -> Iterator[None]:
    """Two runs of the same period must never interleave: the second one fails at once, whether
    the first is another `rekon run` or an Airflow DAG run that has claimed the period."""
    with claim.exclusive(layout):
        claim.refuse_if_claimed(layout)
        yield


def _ingest_and_validate(
    period: str, landing: Path, data: Path, progress: Progress, timings: dict[str, float]
) -> list[dict[str, Any]]:
    """Ingest every source, then validate every source (validation may read other sources'
    ingested rows: participants' NPPs are looked up among the employers')."""
    sources = steps.start(period, landing, data)
    progress(f"delivery {landing / period}: {', '.join(sources)}")
    from pipeline.validate import parallel  # pandas and the fork server: only once a run starts

    parallel.warm_up()
    ingested = {}
    for i, source in enumerate(sources, start=1):
        t0 = time.perf_counter()
        ingested[source] = result = steps.ingest(period, landing, data, source)
        timings[f"ingest {source}"] = round(time.perf_counter() - t0, 2)
        unreadable = f", {result['unreadable_files']} unreadable" if result["unreadable_files"] else ""
        progress(
            f"ingest   [{i}/{len(sources)}] {source}: {result['files']} file(s), "
            f"{result['rows_received']:,} rows{unreadable} ({timings[f'ingest {source}']:.1f} s)"
        )
    validated = []
    for i, source in enumerate(sources, start=1):
        t0 = time.perf_counter()
        result = steps.validate(period, data, source)
        timings[f"validate {source}"] = round(time.perf_counter() - t0, 2)
        validated.append(result)
        held = (
            f", {result['files_quarantined']} file(s) held back or unreadable"
            if result["files_quarantined"]
            else ""
        )
        warnings = f", {result['warnings']} warning(s)" if result["warnings"] else ""
        progress(
            f"validate [{i}/{len(sources)}] {source}: {result['rows_accepted']:,} accepted, "
            f"{result['rows_quarantined']:,} quarantined{held}{warnings} "
            f"({timings[f'validate {source}']:.1f} s)"
        )
    return validated


def _stage(period: str, storage: str, landing: Path, progress: Progress, timings: dict[str, float]) -> None:
    """With a storage root, the delivery comes from `<storage>/landing/<period>/`: copy it into the
    landing folder first (inside the period lock, like every other write of the run)."""
    t0 = time.perf_counter()
    staged = steps.stage_delivery(period, storage, landing)
    timings["stage"] = round(time.perf_counter() - t0, 2)
    progress(
        f"stage: {staged['files']} file(s) from {staged['url']} to {staged['folder']}, "
        f"{staged['copied']} copied, {staged['removed']} removed ({timings['stage']:.1f} s)"
    )


def run_period(
    period: str, landing: Path, data: Path, progress: Progress = lambda _: None, storage: str = ""
) -> dict[str, Any]:
    """Ingest, validate, reconcile and publish one period; return the run summary.

    With a storage root, the delivery is staged from it first and the publication mirrored to it
    after the local publish (pipeline/storage.py)."""
    layout = Layout(data, period)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    mirrored = None
    with period_lock(layout):
        if storage:
            _stage(period, storage, landing, progress, timings)
        validated = _ingest_and_validate(period, landing, data, progress, timings)
        t0 = time.perf_counter()
        reconciled = steps.reconcile(period, data)
        timings["reconcile"] = round(time.perf_counter() - t0, 2)
        progress(
            f"reconcile: {sum(reconciled['findings'].values()):,} findings ({timings['reconcile']:.1f} s)"
        )
        t0 = time.perf_counter()
        published = steps.publish(period, data)
        timings["publish"] = round(time.perf_counter() - t0, 2)
        progress(f"publish: {published['published']} ({timings['publish']:.1f} s)")
        if storage:
            t0 = time.perf_counter()
            mirrored = steps.mirror_publication(period, data, storage)["url"]
            timings["mirror"] = round(time.perf_counter() - t0, 2)
            progress(f"mirror: {mirrored} ({timings['mirror']:.1f} s)")
    return {
        **published,
        "mirrored": mirrored,
        "sources": validated,
        "timings": timings,
        "seconds": round(time.perf_counter() - started, 1),
    }


def validate_period(
    period: str, landing: Path, data: Path, progress: Progress = lambda _: None, storage: str = ""
) -> dict[str, Any]:
    """Ingest and validate a delivery without reconciling or publishing: a check before the run.

    The quality report goes to `<data>/work/<period>/quality.html`; nothing is published. With a
    storage root, the delivery is staged from it first, as `run_period` does."""
    from pipeline.publish.run import input_accounting
    from pipeline.quality.report import docs_links, load_reports, write_quality_report
    from pipeline.validate.report import totals

    layout = Layout(data, period)
    started = time.perf_counter()
    with period_lock(layout):
        if storage:
            _stage(period, storage, landing, progress, {})
        validated = _ingest_and_validate(period, landing, data, progress, {})
        inputs = input_accounting(layout)
        report = write_quality_report(
            layout, layout.work / "quality.html", inputs, docs_links(layout, relative_to=layout.work)
        )
    failed = [
        {**r, "source": source}
        for source, rep in load_reports(layout).items()
        for r in rep.get("batch_expectations", [])
        if not r["success"]
    ]
    return {
        "sources": validated,
        **totals(inputs),
        "failed_expectations": failed,
        "quality_report": str(report),
        "data_docs": str(layout.work / "data_docs"),
        "seconds": round(time.perf_counter() - started, 1),
    }


def format_validation(summary: dict[str, Any]) -> str:
    from pipeline.quality.report import observed_text

    lines = [
        "",
        "Failed batch expectations:" if summary["failed_expectations"] else "Every batch expectation passed.",
    ]
    for r in summary["failed_expectations"]:
        lines.append(
            f"  {r['severity'].upper():<8} {r['source']} {r['file'] or '(whole source)'}: {r['check']} "
            f"(observed {observed_text(r['observed_value'])})"
        )
    lines += [
        f"Rows received: {summary['rows_received']:,}; quarantined: {summary['rows_quarantined']:,}",
        f"Data quality report: {summary['quality_report']}",
        f"Data Docs (one site per source): {summary['data_docs']}",
    ]
    return "\n".join(lines)


def format_summary(summary: dict[str, Any]) -> str:
    lines = ["", "Findings:"]
    for category, count in sorted(summary["findings"].items()):
        lines.append(f"  {category:<12} {count:>8,} employers")
    if not summary["findings"]:
        lines.append("  none")
    lines += [
        f"Rows received: {summary['rows_received']:,}; quarantined: {summary['rows_quarantined']:,} rows"
        f" and {summary['files_quarantined']} whole file(s) (see quarantine.csv)",
        f"Data quality report: {summary['quality_report']}",
        f"Data Docs (one site per source): {_common_folder(summary['data_docs'].values())}",
        f"Published to {summary['published']} in {summary['seconds']} s",
    ]
    if summary.get("mirrored"):
        lines.append(f"Mirrored to {summary['mirrored']}")
    return "\n".join(lines)


def _common_folder(paths) -> str:
    import os

    paths = list(paths)
    return os.path.commonpath(paths) if paths else "none"
