"""The pipeline's steps, callable alike from the CLI, the Airflow DAG and the tests.

Each step reads what the previous step wrote under the data folder and returns only small,
JSON-serialisable metadata (paths and counts): exactly what an Airflow task passes through XCom.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.layout import Layout


def sources_present(period: str, landing: str | Path) -> list[str]:
    """Check the delivery and list the sources it holds.

    Raises MissingRegistryError when a required registry source is absent.
    """
    from pipeline.ingest.discover import discover

    delivery = discover(Path(landing), period)
    delivery.require_registry()
    return delivery.sources()


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
