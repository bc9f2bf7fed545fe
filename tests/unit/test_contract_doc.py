"""docs/contract.md states the landing columns in words; pipeline/contract.py holds them as data.
The two must say the same: every source, column, requirement and alias."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.contract import SOURCES

DOC = Path(__file__).resolve().parents[2] / "docs" / "contract.md"


def _documented_tables() -> dict[str, list[tuple[str, str, tuple[str, ...]]]]:
    """`### <source>` headings of section 2 and the rows of the table under each."""
    section = DOC.read_text(encoding="utf-8").split("## 2. Columns", 1)[1].split("\n## 3.", 1)[0]
    tables: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    for block in re.split(r"^### ", section, flags=re.M)[1:]:
        name, _, body = block.partition("\n")
        rows = []
        for line in body.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) != 3 or cells[0] in ("column", "") or set(cells[0]) <= {"-"}:
                continue
            aliases = tuple(a.strip() for a in cells[2].split(",") if a.strip())
            rows.append((cells[0], cells[1], aliases))
        tables[name.strip()] = rows
    return tables


def test_every_source_is_documented() -> None:
    assert set(_documented_tables()) == set(SOURCES)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_columns_requirements_and_aliases_match(source: str) -> None:
    spec = SOURCES[source]
    one_of = {name for group in spec.one_of for name in group}
    expected = [
        (c.name, "R" if c.required else "one of" if c.name in one_of else "", c.aliases) for c in spec.columns
    ]
    assert _documented_tables()[source] == expected
