"""Map a raw file's header onto the contract's columns and type every value in DuckDB."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pipeline.contract import Source, normalise_header
from pipeline.errors import UnreadableFileError

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


@cache
def parser_macros() -> str:
    return (Path(__file__).with_name("parsers.sql")).read_text()


def map_header(source: Source, header: list[str]) -> dict[str, int]:
    """Canonical column -> position in the file. The first of two synonymous columns wins.

    A header in which no contract column is recognised is no header at all. Missing required
    columns are the required-columns expectation's business (see expectations/)."""
    aliases = source.header_map()
    positions: dict[str, int] = {}
    for i, raw in enumerate(header):
        canonical = aliases.get(normalise_header(raw))
        if canonical is not None:
            positions.setdefault(canonical, i)
    if not positions:
        shown = ", ".join(repr(h) for h in header[:20])
        raise UnreadableFileError(f"no usable header: no {source.name} column recognised in {shown}")
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
    columns = []
    for column in source.columns:
        position = positions.get(column.name)
        typed_parser = _TYPED_PARSERS.get((column.kind, typed.get(position)))
        if typed_parser:
            columns.append(f"{typed_parser}(t{position}) as {column.name}")
            continue
        raw = f"c{position}" if position is not None else "null::varchar"
        columns.append(f"{_PARSERS[column.kind]}({raw}) as {column.name}")
    lineage = "$source as _source, $file as _file, $sha256 as _file_sha256, _row_number"
    return f"select {lineage}, {', '.join(columns)} from {relation}"
