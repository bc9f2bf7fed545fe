"""The pipeline's steps, callable alike from the CLI, the Airflow DAG and the tests.

Each step reads what the previous step wrote under the data folder and returns only small,
JSON-serialisable metadata (paths and counts): exactly what an Airflow task passes through XCom.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.errors import MissingRegistryError
from pipeline.layout import Layout


def sources_present(period: str, landing: str | Path) -> list[str]:
    """Check the delivery and list the sources it holds.

    Raises MissingRegistryError when a required registry source is absent.
    """
    from pipeline.ingest.discover import discover

    delivery = discover(Path(landing), period)
    delivery.require_registry()
    return delivery.sources()


def start(period: str, landing: str | Path, data: str | Path) -> list[str]:
    """Begin the period's run: check the delivery, start from an empty work folder (a
    re-delivery is a fresh run) and list the sources it holds.

    Raises MissingRegistryError when a required registry source is absent."""
    from pipeline.ingest.run import start_delivery

    return start_delivery(Path(landing), Layout(Path(data), period))


def ingest(period: str, landing: str | Path, data: str | Path, source: str) -> dict[str, Any]:
    """Read one source's files into typed, standardised Parquet with lineage columns."""
    from pipeline.ingest.run import ingest_source

    return ingest_source(Path(landing), Layout(Path(data), period), source)


def validate(period: str, data: str | Path, source: str) -> dict[str, Any]:
    """Run the source's expectation suite; split accepted rows from quarantined ones."""
    from pipeline.validate.run import validate_source

    return validate_source(Layout(Path(data), period), source)


def reconcile(period: str, data: str | Path) -> dict[str, Any]:
    """Build the DuckDB models (staging -> intermediate -> marts) for the period."""
    from pipeline.reconcile.run import build_models

    return build_models(Layout(Path(data), period))


def publish(period: str, data: str | Path) -> dict[str, Any]:
    """Write the published tables and manifest, and swap them into place atomically."""
    from pipeline.publish.run import publish_period

    return publish_period(Layout(Path(data), period))


def reconcile_prepare(period: str, data: str | Path) -> dict[str, Any]:
    """Partitioned reconcile, step 1: resolve employer identity once, split rows by province."""
    from pipeline.reconcile.partition import prepare_partitions

    return prepare_partitions(Layout(Path(data), period))


def reconcile_partition(period: str, data: str | Path, partition: str) -> dict[str, Any]:
    """Partitioned reconcile, step 2 (one per partition, in parallel): its own DuckDB file."""
    from pipeline.reconcile.partition import build_partition

    return build_partition(Layout(Path(data), period), partition)


def reconcile_merge(period: str, data: str | Path) -> dict[str, Any]:
    """Partitioned reconcile, step 3: the partitions' marts and the national models into the
    period's database, the same tables `reconcile` builds, for `publish`."""
    from pipeline.reconcile.partition import merge_partitions

    return merge_partitions(Layout(Path(data), period))


READY_MARKER = "_READY"


def delivery_status(
    period: str, landing: str | Path, require_marker: bool = False, storage: str = ""
) -> dict[str, Any]:
    """Is the period's delivery complete? `ready` once the agencies' `_READY` marker is there, or
    (unless `require_marker`) once the required registry extracts are.

    The delivery is `<landing>/<period>/`, or, when a storage root is given,
    `<storage>/landing/<period>/` (pipeline/storage.py): the same rules judge its listing.

    Raises MissingRegistryError when the marker says complete but a registry extract is missing:
    waiting longer would not help."""
    from pipeline.ingest.discover import classify, local_files, require_registry, sources_in

    if storage:
        from pipeline.storage import landing_url, list_delivery

        where = landing_url(storage, period)
        listing = list(list_delivery(storage, period))
        if not listing:
            return {"ready": False, "detail": f"nothing under {where} yet"}
    else:
        root = Path(landing) / period
        where = str(root)
        if not root.is_dir():
            return {"ready": False, "detail": f"{root} does not exist yet"}
        listing = local_files(root)
    files = classify(listing)
    marker = f"{where}/{READY_MARKER}"
    if READY_MARKER in listing:
        require_registry(files, where)
        return {"ready": True, "detail": f"{marker} is there", "sources": sources_in(files)}
    try:
        require_registry(files, where)
    except MissingRegistryError as missing:
        return {"ready": False, "detail": f"no {READY_MARKER} marker yet and {missing}"}
    if require_marker:
        return {"ready": False, "detail": f"the registry is there but no {marker} marker yet"}
    return {"ready": True, "detail": f"the registry extracts are in {where}", "sources": sources_in(files)}


def stage_delivery(period: str, storage: str, landing: str | Path) -> dict[str, Any]:
    """Copy the delivery from `<storage>/landing/<period>/` into `<landing>/<period>/`, where ingest
    reads it; a re-delivery replaces the staged copy (see pipeline/storage.py)."""
    from pipeline.storage import stage_delivery as stage

    return stage(storage, period, landing)


def claim_period(
    period: str,
    data: str | Path,
    owner: str,
    is_stale: Callable[[str], bool] = lambda _: False,
    previous_run: Callable[[str], str | None] = lambda _: None,
) -> str | None:
    """Claim the period for a DAG run (see pipeline.claim). None when claimed, else why not.

    Months are published in order: while the previous month is being published (a live run
    claims it, or `previous_run` names an active run of it, such as the earlier run of the same
    backfill), the period is not claimed, so its history never reads a stale publication."""
    from pipeline.claim import previous_in_progress, try_claim

    layout = Layout(Path(data), period)
    waiting = previous_in_progress(layout, is_stale, previous_run)
    return waiting or try_claim(layout, owner, is_stale)


def check_claim(period: str, data: str | Path, owner: str) -> None:
    """Raise PeriodBusy unless `owner` owns the period: every DAG task checks before it works."""
    from pipeline.claim import check_claim as check

    check(Layout(Path(data), period), owner)


def release_period(period: str, data: str | Path, owner: str) -> bool:
    from pipeline.claim import release

    return release(Layout(Path(data), period), owner)


def branch_summaries(period: str, data: str | Path) -> dict[str, Any]:
    """Per-branch-office summaries of a period's published findings (the second DAG)."""
    from pipeline.summaries import write_branch_summaries

    return write_branch_summaries(Layout(Path(data), period))


def mirror_publication(period: str, data: str | Path, storage: str) -> dict[str, Any]:
    """Copy the period's publication to `<storage>/published/<period>/` (see pipeline/storage.py)."""
    from pipeline.storage import mirror_publication as mirror

    return mirror(data, storage, period)
