"""Reference data (region codes, rates, caps, risk classes, minimum wages, finding categories)
and its loader."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipeline.errors import RekonError

REFERENCE_DIR = Path(__file__).parent
REGIONS_CSV = REFERENCE_DIR / "wilayah_kemendagri_2025.csv"
CATEGORIES_CSV = REFERENCE_DIR / "categories.csv"


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


@dataclass(frozen=True)
class Category:
    """A finding category: one row of categories.csv, the one place a category is defined."""

    code: str  # as published in the `category` column: `PWBD`
    sort_order: int  # where it comes in lists, pages and summaries: 1 first
    model: str  # the SQL model that finds it: `sql/marts/<model>.sql`
    worker_list: str  # the list its workers come from (sql/marts/finding_workers.sql); "" for none
    label: str  # its name for people, in Bahasa Indonesia
    description: str  # what it means, in Bahasa Indonesia (the portal's help)
    legal_basis: str  # the law cited in letters and referrals
    legal_confidence: str  # how sure that citation is, and who confirms it

    @property
    def column(self) -> str:
        """Its column in a table with one column per category: the code in lower case."""
        return self.code.lower()


_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_MODEL = re.compile(r"[a-z][a-z0-9_]*")


@cache
def categories() -> tuple[Category, ...]:
    """The finding categories of categories.csv, in their `sort_order`. Codes and models are
    checked, since SQL is written from them."""
    with CATEGORIES_CSV.open(encoding="utf-8", newline="") as f:
        rows = [
            Category(
                code=row["category"],
                sort_order=int(row["sort_order"]),
                model=row["model"],
                worker_list=row["worker_list"],
                label=row["label"],
                description=row["description"],
                legal_basis=row["legal_basis"],
                legal_confidence=row["legal_confidence"],
            )
            for row in csv.DictReader(f)
        ]
    for c in rows:
        if not _CODE.fullmatch(c.code) or not _MODEL.fullmatch(c.model):
            raise RekonError(
                f"{CATEGORIES_CSV.name}: category {c.code}, model {c.model}: a code is capitals, digits "
                "and _, a model name lower case"
            )
    for field in ("code", "sort_order", "model"):
        values = [getattr(c, field) for c in rows]
        if len(set(values)) != len(values):
            raise RekonError(f"{CATEGORIES_CSV.name}: two categories have the same {field}")
    return tuple(sorted(rows, key=lambda c: c.sort_order))


def category_codes() -> tuple[str, ...]:
    """The category codes, in order."""
    return tuple(c.code for c in categories())


def category_labels() -> dict[str, str]:
    """Category code -> its label for people."""
    return {c.code: c.label for c in categories()}


def legal_bases() -> dict[str, str]:
    """Category code -> the legal basis cited for it."""
    return {c.code: c.legal_basis for c in categories()}
