"""Reads of the published Parquet files with DuckDB: every filter, the user's scope and the
follow-up join run in SQL with parameters, one in-memory DuckDB connection per request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipeline.portal.filters import Filters
from pipeline.portal.published import Publications
from pipeline.portal.scope import Scope

FINDING_COLUMNS = (
    "period, category, employer_key, employer_name, nib, npwp, npp, regency_code, regency_name, "
    "workers_affected, wage_gap_monthly, estimated_contribution_monthly, missing_programs, evidence, "
    "branch_code, branch_name, status, first_seen_period, months_listed, priority"
)
FOLLOWUP_COLUMNS = "followup_stage, followup_date, followup_officer, followup_note"


_base: duckdb.DuckDBPyConnection | None = None
_base_lock = threading.Lock()


def _database() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process; opening one costs ~15 ms, a cursor on it almost nothing."""
    global _base
    with _base_lock:
        if _base is None:
            _base = duckdb.connect(config={"threads": 2})
        return _base


@contextmanager
def duck(followups: pa.Table | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of its own per request: what it registers is invisible to other requests."""
    con = _database().cursor()
    try:
        if followups is not None:
            con.register("followups", followups)
        yield con
    finally:
        con.close()


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _filtered_findings(
    pubs: Publications, period: str, scope: Scope, filters: Filters, columns: str = ""
) -> tuple[str, dict]:
    """The findings a user may see that pass the filters, with their current follow-up stage."""
    scope_sql, params = scope.sql("f.regency_code")
    filter_sql, filter_params = filters.sql()
    columns = columns or "f.*, " + _FOLLOWUP_SELECT
    sql = f"""
        select {columns}
        from read_parquet($findings) f
        left join followups fu on fu.employer_key = f.employer_key and fu.category = f.category
        where {scope_sql} and {filter_sql}"""
    return sql, {**params, **filter_params, "findings": str(pubs.table(period, "findings"))}


_FOLLOWUP_SELECT = (
    "coalesce(fu.followup_stage, 'BARU') as followup_stage, fu.followup_date, fu.followup_officer, "
    "fu.followup_note"
)
_EXPORT_SELECT = ", ".join("f." + c.strip() for c in FINDING_COLUMNS.split(",")) + ", " + _FOLLOWUP_SELECT


def findings_page(
    pubs: Publications, period: str, scope: Scope, filters: Filters, followups: pa.Table, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    sql, params = _filtered_findings(pubs, period, scope, filters)
    with duck(followups) as con:
        total = con.execute(f"select count(*) from ({sql})", params).fetchone()[0]
        limits = f" order by {filters.order_by()} limit {int(size)} offset {int((page - 1) * size)}"
        rows = _dicts(con.execute(sql + limits, params))
    return rows, total


def findings_table(
    pubs: Publications, period: str, scope: Scope, filters: Filters, followups: pa.Table
) -> pa.Table:
    sql, params = _filtered_findings(pubs, period, scope, filters, _EXPORT_SELECT)
    with duck(followups) as con:
        return con.sql(f"{sql} order by {filters.order_by()}", params=params).to_arrow_table()


def workers_table(
    pubs: Publications, period: str, scope: Scope, filters: Filters, followups: pa.Table, full: bool
) -> pa.Table:
    """Workers of the findings that pass the filters; `full` reads the restricted file with NIKs."""
    sql, params = _filtered_findings(pubs, period, scope, filters, "f.category, f.employer_key")
    if full:
        source, identity = restricted_source(pubs.restricted_workers(period)), "w.nik"
        params["workers"] = str(pubs.restricted_workers(period))
    else:
        source = "read_parquet($workers)"
        identity = "w.nik_masked"
        params["workers"] = str(pubs.table(period, "workers"))
    with duck(followups) as con:
        return con.sql(
            f"""select w.period, w.category, w.employer_key, {identity}, w.full_name,
                       try_cast(w.gross_wage as double) as gross_wage,
                       try_cast(w.reported_wage as double) as reported_wage, w.matched_by
                from {source} w
                semi join ({sql}) s on s.category = w.category and s.employer_key = w.employer_key
                order by w.category, w.employer_key, {identity}""",
            params=params,
        ).to_arrow_table()


def restricted_source(path: Path) -> str:
    """The table function reading the restricted workers file at `$workers`."""
    if path.suffix == ".parquet":
        return "read_parquet($workers)"
    return "read_csv($workers, header = true, all_varchar = true)"


def coverage_rows(pubs: Publications, period: str, scope: Scope) -> list[dict[str, Any]]:
    """Regency rows the user sees, and province rows only for whole provinces in scope."""
    params: dict[str, Any] = {"coverage": str(pubs.table(period, "coverage"))}
    if scope.all_regions:
        where = "true"
    else:
        regency_sql, scope_params = scope.sql("c.region_code")
        where = (
            f"(c.level = 'regency' and {regency_sql}) or "
            "(c.level = 'province' and list_contains($scope_provinces::varchar[], c.region_code))"
        )
        params.update(scope_params)
    with duck() as con:
        return _dicts(
            con.execute(
                "select level, region_code, region_name, formal_workers, registered_workers, coverage_pct "
                f"from read_parquet($coverage) c where {where} order by region_code",
                params,
            )
        )


def summary(pubs: Publications, period: str, scope: Scope, followups: pa.Table) -> dict[str, Any]:
    sql, params = _filtered_findings(pubs, period, scope, Filters())
    with duck(followups) as con:
        by_category = _dicts(
            con.execute(
                f"""select category, count(*) as employers, sum(workers_affected) as workers,
                           sum(estimated_contribution_monthly) as contribution,
                           count(*) filter (where status = 'BARU') as new,
                           count(*) filter (where followup_stage <> 'BARU') as followed_up
                    from ({sql}) group by category order by category""",
                params,
            )
        )
        by_branch = _dicts(
            con.execute(
                f"""select coalesce(branch_code, '-') as branch_code,
                           coalesce(branch_name, '-') as branch_name, category, count(*) as employers
                    from ({sql}) group by all order by branch_code, category""",
                params,
            )
        )
    branches: dict[tuple[str, str], dict[str, int]] = {}
    for row in by_branch:
        branches.setdefault((row["branch_code"], row["branch_name"]), {})[row["category"]] = row["employers"]
    return {
        "categories": by_category,
        "branches": [{"code": c, "name": n, "counts": counts} for (c, n), counts in branches.items()],
    }


def period_counts(pubs: Publications, periods: list[str], scope: Scope) -> dict[str, dict[str, Any]]:
    if not periods:
        return {}
    scope_sql, params = scope.sql("f.regency_code")
    params["files"] = [str(pubs.table(p, "findings")) for p in periods]
    with duck() as con:
        rows = _dicts(
            con.execute(
                f"""select period, count(*) as findings, count(distinct employer_key) as employers,
                           sum(estimated_contribution_monthly) as contribution
                    from read_parquet($files, union_by_name = true) f where {scope_sql} group by period""",
                params,
            )
        )
    return {r["period"]: r for r in rows}


def filter_options(pubs: Publications, period: str, scope: Scope) -> dict[str, list[tuple[str, str]]]:
    scope_sql, params = scope.sql("f.regency_code")
    params["findings"] = str(pubs.table(period, "findings"))
    with duck() as con:
        regencies = con.execute(
            f"select distinct regency_code, regency_name from read_parquet($findings) f "
            f"where {scope_sql} and regency_code is not null order by 1",
            params,
        ).fetchall()
        branches = con.execute(
            f"select distinct branch_code, branch_name from read_parquet($findings) f "
            f"where {scope_sql} and branch_code is not null order by 1",
            params,
        ).fetchall()
    return {"regencies": regencies, "branches": branches}


def employer_findings(
    pubs: Publications, period: str, scope: Scope, employer_key: str, followups: pa.Table
) -> list[dict[str, Any]]:
    """The employer's findings of the period that the user may see; empty means 'not found'."""
    sql, params = _filtered_findings(pubs, period, scope, Filters())
    with duck(followups) as con:
        return _dicts(
            con.execute(
                f"select * from ({sql}) where employer_key = $key order by category",
                {**params, "key": employer_key},
            )
        )


def employer_history(
    pubs: Publications, periods: list[str], scope: Scope, employer_key: str
) -> list[dict[str, Any]]:
    """Findings of the employer in every published period, listed and resolved, within scope."""
    scope_sql, params = scope.sql("f.regency_code")
    params.update(
        key=employer_key,
        listed=[str(pubs.table(p, "findings")) for p in periods],
        resolved=[str(pubs.table(p, "resolved")) for p in periods if pubs.table(p, "resolved").is_file()],
    )
    resolved_sql = (
        f"""union all
            select period, category, status, null, null, regency_code
            from read_parquet($resolved, union_by_name = true) f where employer_key = $key and {scope_sql}"""
        if params["resolved"]
        else ""
    )
    if not params["resolved"]:
        del params["resolved"]
    with duck() as con:
        return _dicts(
            con.execute(
                f"""select period, category, status, workers_affected, estimated_contribution_monthly,
                           regency_code
                    from read_parquet($listed, union_by_name = true) f
                    where employer_key = $key and {scope_sql}
                    {resolved_sql}
                    order by period desc, category""",
                params,
            )
        )


def employer_workers(
    pubs: Publications, period: str, employer_key: str, categories: list[str], full: bool
) -> list[dict[str, Any]]:
    """Workers behind the employer's findings; the caller passes only categories in scope."""
    if full:
        path = pubs.restricted_workers(period)
        source, identity = restricted_source(path), "nik"
    else:
        source, identity = "read_parquet($workers)", "nik_masked"
        path = pubs.table(period, "workers")
    if not path.is_file() or not categories:
        return []
    with duck() as con:
        return _dicts(
            con.execute(
                f"""select category, {identity} as nik, full_name,
                           try_cast(gross_wage as double) as gross_wage,
                           try_cast(reported_wage as double) as reported_wage, matched_by
                    from {source}
                    where employer_key = $key and list_contains($categories::varchar[], category)
                    order by category, full_name""",
                {"workers": str(path), "key": employer_key, "categories": categories},
            )
        )


def employer_permits(pubs: Publications, period: str, ids: dict[str, str | None]) -> dict[str, list[dict]]:
    """Business and construction permits of the run that carry one of the employer's identifiers."""
    out: dict[str, list[dict]] = {"business": [], "construction": []}
    nib, npwp = ids.get("nib") or "", ids.get("npwp") or ""
    if not nib and not npwp:
        return out
    business = pubs.silver(period, "permits/business")
    construction = pubs.silver(period, "permits/construction")
    projects = pubs.silver(period, "registry/projects")
    with duck() as con:
        if business:
            out["business"] = _dicts(
                con.execute(
                    """select nib, business_name, kbli, scale, declared_workers,
                              cast(issued_on as date) as issued_on, status, regency_code
                       from read_parquet($path) where nib = $nib or npwp = $npwp order by issued_on""",
                    {"path": str(business), "nib": nib, "npwp": npwp},
                )
            )
        if construction:
            registered = (
                "exists (select 1 from read_parquet($projects) r where r.permit_number = c.permit_number)"
                if projects
                else "null"
            )
            params = {"path": str(construction), "nib": nib, "npwp": npwp}
            if projects:
                params["projects"] = str(projects)
            out["construction"] = _dicts(
                con.execute(
                    f"""select permit_number, project_name, contract_value,
                               cast(start_on as date) as start_on, cast(end_on as date) as end_on,
                               declared_workers, regency_code, {registered} as registered
                        from read_parquet($path) c
                        where contractor_nib = $nib or contractor_npwp = $npwp order by start_on""",
                    params,
                )
            )
    return out
