"""The follow-up cycle's reads of the publications, each as small as the page it serves: which
cases a later period resolved, an employer's workers a page at a time, a branch's trend."""

from __future__ import annotations

from typing import Any

from pipeline.portal.published import Publications
from pipeline.portal.queries import _dicts, _reading, duck
from pipeline.portal.scope import Scope


def resolved_in(pubs: Publications, pairs: list[tuple[str, str, str]]) -> dict[tuple[str, str], str]:
    """For (employer_key, category, since_period) triples: the first later period whose resolved
    list carries the finding (SELESAI there), when there is one."""
    if not pairs:
        return {}
    oldest = min(p for _, _, p in pairs)
    files = [
        str(pubs.table(p, "resolved"))
        for p in pubs.periods()
        if p > oldest and pubs.table(p, "resolved").is_file()
    ]
    if not files:
        return {}
    with duck() as con:
        con.execute(
            "create temp table wanted as select * from (select unnest($k) as employer_key, "
            "unnest($c) as category, unnest($p) as since)",
            {"k": [k for k, _, _ in pairs], "c": [c for _, c, _ in pairs], "p": [p for _, _, p in pairs]},
        )
        try:
            rows = con.execute(
                """select w.employer_key, w.category, min(r.period) as period
                   from wanted w join read_parquet($files, union_by_name = true) r
                     on r.employer_key = w.employer_key and r.category = w.category and r.period > w.since
                   group by all""",
                {"files": files},
            ).fetchall()
        finally:
            con.execute("drop table wanted")
    return {(k, c): p for k, c, p in rows}


def employer_workers_page(
    pubs: Publications, period: str, employer_key: str, categories: list[str], page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of an employer's workers (masked NIKs), and how many there are: read from the
    serving table, stored in employer order, so only the employer's rows are read. The page and
    the count come from one query (the page by row number: a LIMIT would read the rows twice)."""
    if not categories:
        return [], 0
    params = {"key": employer_key, "categories": categories}
    where = "employer_key = $key and list_contains($categories::varchar[], category)"
    order = "category, full_name, nik_masked"
    first, last = (page - 1) * size + 1, page * size
    with _reading(pubs, period) as (con, served):
        workers = served.table("workers")
        rows = _dicts(
            con.execute(
                f"""select category, nik_masked as nik, full_name,
                           try_cast(gross_wage as double) as gross_wage,
                           try_cast(reported_wage as double) as reported_wage, matched_by,
                           count(*) over () as total
                    from {workers} where {where}
                    qualify row_number() over (order by {order}) between {int(first)} and {int(last)}
                    order by {order}""",
                params,
            )
        )
        if not rows:
            total = con.execute(f"select count(*) from {workers} where {where}", params).fetchall()[0][0]
            return [], total
    total = rows[0]["total"]
    for row in rows:
        del row["total"]
    return rows, total


def branch_trend(pubs: Publications, scope: Scope, branch_code: str = "") -> list[dict[str, Any]]:
    """Per period: findings, employers and affected workers of the user's regions (one branch when
    given), and the registered share of formal workers in the regencies they see."""
    periods = sorted(pubs.periods())
    if not periods:
        return []
    scope_sql, params = scope.sql("f.regency_code")
    params["files"] = [str(pubs.table(p, "findings")) for p in periods]
    branch_sql = "true"
    if branch_code:
        branch_sql = "f.branch_code = $branch"
        params["branch"] = branch_code
    coverage = [str(pubs.table(p, "coverage")) for p in periods if pubs.table(p, "coverage").is_file()]
    cov_scope, cov_params = scope.sql("c.region_code")
    with duck() as con:
        rows = _dicts(
            con.execute(
                f"""select period, count(*) as findings, count(distinct employer_key) as employers,
                           sum(workers_affected) as workers
                    from read_parquet($files, union_by_name = true) f
                    where {scope_sql} and {branch_sql} group by period order by period""",
                params,
            )
        )
        cover: dict[str, float] = {}
        if coverage:
            regencies = ""
            cparams: dict[str, Any] = {"cov": coverage, **cov_params}
            if branch_code:
                regencies = (
                    " and c.region_code in (select distinct regency_code from read_parquet($files,"
                    " union_by_name = true) where branch_code = $branch)"
                )
                cparams.update(files=params["files"], branch=branch_code)
            for period, pct in con.execute(
                # coverage has no period column: the period is the publication's folder name
                f"""select regexp_extract(c.filename, '(\\d{{4}}-\\d{{2}})[/\\\\]coverage', 1) as period,
                           100.0 * sum(registered_workers) / nullif(sum(formal_workers), 0)
                    from read_parquet($cov, union_by_name = true, filename = true) c
                    where c.level = 'regency' and {cov_scope}{regencies} group by 1""",
                cparams,
            ).fetchall():
                cover[period] = pct
    for r in rows:
        r["coverage_pct"] = cover.get(r["period"])
    return rows
