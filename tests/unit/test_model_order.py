"""The build order of sql/models.txt: each model reads only models built before it."""

from __future__ import annotations

from pathlib import Path

from pipeline.reconcile.run import model_files, model_inputs, models_needed


def test_every_model_reads_only_models_above_it() -> None:
    models = model_files()
    inputs = model_inputs(models)
    built: set[str] = set()
    for path in models:
        unbuilt = inputs[path.stem] - built
        assert not unbuilt, f"{path.stem} reads {sorted(unbuilt)}, listed after it in models.txt"
        built.add(path.stem)


def _models(tmp_path: Path) -> list[Path]:
    sql = {
        "stg_a": "select 1 as x",
        "stg_ab": "select 2 as x",
        "int_b": "-- unlike stg_ab, reads stg_a\nselect * from stg_a",
        "mart": "select * from int_b",
        "other": "select * from int_b join stg_ab using (x)",
    }
    (tmp_path / "models.txt").write_text("# order\n" + "\n".join(f"{name}.sql" for name in sql) + "\n")
    for name, text in sql.items():
        (tmp_path / f"{name}.sql").write_text(text)
    return model_files(tmp_path)


def test_inputs_are_whole_model_names_outside_comments(tmp_path: Path) -> None:
    inputs = model_inputs(_models(tmp_path))
    assert inputs["int_b"] == {"stg_a"}
    assert inputs["other"] == {"int_b", "stg_ab"}


def test_models_needed_are_the_targets_and_all_they_read_in_build_order(tmp_path: Path) -> None:
    assert [p.stem for p in models_needed(_models(tmp_path), {"mart"})] == ["stg_a", "int_b", "mart"]
    needed = {p.stem for p in models_needed(model_files(), {"findings_pds_tk"})}
    assert {"int_worker_matches", "int_identity_components", "stg_participants"} <= needed
    assert not needed & {"coverage", "finding_workers", "findings", "findings_pwbd"}
