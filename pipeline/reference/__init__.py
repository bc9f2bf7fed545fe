"""Reference data (region codes, rates, caps, risk classes, minimum wages) and its loader."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).parent
REGIONS_CSV = REFERENCE_DIR / "wilayah_kemendagri_2025.csv"


@cache
def regions() -> dict[str, tuple[str, int]]:
    """Region code (`62`, `62.71`, `62.71.01`) -> (name, level)."""
    with REGIONS_CSV.open(encoding="utf-8", newline="") as f:
        return {row["kode"]: (row["nama"], int(row["level"])) for row in csv.DictReader(f)}


def regency_codes() -> list[str]:
    return sorted(code for code, (_, level) in regions().items() if level == 2)


def reference_files() -> dict[str, Path]:
    """Table name -> CSV file, for loading every reference table into DuckDB."""
    return {p.stem: p for p in sorted(REFERENCE_DIR.glob("*.csv"))}


def plausibility_parameters(source: str) -> dict[str, float]:
    """`max_<column>` for each amount bound of `source` in plausibility_bounds.csv: the suite
    parameters above which a value is implausible (contract section 4)."""
    with (REFERENCE_DIR / "plausibility_bounds.csv").open(encoding="utf-8", newline="") as f:
        return {
            f"max_{row['column']}": float(row["max_value"])
            for row in csv.DictReader(f)
            if row["source"] == source and row["max_value"]
        }
