"""Models built side by side (pipeline/reconcile/run.py `build_all`): each once what it reads is
built, a model with DuckDB settings alone, and the first failure stops the build."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb
import pytest

import pipeline.reconcile.run as run
from pipeline.errors import RekonError
from pipeline.reconcile.plan import Model, read_model


def _models(tmp_path: Path, sql: dict[str, str]) -> list[Model]:
    """Models in the given order; a name starting with int_ is an intermediate model."""
    paths = []
    for name, text in sql.items():
        folder = "intermediate" if name.startswith("int_") else "marts"
        path = tmp_path / folder / f"{name}.sql"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"-- partition: province\n{text}")
        paths.append(path)
    return [read_model(path, set(sql)) for path in paths]


def _session(tmp_path: Path):
    con = run.connect_building(tmp_path / "built.duckdb")
    run.prepare_session(con, "2026-10")
    return con


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[float, float]]:
    """Each model's (start, end), every model taking at least 0.2 s, so that models built at the
    same time overlap."""
    built: dict[str, tuple[float, float]] = {}
    real = run.build_model

    def slow(con, path: Path) -> None:
        started = time.perf_counter()
        real(con, path)
        time.sleep(0.2)
        built[path.stem] = (started, time.perf_counter())

    monkeypatch.setattr(run, "build_model", slow)
    return built


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_independent_models_are_built_at_once_and_a_model_after_what_it_reads(
    tmp_path: Path, spans: dict[str, tuple[float, float]]
) -> None:
    models = _models(
        tmp_path,
        {
            "int_a": "select 1 as x",
            "int_b": "select 2 as x",
            "int_c": "select * from int_a union all select * from int_b",
            "mart": "select sum(x) as total from int_c",
        },
    )
    con = _session(tmp_path)
    timings = run.build_all(con, models, "2026-10", cursors=2)
    assert list(timings) == ["int_a", "int_b", "int_c", "mart"]
    assert _overlap(spans["int_a"], spans["int_b"])
    assert spans["int_c"][0] >= max(spans["int_a"][1], spans["int_b"][1])
    assert spans["mart"][0] >= spans["int_c"][1]
    # what one cursor built in the in-memory database, another read
    assert con.execute("select total from mart").fetchall() == [(3,)]


def test_a_model_with_settings_is_built_alone(tmp_path: Path, spans: dict[str, tuple[float, float]]) -> None:
    models = _models(
        tmp_path,
        {
            "int_a": "select 1 as x",
            "int_set": "-- set: disabled_optimizers = 'top_n'\n"
            "select current_setting('disabled_optimizers') as s",
            "int_b": "select 2 as x",
            "int_c": "select 3 as x",
        },
    )
    con = _session(tmp_path)
    run.build_all(con, models, "2026-10", cursors=2)
    others = [spans[name] for name in ("int_a", "int_b", "int_c")]
    assert not any(_overlap(spans["int_set"], span) for span in others)
    assert _overlap(spans["int_b"], spans["int_c"])
    assert con.execute("select s from int_set").fetchall() == [("top_n",)]
    assert con.execute("select current_setting('disabled_optimizers')").fetchall() == [("",)]


def test_the_first_failure_stops_the_build_with_its_error(tmp_path: Path) -> None:
    models = _models(
        tmp_path,
        {
            "int_a": "select 1 as x",
            "int_broken": "select * from no_such_table",
            "mart": "select * from int_broken",
        },
    )
    con = _session(tmp_path)
    with pytest.raises(duckdb.CatalogException, match="no_such_table") as failed:
        run.build_all(con, models, "2026-10", cursors=2)
    assert failed.value.__notes__ == ["while building the model intermediate/int_broken.sql"]
    assert not con.execute("select * from duckdb_tables() where table_name = 'mart'").fetchall()
    # the build's threads are gone: nothing is left running on the session
    assert not [t for t in threading.enumerate() if t.name.startswith("model")]


def test_models_that_read_each_other_are_named(tmp_path: Path) -> None:
    models = _models(
        tmp_path,
        {"int_ok": "select 1 as x", "int_a": "select * from int_b", "int_b": "select * from int_a"},
    )
    with pytest.raises(RekonError, match="cannot build int_a, int_b: they read each other in a cycle"):
        run.build_all(_session(tmp_path), models, "2026-10", cursors=2)
