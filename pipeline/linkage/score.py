"""Score payroll workers against candidate participants with the versioned Splink model.

The model runs in a DuckDB session of its own (Splink writes its work tables into the session it
is given), fed with the two sides as Arrow tables; its pairs come back as Arrow, each comparison's
level named as the model file labels it, for the evidence.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

if TYPE_CHECKING:
    from splink import Linker

MODEL_FILE = Path(__file__).with_name("model.json")

# The two sides, from the linkage models (int_linkage_workers, int_linkage_participants and
# their names' normal forms, int_name_forms).
WORKERS = """
select w.worker_id as unique_id, w.component, w.nik, n.name_norm, n.name_sorted, n.name_words,
    n.given_name, n.last_name, w.birth_date
from int_linkage_workers as w
join int_name_forms as n using (full_name)
"""

PARTICIPANTS = """
select p.component::varchar || '/' || p.nik as unique_id, p.component, p.nik, n.name_norm,
    n.name_sorted, n.name_words, n.given_name, n.last_name, p.birth_date
from int_linkage_participants as p
join int_name_forms as n using (full_name)
"""

# What Splink compares, from a side's columns (component, unique_id, nik, full_name's normal
# forms from int_name_forms, birth_date). A NIK's digits 7-12 encode the birth date DDMMYY, with
# 40 added to the day for women (CONTRACT.md section 3).
FEATURES = """
select
    unique_id,
    component,
    nik,
    left(nik, 15) as nik_first15,
    left(nik, 8) as nik_first8,
    if(length(nik) = 16, right(nik, 8), null) as nik_last8,
    if(length(nik) = 16, left(nik, 4) || right(nik, 4), null) as nik_ends,
    name_norm,
    name_sorted,
    name_words,
    given_name,
    last_name,
    birth_date,
    strftime(birth_date, '%d%m%y') as stated_dmy,
    if(regexp_full_match(substr(nik, 7, 6), '[0-9]{{6}}'),
        lpad((substr(nik, 7, 2)::int % 40)::varchar, 2, '0') || substr(nik, 9, 4), null) as nik_dmy,
    if(regexp_full_match(substr(nik, 7, 2), '[0-9]{{2}}'), substr(nik, 7, 2)::int > 40, null) as nik_female
from ({side})
"""


# The model file the linkage models read: MODEL_FILE, except while `rekon linkage train` scores
# its labelled records with a model it has not written yet (pipeline/linkage/train.py).
active_model_file = MODEL_FILE


def load_model(path: Path | None = None) -> dict[str, Any]:
    """The model file: version, thresholds and Splink settings with trained m and u."""
    return _read_model(path or active_model_file)


@cache
def _read_model(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


load_model.cache_clear = _read_model.cache_clear  # type: ignore[attr-defined]


def level_labels(settings: dict[str, Any]) -> dict[str, dict[int, str]]:
    """Comparison -> comparison vector value -> the level's label, from Splink settings."""
    labels = {}
    for comparison in settings["comparisons"]:
        levels = comparison["comparison_levels"]
        non_null = [level for level in levels if not level.get("is_null_level")]
        by_value = {-1: "tidak ada"}
        for index, level in enumerate(non_null):
            by_value[len(non_null) - 1 - index] = level["label_for_charts"]
        labels[comparison["output_column_name"]] = by_value
    return labels


def splink_session() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set threads = 2")
    return con


def linker_on(
    con: duckdb.DuckDBPyConnection, workers: pa.Table, participants: pa.Table, settings: dict[str, Any]
) -> Linker:
    """A Splink linker of payroll workers (left) against registry participants (right) on `con`
    (a splink_session), quiet but for warnings."""
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.WARNING)
    db_api = DuckDBAPI(con)
    left = db_api.register(workers, dataset_display_name="payroll", table_name="payroll")
    right = db_api.register(participants, dataset_display_name="registry", table_name="registry")
    return Linker([left, right], settings, log_level=logging.WARNING)


def score(workers: pa.Table, participants: pa.Table, settings: dict[str, Any]) -> pa.Table:
    """Every blocked pair of a payroll worker and a participant of its employer, scored:
    component, worker_id, candidate_nik, match_weight, match_probability, and a `<comparison>`
    label column per comparison. `workers` and `participants` carry FEATURES' columns."""
    con = splink_session()
    try:
        linker = linker_on(con, workers, participants, settings)
        predicted = linker.inference.predict(warning_mode="never")
        labels = level_labels(settings)
        named = ",\n".join(
            f"case gamma_{name} "
            + " ".join(f"when {v} then {sql_text(label)}" for v, label in by_value.items())
            + f" end as {name}"
            for name, by_value in labels.items()
        )
        return con.sql(
            f"""select
                component_l as component,
                if(source_dataset_l = 'payroll', unique_id_l, unique_id_r) as worker_id,
                if(source_dataset_l = 'payroll', unique_id_r, unique_id_l) as candidate_nik,
                match_weight,
                match_probability,
                {named}
            from {predicted.physical_name}
            order by component, worker_id, candidate_nik"""
        ).to_arrow_table()
    finally:
        con.close()


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
