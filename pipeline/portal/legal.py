"""The legal basis cited per finding category in referral packages (reference data, not code)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

LEGAL_BASIS_CSV = Path(__file__).with_name("legal_basis.csv")


@cache
def legal_basis() -> dict[str, str]:
    with LEGAL_BASIS_CSV.open(encoding="utf-8", newline="") as f:
        return {row["category"]: row["basis"] for row in csv.DictReader(f)}
