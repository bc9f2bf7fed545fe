"""A real publication holds what pipeline/publication.py declares: exactly its files, each table
with its columns in order (CSV header and Parquet schema alike), the serving folder's whole-scope
files, and a manifest that lists every file it holds."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline import publication
from pipeline.publish.serving import file_units
from pipeline.runner import run_period
from tests import scenario as s


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("publication")
    s.add_undecided_pair(s.build_base_delivery(base / "landing"))  # a review row too
    run_period(s.PERIOD, base / "landing", base / "data")
    return base / "data"


def _folders(data: Path) -> tuple[Path, Path]:
    return (
        data / publication.PUBLISHED_FOLDER / s.PERIOD,
        data / publication.RESTRICTED_FOLDER / s.PERIOD,
    )


def test_the_publication_holds_exactly_the_declared_files(data: Path) -> None:
    published, restricted = _folders(data)
    assert {p.name for p in published.iterdir()} == publication.published_files(s.PERIOD)
    assert {p.name for p in restricted.iterdir()} == publication.restricted_files()


@pytest.mark.parametrize("name", sorted(publication.TABLES))
def test_each_table_has_its_declared_columns_as_csv_and_parquet(data: Path, name: str) -> None:
    table = publication.TABLES[name]
    published, restricted = _folders(data)
    folder = restricted if table.restricted else published
    with (folder / (name + publication.CSV)).open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header == list(table.columns)
    assert pq.read_schema(folder / (name + publication.PARQUET)).names == list(table.columns)


def test_the_serving_folder_holds_the_database_and_each_whole_scope_file(data: Path) -> None:
    published, _ = _folders(data)
    serving = published / publication.SERVING
    assert {p.name for p in serving.iterdir()} == {publication.SERVING_DATABASE, publication.SERVING_FILES}
    with duckdb.connect(str(serving / publication.SERVING_DATABASE), read_only=True) as con:
        units = file_units(con)
    expected = set()
    for unit, label, _ in units:
        expected |= {publication.serving_file(unit, "csv"), publication.serving_file(unit, "csv.gz")}
        if label:
            expected.add(publication.serving_file(unit, "xlsx"))
    assert publication.serving_file(publication.NATIONAL, "xlsx") in expected
    files = serving / publication.SERVING_FILES
    assert {p.name for p in files.iterdir()} == expected
    with (files / publication.serving_file(publication.NATIONAL, "csv")).open(encoding="utf-8") as f:
        assert next(csv.reader(f)) == list(publication.EXPORT_COLUMNS)


def test_the_manifest_lists_every_file_but_itself_and_the_serving_database(data: Path) -> None:
    published, _ = _folders(data)
    manifest = json.loads((published / publication.MANIFEST).read_text(encoding="utf-8"))
    assert list(manifest) == list(publication.MANIFEST_KEYS)
    held = {
        str(p.relative_to(published))
        for p in published.rglob("*")
        if p.is_file() and p.name not in (publication.MANIFEST, publication.SERVING_DATABASE)
    }
    assert {o["path"] for o in manifest["outputs"]} == held
    assert manifest["quality_report"] == publication.QUALITY_REPORT
    assert manifest["expectations"] and {e["kind"] for e in manifest["expectations"]} == {"row", "batch"}
    assert manifest["serving"]["database"] == f"{publication.SERVING}/{publication.SERVING_DATABASE}"
