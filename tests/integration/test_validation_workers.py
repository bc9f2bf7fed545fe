"""Validation in worker processes gives what validation in the calling process gives.

Sources of several chunks are validated by worker processes that read their chunks from the
Parquet file of checked rows (pipeline/validate/parallel.py); smaller ones in the calling process
from the view over that file. Both paths run here on the same demo delivery, cut into chunks of
500 rows, through `rekon validate` as an operator runs it, and must agree on every accepted row,
every quarantined row and every validation report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.db import sql_path
from pipeline.demo.generate import generate

PERIOD = "2026-10"
CHUNK_ROWS = 500


def validate(landing: Path, data: Path, workers: int) -> Path:
    env = {**os.environ, "REKON_WORKERS": str(workers), "REKON_VALIDATION_CHUNK_ROWS": str(CHUNK_ROWS)}
    command = [sys.executable, "-m", "pipeline.cli", "validate", "--period", PERIOD]
    subprocess.run(
        [*command, "--landing", str(landing), "--data", str(data)],
        env=env,
        check=True,
        capture_output=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return data / "work" / PERIOD


def rows(path: Path) -> list[tuple]:
    con = duckdb.connect()
    try:
        return con.execute(f"select * from read_parquet({sql_path(path)}) order by all").fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("workers")
    generate(root / "landing", 150, 1, period=PERIOD)
    return validate(root / "landing", root / "one", 1), validate(root / "landing", root / "two", 2)


def test_sources_of_several_chunks_are_validated_in_chunks(runs) -> None:
    _, in_workers = runs
    docs = in_workers / "data_docs" / "payroll" / "validations"
    chunks = [page.name for page in docs.rglob("*.html") if " rows " in page.name]
    # payroll's 2.9 k rows are more than two chunks, so the worker processes validated them
    assert len(chunks) >= 3, chunks
    assert any(name.endswith(f"rows 1-{CHUNK_ROWS}.html") for name in chunks)


@pytest.mark.parametrize("folder", ["silver", "quarantine"])
def test_workers_accept_and_quarantine_the_same_rows(runs, folder: str) -> None:
    in_process, in_workers = runs
    files = sorted(path.name for path in (in_process / folder).glob("*.parquet"))
    assert files == sorted(path.name for path in (in_workers / folder).glob("*.parquet"))
    assert "payroll.parquet" in files
    for name in files:
        assert rows(in_process / folder / name) == rows(in_workers / folder / name), name
    if folder == "quarantine":
        assert rows(in_workers / folder / "payroll.parquet"), "the demo payroll has bad rows"


def test_workers_report_the_same_validation(runs) -> None:
    in_process, in_workers = runs
    reports = sorted((in_process / "validation").glob("*.json"))
    assert [r.name for r in reports] == sorted(r.name for r in (in_workers / "validation").glob("*.json"))
    for report in reports:
        same = in_workers / "validation" / report.name
        assert json.loads(report.read_text()) == json.loads(same.read_text()), report.name
