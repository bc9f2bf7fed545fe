"""A SQL model's config lines: how it is materialised, and DuckDB settings held while it builds."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.errors import RekonError
from pipeline.reconcile.plan import model_config
from pipeline.reconcile.run import (
    MART_ROW_GROUP,
    SCRATCH,
    WAREHOUSE,
    build_model,
    connect_building,
    materialisation,
    prepare_session,
)


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
    assert model_config("# partition: prepare\n# split: replicated\nimport x", "#") == {
        "partition": ["prepare"],
        "split": ["replicated"],
    }


def test_materialised_by_folder_unless_configured_a_view(tmp_path: Path) -> None:
    plain, view = "select 1", "-- materialized: view\nselect 1"
    assert materialisation(_model(tmp_path, "staging", "s", plain), plain) == "view"
    assert materialisation(_model(tmp_path, "intermediate", "i", plain), plain) == "table"
    assert materialisation(_model(tmp_path, "intermediate", "v", view), view) == "view"
    assert materialisation(_model(tmp_path, "marts", "m", plain), plain) == "table"
    assert materialisation(_model(tmp_path, "marts", "w", view), view) == "view"


def test_intermediate_models_go_to_the_in_memory_database_and_the_rest_to_the_file(tmp_path: Path) -> None:
    con = connect_building(tmp_path / "built.duckdb")
    prepare_session(con, "2026-10")
    for folder, name in (("staging", "stg_s"), ("intermediate", "int_i"), ("marts", "m")):
        build_model(con, _model(tmp_path, folder, name, "select 1 as x"))
    where = dict(con.execute("select table_name, database_name from duckdb_tables()").fetchall())
    where |= dict(
        con.execute("select view_name, database_name from duckdb_views() where not internal").fetchall()
    )
    assert where == {"stg_s": WAREHOUSE, "int_i": SCRATCH, "m": WAREHOUSE}
    con.close()
    saved = duckdb.connect(str(tmp_path / "built.duckdb"), read_only=True)
    assert saved.execute("select * from m").fetchall() == [(1,)]
    assert not saved.execute("select * from duckdb_tables() where table_name = 'int_i'").fetchall()


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


def test_tables_in_the_file_are_written_in_small_row_groups(tmp_path: Path) -> None:
    # so that both threads compress a list of a few hundred thousand rows, not one
    con = connect_building(tmp_path / "built.duckdb")
    prepare_session(con, "2026-10")
    build_model(con, _model(tmp_path, "marts", "m", f"select range as x from range({3 * MART_ROW_GROUP})"))
    groups = con.execute("select count(distinct row_group_id) from pragma_storage_info('m')").fetchall()
    assert groups == [(3,)]


def test_a_python_model_that_writes_its_sql_may_be_a_view(tmp_path: Path) -> None:
    con = connect_building(tmp_path / "built.duckdb")
    prepare_session(con, "2026-10")
    build_model(con, _model(tmp_path, "marts", "m", "select 1 as x"))
    python = tmp_path / "marts" / "union_m.py"
    python.write_text(
        "# partition: province\n# materialized: view\n"
        "def model(con):\n    return 'select x from m union all select x + 1 from m'\n"
    )
    assert materialisation(python, python.read_text()) == "view"
    build_model(con, python)
    assert con.execute("select view_name from duckdb_views() where view_name = 'union_m'").fetchall()
    assert con.execute("select x from union_m order by x").fetchall() == [(1,), (2,)]
    relation = tmp_path / "marts" / "frame.py"
    relation.write_text(
        "# partition: province\n# materialized: view\ndef model(con):\n    return con.sql('select 1')\n"
    )
    with pytest.raises(RekonError, match="returns a relation must be a table"):
        build_model(con, relation)
