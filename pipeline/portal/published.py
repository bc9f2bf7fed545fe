"""Where a period's published and restricted files are (pipeline/publication.py): the portal reads
nothing else of the pipeline's. Every path is built here from a validated period and a fixed
name: nothing the browser sends ever becomes part of a path."""

from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import publication

if TYPE_CHECKING:
    from pipeline.portal.serving import Reader

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_FINDINGS = publication.FINDINGS.name + publication.PARQUET


class Publications:
    def __init__(self, data_dir: Path, reader_threads: int = 1) -> None:
        self.data_dir = data_dir
        self.root = data_dir / publication.PUBLISHED_FOLDER
        self._reader_threads = reader_threads

    @cached_property
    def reader(self) -> Reader:
        """How this process reads the publications (pipeline/portal/serving.py)."""
        from pipeline.portal.serving import Reader

        return Reader(self, self._reader_threads)

    def periods(self) -> list[str]:
        """Published periods, newest first (a folder with findings, not a staging leftover)."""
        if not self.root.is_dir():
            return []
        found = [p.name for p in self.root.iterdir() if PERIOD.match(p.name) and (p / _FINDINGS).is_file()]
        return sorted(found, reverse=True)

    def has(self, period: str) -> bool:
        return bool(PERIOD.match(period)) and (self.root / period / _FINDINGS).is_file()

    def table(self, period: str, name: str) -> Path:
        """A public table's Parquet file (publication.PUBLIC)."""
        assert name in publication.PUBLIC and PERIOD.match(period), (name, period)
        return self.root / period / (name + publication.PARQUET)

    def review_table(self, period: str) -> Path:
        """The period's undecided workers (`review.parquet`); older publications have none."""
        return self.table(period, publication.REVIEW.name)

    def quality_report(self, period: str) -> Path:
        """The pipeline's own quality report (`quality.html`), written by `rekon run`."""
        assert PERIOD.match(period), period
        return self.root / period / publication.QUALITY_REPORT

    def restricted_workers(self, period: str) -> Path:
        """The workers with their full NIKs: the Parquet file (raw values; the CSV beside it is
        for people, spreadsheet-safe), or the CSV alone of a publication from before it."""
        assert PERIOD.match(period), period
        folder = self.data_dir / publication.RESTRICTED_FOLDER / period
        parquet = folder / (publication.WORKERS_FULL.name + publication.PARQUET)
        return parquet if parquet.is_file() else parquet.with_suffix(publication.CSV)

    def manifest(self, period: str) -> dict[str, Any]:
        path = self.root / period / publication.MANIFEST
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
