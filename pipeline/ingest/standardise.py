"""Map a raw file's header onto the contract's columns and type every value in DuckDB."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from pipeline.contract import Source, normalise_header
from pipeline.errors import UnreadableFileError
from pipeline.reference import REFERENCE_DIR

# contract kind -> SQL parser macro in parsers.sql
_PARSERS = {
    "text": "clean_text",
    "upper": "clean_upper",
    "nik": "clean_ident",
    "nib": "parse_nib",
    "npwp": "parse_npwp",
    "ident": "clean_ident",
    "document": "clean_document",
    "amount": "parse_amount",
    "count": "parse_count",
    "date": "parse_date",
    "region": "parse_region",
    "kbli": "parse_kbli",
    "programs": "parse_programs",
    "period": "parse_period",
}

# (contract kind, Parquet type) -> the macro for a value that is already typed (readers.py: t{i})
_TYPED_PARSERS = {
    ("amount", "number"): "typed_amount",
    ("count", "number"): "typed_amount",
    ("date", "date"): "typed_date",
}

LINEAGE = ("_source", "_file", "_file_sha256", "_row_number")

# Per row, the columns that held something but no usable value: dates that are not real dates
# and periods that are not real months. Validation reads it (`invalid_date`, `invalid_period`);
# an optional date so flagged is absent, and the quality report counts it. Not kept in silver.
UNUSABLE = "_unusable"
_CHECKED_KINDS = ("date", "period")


def _date_bounds() -> dict[str, tuple[str | None, str | None]]:
    """Column -> (earliest, latest) plausible date, from pipeline/reference/plausibility_bounds.csv
    (a birth date before 1900 or after the period is treated as absent)."""
    bounds: dict[str, tuple[str | None, str | None]] = {}
    with (REFERENCE_DIR / "plausibility_bounds.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["source"] == "*":
                bounds[row["column"]] = (row["min_value"] or None, row["max_value"] or "period")
    return bounds


_DATE_BOUNDS = _date_bounds()


@cache
def parser_macros() -> str:
    return (Path(__file__).with_name("parsers.sql")).read_text()


def map_header(source: Source, header: list[str]) -> dict[str, int]:
    """Canonical column -> position in the file. The first of two synonymous columns wins.

    A header in which no contract column is recognised is no header at all. Missing required
    columns are the required-columns expectation's business (see expectations/)."""
    aliases = source.header_map()
    names = [normalise_header(raw) for raw in header]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise UnreadableFileError(
            f"ambiguous header: {len(repeated)} column name(s) appear twice ({', '.join(repeated[:5])})"
        )
    positions: dict[str, int] = {}
    for i, raw in enumerate(header):
        canonical = aliases.get(normalise_header(raw))
        if canonical is not None:
            positions.setdefault(canonical, i)
    if not positions:
        # The cells are not named: without a header, they would be the first record's values.
        raise UnreadableFileError(
            f"no usable header: none of the {len(header)} cells of the first row names a {source.name} column"
        )
    return positions


def has_required_columns(source: Source, header: list[str]) -> bool:
    """Whether `header` could be this source's header (used to skip title rows in workbooks)."""
    try:
        positions = map_header(source, header)
    except UnreadableFileError:
        return False
    return all(c in positions for c in source.required_columns()) and all(
        any(c in positions for c in group) for group in source.one_of
    )


def select_sql(
    source: Source, positions: dict[str, int], relation: str, typed: dict[int, str] | None = None
) -> str:
    """A select that types every contract column of `relation` (raw columns c0..cN, and t{i} for
    the positions in `typed` whose values are already numbers or dates)."""
    typed = typed or {}
    columns, unusable = [], []
    for column in source.columns:
        position = positions.get(column.name)
        typed_parser = _TYPED_PARSERS.get((column.kind, typed.get(position)))
        raw = f"c{position}" if position is not None else "null::varchar"
        value = f"{typed_parser}(t{position})" if typed_parser else f"{_PARSERS[column.kind]}({raw})"
        if column.name in _DATE_BOUNDS:
            value = _within(value, _DATE_BOUNDS[column.name])
        columns.append(f"{value} as {column.name}")
        if column.kind in _CHECKED_KINDS and position is not None:
            # there, but no usable value: an unreadable date or period, an implausible birth date
            there = f"nullif(trim(c{position}), '') is not null"
            unusable.append(f"if({there} and {value} is null, '{column.name}', null)")
    lineage = "$source as _source, $file as _file, $sha256 as _file_sha256, _row_number"
    flags = f"list_filter([{', '.join(unusable)}], lambda c: c is not null)" if unusable else "[]::varchar[]"
    return f"select {lineage}, {', '.join(columns)}, {flags} as {UNUSABLE} from {relation}"


def _within(value: str, bounds: tuple[str | None, str | None]) -> str:
    """`value` where it lies within the bounds (a date, or `period`: the period's last day)."""
    tests = []
    for op, bound in zip((">=", "<="), bounds, strict=True):
        if bound == "period":
            tests.append(f"{value} {op} getvariable('period_end')")
        elif bound:
            tests.append(f"{value} {op} date '{bound}'")
    return f"if({' and '.join(tests)}, {value}, null)" if tests else value
