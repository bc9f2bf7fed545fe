"""The reconcile plan (pipeline/reconcile/plan.py): what each model reads, parsed by sqlglot; the
build order that follows; where each model is built, as its own file declares."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import RekonError
from pipeline.reconcile.plan import describe, needed, plan, tables_read
from pipeline.reference import categories


def _write(root: Path, models: dict[str, str]) -> Path:
    """Model files under root's layer folders: `stg_` staging, `int_` intermediate, else marts."""
    for name, code in models.items():
        layer = (
            "staging" if name.startswith("stg_") else "intermediate" if name.startswith("int_") else "marts"
        )
        suffix = ".py" if code.startswith("#") else ".sql"
        path = root / layer / f"{name}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code)
    return root


PREPARE = "-- partition: prepare\n-- split: replicated\n"
PROVINCE = "-- partition: province\n"


def test_reads_are_tables_outside_comments_and_ctes() -> None:
    sql = (
        "-- stg_a in a comment\nwith int_b as (select * from stg_c) select * from int_b join int_d using (x)"
    )
    assert tables_read(sql) == {"stg_c", "int_d"}


def test_duckdb_syntax_and_a_python_models_sql_are_read(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "stg_a": PREPARE + "select 1 as x",
            "stg_b": PREPARE + "select 2 as x",
            "int_c": PROVINCE
            + "select * from stg_a anti join stg_b using (x) qualify row_number() over () = 1",
            "int_py": '# partition: province\n"""Doc: mentions stg_b."""\nSQL = "select * from int_c"\n',
            "int_py2": '# partition: province\nREADS = ("int_py", "not_a_model")\n',
        },
    )
    reads = {m.name: set(m.reads) for m in plan(root)}
    assert reads == {
        "stg_a": set(),
        "stg_b": set(),
        "int_c": {"stg_a", "stg_b"},
        "int_py": {"int_c"},
        "int_py2": {"int_py"},
    }


def test_a_reads_line_adds_the_models_a_reference_table_names(tmp_path: Path) -> None:
    listed = {c.model for c in categories()}
    union = '# partition: province\n# reads: ref_categories.model\ndef model(con):\n    return ""\n'
    models = {"stg_a": PREPARE + "select 1 as x", "union_py": union}
    root = _write(tmp_path, models | {name: PROVINCE + "select * from stg_a" for name in listed})
    assert {m.name: m.reads for m in plan(root)}["union_py"] == listed

    missing = min(listed)
    (root / "marts" / f"{missing}.sql").unlink()
    with pytest.raises(RekonError, match=f"categories.csv names the models {missing}, which have no file"):
        plan(root)
    (root / "marts" / "union_py.py").write_text(union.replace("ref_categories.model", "ref_categories.modle"))
    with pytest.raises(RekonError, match=r"union_py.py: `# reads: ref_categories.modle` must name a column"):
        plan(root)


def test_build_order_follows_what_models_read(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "stg_z": PREPARE + "select 1 as x",
            "int_b": PROVINCE + "select * from mart_first",
            "mart_first": "-- partition: national\nselect * from stg_z",
            "int_a": PROVINCE + "select * from stg_z",
        },
    )
    assert [m.name for m in plan(root)] == ["stg_z", "int_a", "mart_first", "int_b"]


def test_every_real_model_reads_only_models_built_before_it() -> None:
    built: set[str] = set()
    for model in plan():
        assert model.reads <= built, f"{model.name} reads {sorted(model.reads - built)} before they are built"
        built.add(model.name)


def test_a_model_must_say_where_it_is_built(tmp_path: Path) -> None:
    with pytest.raises(RekonError, match=r"int_new.sql must say where it is built"):
        plan(_write(tmp_path, {"int_new": "select 1 as x"}))


def test_a_model_built_before_partitioning_must_say_how_it_is_split(tmp_path: Path) -> None:
    with pytest.raises(RekonError, match=r"stg_new.sql .* must say how its rows are split"):
        plan(_write(tmp_path, {"stg_new": "-- partition: prepare\nselect 1 as x"}))


def test_models_that_read_each_other_are_named(tmp_path: Path) -> None:
    root = _write(
        tmp_path, {"int_a": PROVINCE + "select * from int_b", "int_b": PROVINCE + "select * from int_a"}
    )
    with pytest.raises(RekonError, match="int_a, int_b read each other in a cycle"):
        plan(root)


def test_needed_are_the_targets_and_all_they_read_in_build_order() -> None:
    names = [m.name for m in needed(plan(), {"findings_pds_tk"})]
    assert {"int_worker_matches", "int_identity_components", "stg_participants"} <= set(names)
    assert not set(names) & {"coverage", "finding_workers", "findings", "findings_pwbd"}
    assert names == [m.name for m in plan() if m.name in names]


def test_the_printed_plan_names_every_model_with_its_partitioning() -> None:
    text = describe(plan())
    assert "staging/stg_payroll.sql" in text
    assert "prepare, split by employer_node(t.employer_nib, t.employer_npwp)" in text
    assert len(text.splitlines()) == len(plan()) + 1
