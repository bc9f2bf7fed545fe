"""Where each step keeps its files under the data folder, for one period."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

PERIOD_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, the unit every run reconciles: `Period.parse("2026-10")`."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """Raises ValueError unless `text` is a real month written `YYYY-MM`."""
        if not isinstance(text, str) or not PERIOD_PATTERN.match(text):
            raise ValueError(f"period must be a month written YYYY-MM, got {text!r}")
        year, month = map(int, text.split("-"))
        return cls(year, month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def previous(self) -> Period:
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    @property
    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)


def check_period(period: str) -> str:
    """`period` itself when it is a real `YYYY-MM` month; ValueError otherwise."""
    return str(Period.parse(period))


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
    def month(self) -> Period:
        return Period.parse(self.period)

    def previous(self) -> Layout:
        """The same data folder, for the month before."""
        return Layout(self.data, str(self.month.previous))

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
