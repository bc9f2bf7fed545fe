"""A SQL model's config lines: how it is materialised, and DuckDB settings held while it builds."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.reconcile.run import build_model, materialisation, model_config


def _model(tmp_path: Path, folder: str, name: str, code: str) -> Path:
    path = tmp_path / folder / f"{name}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(code)
    return path


def test_config_is_read_from_the_top_lines_only() -> None:
    code = (
        "-- materialized: view\n"
        "-- set: threads = 1\n"
        "-- Prose: with a colon, ends the config.\n"
        "-- set: memory_limit = '1GB'\n"
        "select 1"
    )
    assert model_config(code) == {"materialized": ["view"], "set": ["threads = 1"]}


def test_materialised_by_folder_unless_configured_a_view(tmp_path: Path) -> None:
    plain, view = "select 1", "-- materialized: view\nselect 1"
    assert materialisation(_model(tmp_path, "staging", "s", plain), plain) == "view"
    assert materialisation(_model(tmp_path, "intermediate", "i", plain), plain) == "temp table"
    assert materialisation(_model(tmp_path, "intermediate", "v", view), view) == "temp view"
    assert materialisation(_model(tmp_path, "marts", "m", plain), plain) == "table"
    assert materialisation(_model(tmp_path, "marts", "w", view), view) == "view"


def test_a_setting_holds_while_its_model_builds_and_is_restored_after(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("set disabled_optimizers = 'top_n'")
    model = _model(
        tmp_path,
        "intermediate",
        "int_sides",
        "-- set: disabled_optimizers = 'build_side_probe_side'\n"
        "select current_setting('disabled_optimizers') as during",
    )
    build_model(con, model)
    assert con.execute("select during from int_sides").fetchall() == [("build_side_probe_side",)]
    assert con.execute("select current_setting('disabled_optimizers')").fetchall() == [("top_n",)]


def test_a_setting_is_restored_when_its_model_fails(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("set threads = 2")
    model = _model(tmp_path, "intermediate", "int_broken", "-- set: threads = 1\nselect * from missing_table")
    before = con.execute("select current_setting('threads')").fetchall()
    with pytest.raises(duckdb.CatalogException):
        build_model(con, model)
    assert con.execute("select current_setting('threads')").fetchall() == before
