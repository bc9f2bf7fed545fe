"""The pipeline's linkage models run over given records, outside a period's reconcile: for
training the model and for the labelled benchmark, so that both measure the SQL and the model
that `rekon run` uses, not a copy of them."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.db import sql_path
from pipeline.reconcile.run import SQL_DIR, build_model
from pipeline.reference import reference_files

# The models between the exact NIK match and the lists, in build order.
LINKAGE_MODELS = (
    "int_linkage_workers",
    "int_linkage_participants",
    "int_name_forms",
    "int_linkage_pairs",
    "int_linkage_candidates",
    "int_linkage_outcomes",
    "int_worker_linkage",
)


def session(payroll: pd.DataFrame, participants: pd.DataFrame, decisions: pd.DataFrame | None = None):
    """A DuckDB session holding what the linkage models read, made from `payroll` (component,
    nik, full_name, birth_date) and `participants` (component, nik, full_name, birth_date) as
    the exact NIK match of int_payroll_workers would leave them."""
    con = duckdb.connect()
    for name, path in reference_files().items():
        con.execute(
            f"create table ref_{name} as select * from "
            f"read_csv({sql_path(path)}, all_varchar = true, header = true)"
        )
    con.execute((SQL_DIR / "macros.sql").read_text())
    con.register("given_payroll", payroll[["component", "nik", "full_name", "birth_date"]])
    con.register("given_participants", participants[["component", "nik", "full_name", "birth_date"]])
    con.execute(
        """create table int_registered_workers as
        select component::bigint as component, nik_number(nik) as nik, full_name,
            birth_date::date as birth_date,
            1000000.0 as reported_wage
        from given_participants"""
    )
    con.execute(
        """create table int_payroll_workers as
        select p.component::bigint as component, nik_number(p.nik) as nik, p.full_name,
            p.birth_date::date as birth_date, 1000000.0 as gross_wage, 'payroll.csv' as _file,
            r.reported_wage, r.nik is not null as nik_matched
        from given_payroll as p
        left join int_registered_workers as r on r.component = p.component and r.nik = nik_number(p.nik)"""
    )
    con.execute(
        """create table int_employers as
        select distinct component, lpad(component::varchar, 13, '0') as employer_key
        from int_payroll_workers"""
    )
    con.execute(
        "create table raw_decisions "
        "(review_id varchar, decision varchar, decided_by varchar, decided_on varchar)"
    )
    if decisions is not None and len(decisions):
        con.register("given_decisions", decisions)
        con.execute(
            "insert into raw_decisions "
            "select review_id, decision, decided_by, decided_on from given_decisions"
        )
    for table in ("given_payroll", "given_participants"):
        con.unregister(table)
    return con


def build(con, upto: str = LINKAGE_MODELS[-1]) -> None:
    """Build the linkage models in order, up to and with `upto`."""
    for name in LINKAGE_MODELS[: LINKAGE_MODELS.index(upto) + 1]:
        build_model(con, SQL_DIR / "intermediate" / model_file(name))


def model_file(name: str) -> str:
    return next(p.name for p in (SQL_DIR / "intermediate").glob(f"{name}.*"))


def outcomes(
    payroll: pd.DataFrame, participants: pd.DataFrame, decisions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every payroll worker with its exact match or linkage outcome: component, nik, outcome
    (`registered`, `undecided`, `listed`), matched_by, candidate_nik, match_probability,
    review_id, evidence."""
    con = session(payroll, participants, decisions)
    try:
        build(con)
        return con.sql(
            """select w.component, nik_text(w.nik) as nik,
                if(w.nik_matched, 'registered', coalesce(l.outcome, 'listed')) as outcome,
                if(w.nik_matched, 'nik', l.matched_by) as matched_by,
                if(w.nik_matched, nik_text(w.nik), l.candidate_nik) as candidate_nik,
                l.match_probability, l.review_id, l.evidence
            from int_payroll_workers as w
            left join int_worker_linkage as l using (component, nik)
            order by w.component, w.nik"""
        ).df()
    finally:
        con.close()
