"""Where each step keeps its files under the data folder, for one period."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PERIOD_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_period(period: str) -> str:
    if not PERIOD_PATTERN.match(period):
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    return period


def source_slug(source: str) -> str:
    """`registry/employers` -> `registry__employers`, safe as a file name."""
    return source.replace("/", "__")


@dataclass(frozen=True)
class Layout:
    """The data folder as the steps see it: work files per period, and the publication."""

    data: Path
    period: str

    def __post_init__(self) -> None:
        check_period(self.period)

    @property
    def work(self) -> Path:
        return self.data / "work" / self.period

    def bronze(self, source: str) -> Path:
        """Standardised rows as received (one Parquet per landing file) plus ingest metadata."""
        return self.work / "bronze" / source_slug(source)

    def silver(self, source: str) -> Path:
        """Accepted rows of a source, one Parquet file."""
        return self.work / "silver" / f"{source_slug(source)}.parquet"

    def quarantine(self, source: str) -> Path:
        return self.work / "quarantine" / f"{source_slug(source)}.parquet"

    def validation_report(self, source: str) -> Path:
        return self.work / "validation" / f"{source_slug(source)}.json"

    def data_docs(self, source: str) -> Path:
        """The source's Great Expectations Data Docs site for this run."""
        return self.work / "data_docs" / source_slug(source)

    @property
    def warehouse(self) -> Path:
        return self.work / "rekon.duckdb"

    @property
    def published_root(self) -> Path:
        return self.data / "published"

    @property
    def published(self) -> Path:
        return self.published_root / self.period
