"""docs/contract.md states the landing columns and the published files in words;
pipeline/contract.py and pipeline/publication.py hold them as data. They must say the same: every
source, column, requirement and alias; every published file and its columns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import publication
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


def _published_section() -> tuple[str, str]:
    """Section 7, split where the restricted folder's files begin: (published, restricted)."""
    section = DOC.read_text(encoding="utf-8").split("## 7. What is published", 1)[1].split("\n## ", 1)[0]
    restricted_folder = f"In `<data>/{publication.RESTRICTED_FOLDER}/<YYYY-MM>/`"
    published, marker, restricted = section.partition(restricted_folder)
    assert marker, "section 7 names the restricted folder's files"
    return published, restricted


def _file_tables(text: str) -> dict[str, list[str]]:
    """The rows of `| file | one row per | columns |` tables: file -> its columns."""
    tables = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"`\w+`", cells[0]):
            tables[cells[0].strip("`")] = [c.strip() for c in cells[2].split(",")]
    return tables


def test_published_tables_are_documented_as_the_publication_defines_them() -> None:
    published, restricted = _published_section()
    assert published.startswith(f"\n\nIn `<data>/{publication.PUBLISHED_FOLDER}/<YYYY-MM>/`")
    expected = {name: list(table.columns) for name, table in publication.PUBLIC.items()}
    assert _file_tables(published) == expected
    expected = {name: list(table.columns) for name, table in publication.RESTRICTED.items()}
    assert _file_tables(restricted) == expected


def test_the_other_published_files_are_documented() -> None:
    published, _ = _published_section()
    names = [
        publication.workbook_name("<YYYY-MM>"),
        publication.QUALITY_REPORT,
        publication.MANIFEST,
        f"{publication.SERVING}/",
        publication.SERVING_DATABASE,
        f"{publication.SERVING_FILES}/",
        publication.serving_file("<scope>", "csv"),
        publication.serving_file("<scope>", "csv.gz"),
        publication.serving_file(publication.NATIONAL, "xlsx"),
    ]
    for name in names:
        assert f"`{name}`" in published, name
    for suffix in publication.FORMATS:
        assert f"`<file>{suffix}`" in published, suffix
