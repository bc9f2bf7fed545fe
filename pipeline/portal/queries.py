"""Reads of a publication through its serving tables (pipeline/portal/serving.py): every
filter, the user's scope and the follow-up join run in SQL with parameters, on the thread's own
cursor. A page of a whole scope is a range of precomputed ranks; counts add up precomputed
aggregates."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipeline.portal import search
from pipeline.portal.filters import Filters
from pipeline.portal.published import Publications
from pipeline.portal.scope import Scope
from pipeline.portal.serving import Served
from pipeline.publication import (
    COVERAGE,
    EXPORT_SELECT,
    FINDING_SELECT,
    FOLLOWUP_COLUMNS,
    NOT_FOLLOWED_UP,
    REGIONAL_ORDERS,
    STATIC_SORTS,
    rank_column,
)

_FOLLOWUP_JOIN = "left join followups fu on fu.employer_key = f.employer_key and fu.category = f.category"


_base: duckdb.DuckDBPyConnection | None = None
_base_lock = threading.Lock()


@contextmanager
def duck(followups: pa.Table | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of its own on one in-memory DuckDB per process, for work on tables the caller
    holds (exports); opening a DuckDB costs ~15 ms, a cursor on it almost nothing."""
    global _base
    with _base_lock:
        if _base is None:
            _base = duckdb.connect(config={"threads": 1})
        con = _base.cursor()
    try:
        if followups is not None:
            con.register("followups", followups)
        yield con
    finally:
        con.close()


@contextmanager
def _reading(
    pubs: Publications, period: str, followups: pa.Table | None = None
) -> Iterator[tuple[duckdb.DuckDBPyConnection, Served]]:
    served = pubs.reader.served(period)
    with pubs.reader.cursor() as con:
        # Registering replaces the thread's previous `followups`; a cursor's results are always
        # fetched whole, so the next request on this thread finds it free.
        if followups is not None:
            con.register("followups", followups)
        yield con, served


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _filter_sql(
    con: duckdb.DuckDBPyConnection, served: Served, filters: Filters
) -> tuple[str, dict[str, Any]]:
    """The filters as a predicate over `f` (findings) and `fu` (follow-up), as Filters.sql()
    gives them, with a search looked up in the publication's search tables (_search_sql)."""
    if not filters.cari:
        return filters.sql()
    sql, params = replace(filters, cari="").sql()
    search_sql, search_params = _search_sql(con, served, filters.cari)
    return f"{sql} and {search_sql}", {**params, **search_params}


# A search that finds at most this many employers is answered by listing their keys; more, by a
# join with the search tables.
MAX_LISTED = 500
_searches: OrderedDict[tuple[str, str], list[tuple[str, str]] | None] = OrderedDict()
_searches_lock = threading.Lock()
MAX_SEARCHES = 2000


def _search_sql(con: duckdb.DuckDBPyConnection, served: Served, text: str) -> tuple[str, dict[str, Any]]:
    """The search as a predicate over `f`. The findings it finds are looked up once per
    publication and text (a bounded number kept) and named by their keys, so that the findings
    and the workers, stored in key order, are read only where those keys are."""
    matches, params = search.indexed_matches(text, served.table("identifiers"), served.table("name_words"))
    key = (served.id, text)
    with _searches_lock:
        found = _searches.get(key, ())
        if found != ():
            _searches.move_to_end(key)
    if found == ():
        rows = con.execute(f"select distinct employer_key, category from ({matches})", params).fetchall()
        keys = {k for k, _ in rows}
        found = sorted(rows) if len(keys) <= MAX_LISTED else None
        with _searches_lock:
            _searches[key] = found
            while len(_searches) > MAX_SEARCHES:
                _searches.popitem(last=False)
    if found is None:
        return (
            f"exists (select 1 from ({matches}) s "
            "where s.employer_key = f.employer_key and s.category = f.category)",
            params,
        )
    if not found:
        return "false", {}
    keys = sorted({k for k, _ in found})
    listed = {f"cari_k{i}": k for i, k in enumerate(keys)}
    names = ", ".join(f"${name}" for name in listed)
    return (
        f"f.employer_key in ({names}) and list_contains($cari_found, [f.employer_key, f.category])",
        {**listed, "cari_found": [[k, c] for k, c in found]},
    )


def _filtered_findings(
    con: duckdb.DuckDBPyConnection, served: Served, scope: Scope, filters: Filters, columns: str = ""
) -> tuple[str, dict[str, Any]]:
    """The findings a user may see that pass the filters, with their current follow-up stage."""
    scope_sql, params = scope.sql("f.regency_code")
    filter_sql, filter_params = _filter_sql(con, served, filters)
    sql = f"""
        select {columns or EXPORT_SELECT}
        from {served.table("findings")} f {_FOLLOWUP_JOIN}
        where {scope_sql} and {filter_sql}"""
    return sql, {**params, **filter_params}


def _order(filters: Filters) -> str:
    """The list's order: a precomputed rank, or (by follow-up stage) the expression itself."""
    if filters.urut in STATIC_SORTS:
        return "f." + rank_column("o", filters.urut, filters.arah)
    return filters.order_by()


def whole_unit(scope: Scope, filters: Filters) -> tuple[str, str | None] | None:
    """The one region the list shows when it shows a whole one (no filter but the region):
    ("o", None) for the country, ("p", province) or ("r", regency); None otherwise."""
    if filters.kategori or filters.cabang or filters.status or filters.tahap or filters.cari:
        return None
    if scope.all_regions:
        unit: tuple[str, str | None] | None = ("o", None)
    elif len(scope.provinces) + len(scope.regencies) == 1:
        unit = ("p", scope.provinces[0]) if scope.provinces else ("r", scope.regencies[0])
    else:
        unit = None
    if not filters.wilayah:
        return unit
    wanted = ("r", filters.wilayah) if "." in filters.wilayah else ("p", filters.wilayah)
    if unit is None:
        return None
    if unit[0] == "o" or unit == wanted:
        return wanted
    if unit[0] == "p" and wanted[0] == "r" and wanted[1].split(".")[0] == unit[1]:
        return wanted
    return None


_UNIT_COLUMN = {"p": "province_code", "r": "regency_code"}


def findings_page(
    pubs: Publications, period: str, scope: Scope, filters: Filters, followups: pa.Table, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of the list and the number of findings in it all. A whole region in a static
    order is a range of its precomputed ranks; anything else the top of a filtered scan. The
    follow-up joins in SQL only when it filters or sorts; otherwise the page's rows get theirs."""
    by_stage = bool(filters.tahap) or filters.urut not in STATIC_SORTS
    with _reading(pubs, period, followups if by_stage or filters.cari else None) as (con, served):
        total = _cached_count(con, served, scope, filters)
        unit = whole_unit(scope, filters)
        first, last = (page - 1) * size + 1, page * size
        if unit is not None and unit[0] != "o" and (filters.urut, filters.arah) not in REGIONAL_ORDERS:
            unit = None  # no regional ranks in this order: the top of the region's rows
        if unit is not None and not by_stage:
            level, code = unit
            rank = "f." + rank_column(level, filters.urut, filters.arah)
            where = f"{rank} between $first and $last"
            params: dict[str, Any] = {"first": first, "last": last}
            if code is not None:
                where += f" and f.{_UNIT_COLUMN[level]} = $unit"
                params["unit"] = code
            sql = f"select {FINDING_SELECT} from {served.table('findings')} f where {where} order by {rank}"
        elif not by_stage:
            scope_sql, params = scope.sql("f.regency_code")
            filter_sql, filter_params = _filter_sql(con, served, filters)
            params.update(filter_params)
            sql = (
                f"select {FINDING_SELECT} from {served.table('findings')} f "
                f"where {scope_sql} and {filter_sql} "
                f"order by {_order(filters)} limit {int(size)} offset {int(first - 1)}"
            )
        else:
            sql, params = _filtered_findings(con, served, scope, filters)
            sql += f" order by {_order(filters)} limit {int(size)} offset {int(first - 1)}"
        rows = _dicts(con.execute(sql, params))
    return (rows if by_stage else with_followups(rows, followups)), total


_indexes: dict[int, tuple[pa.Table, dict[tuple[str, str], tuple]]] = {}
_indexes_lock = threading.Lock()


def with_followups(rows: list[dict[str, Any]], followups: pa.Table) -> list[dict[str, Any]]:
    """A page's findings with their current follow-up stage (BARU when none), as the SQL join
    gives them: looked up in an index of the follow-up table, built once per table."""
    with _indexes_lock:
        known = _indexes.get(id(followups))
        if known is None or known[0] is not followups:
            columns = followups.to_pydict()
            index = {
                (k, c): values
                for k, c, *values in zip(
                    *(columns[n] for n in ("employer_key", "category", *FOLLOWUP_COLUMNS)), strict=True
                )
            }
            if len(_indexes) > 4:
                _indexes.clear()
            _indexes[id(followups)] = known = (followups, index)
    index = known[1]
    for row in rows:
        stage, date, officer, note = index.get(
            (row["employer_key"], row["category"]), (None, None, None, None)
        )
        row.update(
            followup_stage=stage or NOT_FOLLOWED_UP,
            followup_date=date,
            followup_officer=officer,
            followup_note=note,
        )
    return rows


_counts: dict[tuple, int] = {}


def _cached_count(con: duckdb.DuckDBPyConnection, served: Served, scope: Scope, filters: Filters) -> int:
    """Counts that do not depend on the follow-up are kept per publication, scope and filters."""
    if filters.tahap or filters.cari:
        return _count(con, served, scope, filters)
    key = (served.id, scope, filters.kategori, filters.wilayah, filters.cabang, filters.status)
    found = _counts.get(key)
    if found is None:
        if len(_counts) > 10_000:
            _counts.clear()
        found = _counts[key] = _count(con, served, scope, filters)
    return found


def _count(con: duckdb.DuckDBPyConnection, served: Served, scope: Scope, filters: Filters) -> int:
    """Findings in scope that pass the filters: a sum of precomputed counts unless the filter
    needs the follow-up stage or a text search."""
    if filters.tahap or filters.cari:
        sql, params = _filtered_findings(con, served, scope, filters, "1")
        return con.execute(f"select count(*) from ({sql})", params).fetchall()[0][0]
    scope_sql, params = scope.sql("f.regency_code")
    filter_sql, filter_params = filters.sql()
    return con.execute(
        f"select coalesce(sum(findings), 0)::bigint from {served.table('counts')} f "
        f"where {scope_sql} and {filter_sql}",
        {**params, **filter_params},
    ).fetchall()[0][0]


def count_findings(
    pubs: Publications, period: str, scope: Scope, filters: Filters, followups: pa.Table
) -> int:
    needs_followups = bool(filters.tahap or filters.cari)
    with _reading(pubs, period, followups if needs_followups else None) as (con, served):
        return _cached_count(con, served, scope, filters)


def count_rows(pubs: Publications, period: str, sql: str, params: dict[str, Any], followups: pa.Table) -> int:
    with _reading(pubs, period, followups) as (con, _):
        return con.execute(f"select count(*) from ({sql})", params).fetchall()[0][0]


def findings_relation(
    pubs: Publications, period: str, scope: Scope, filters: Filters
) -> tuple[Served, str, dict[str, Any]]:
    """The download's query (its columns, in the list's order) over the current publication;
    it joins a registered `followups` table."""
    with _reading(pubs, period) as (con, served):
        sql, params = _filtered_findings(con, served, scope, filters)
    return served, f"{sql} order by {_order(filters)}", params


def findings_table(
    pubs: Publications, period: str, scope: Scope, filters: Filters, followups: pa.Table
) -> pa.Table:
    _, sql, params = findings_relation(pubs, period, scope, filters)
    with _reading(pubs, period, followups) as (con, _):
        return con.sql(sql, params=params).to_arrow_table()


def workers_relation(
    pubs: Publications, period: str, scope: Scope, filters: Filters, full: bool
) -> tuple[str, dict[str, Any]]:
    """Workers of the findings that pass the filters; `full` reads the restricted file with NIKs."""
    with _reading(pubs, period) as (con, served):
        sql, params = _filtered_findings(con, served, scope, filters, "f.category, f.employer_key")
    if full:
        source, identity = restricted_source(pubs.restricted_workers(period)), "w.nik"
        params["workers"] = str(pubs.restricted_workers(period))
    else:
        source = served.table("workers")
        identity = "w.nik_masked"
    return (
        f"""select w.period, w.category, w.employer_key, {identity}, w.full_name,
                   try_cast(w.gross_wage as double) as gross_wage,
                   try_cast(w.reported_wage as double) as reported_wage, w.matched_by
            from {source} w
            semi join ({sql}) s on s.category = w.category and s.employer_key = w.employer_key
            order by w.category, w.employer_key, {identity}""",
        params,
    )


def workers_table(
    pubs: Publications, period: str, scope: Scope, filters: Filters, followups: pa.Table, full: bool
) -> pa.Table:
    sql, params = workers_relation(pubs, period, scope, filters, full)
    with _reading(pubs, period, followups) as (con, _):
        return con.sql(sql, params=params).to_arrow_table()


def csv_chunks(
    pubs: Publications,
    period: str,
    sql: str,
    params: dict[str, Any],
    followups: pa.Table,
    keep: Path | None = None,
) -> Iterator[bytes]:
    """The result of `sql` as CSV, as DuckDB writes it, sent while DuckDB writes it: DuckDB
    copies the result into a private temporary file on a thread of its own, and the file is read
    as it grows, so the first block leaves as soon as DuckDB flushes it and memory holds one block.
    A client that goes away interrupts the copy. `keep`: once sent to the end, the file is kept
    there (scopefiles.keep_csv) for the next download of the same question.

    Runs on a cursor of its own: a streamed response's blocks may be read on any thread."""
    from pipeline.spreadsheet import copy_csv

    con = pubs.reader.own_cursor()
    con.register("followups", followups)
    folder = Path(tempfile.mkdtemp(prefix=".rekon-portal-", dir=keep.parent if keep else None))
    path = folder / "export.csv"
    failed: list[BaseException] = []

    def copy() -> None:
        try:
            copy_csv(con, sql, path, params, stream=True)
        except BaseException as exc:  # handed to the reader, which raises it
            failed.append(exc)

    writer = threading.Thread(target=copy, name="csv-export", daemon=True)
    writer.start()
    try:
        while not path.exists() and writer.is_alive():
            time.sleep(0.001)
        if path.exists():
            with path.open("rb") as source:
                while True:
                    finished = not writer.is_alive()
                    chunk = source.read(CSV_READ_BYTES)
                    if chunk:
                        yield chunk
                    elif finished:
                        break
                    else:
                        time.sleep(0.002)
        if failed:
            raise failed[0]
        if keep is not None and path.exists():
            from pipeline.portal.scopefiles import keep_csv

            try:
                keep_csv(path, keep)
            except OSError:
                pass  # the answer went out whole; the next one is streamed again
    finally:
        if writer.is_alive():
            con.interrupt()
            writer.join()
        con.close()
        shutil.rmtree(folder, ignore_errors=True)


CSV_READ_BYTES = 1 << 16


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
    with pubs.reader.cursor() as con:
        return _dicts(
            con.execute(
                f"select {', '.join(COVERAGE.columns)} from read_parquet($coverage) c "
                f"where {where} order by {COVERAGE.order}",
                params,
            )
        )


def summary(pubs: Publications, period: str, scope: Scope, followups: pa.Table) -> dict[str, Any]:
    with _reading(pubs, period, followups) as (con, served):
        sql, params = _filtered_findings(con, served, scope, Filters())
        by_category = _dicts(
            con.execute(
                f"""select category, count(*) as employers, sum(workers_affected) as workers,
                           sum(estimated_contribution_monthly) as contribution,
                           count(*) filter (where status = 'BARU') as new,
                           count(*) filter (where followup_stage <> '{NOT_FOLLOWED_UP}') as followed_up
                    from ({sql}) group by category order by category""",
                params,
            )
        )
        scope_sql, params = scope.sql("f.regency_code")
        by_branch = _dicts(
            con.execute(
                f"""select coalesce(branch_code, '-') as branch_code,
                           coalesce(branch_name, '-') as branch_name, category,
                           sum(findings)::bigint as employers
                    from {served.table("counts")} f where {scope_sql}
                    group by all order by branch_code, category""",
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
    out: dict[str, dict[str, Any]] = {}
    scope_sql, params = scope.sql("f.regency_code")
    for period in periods:
        with _reading(pubs, period) as (con, served):
            rows = _dicts(
                con.execute(
                    f"""select $period as period, count(*) as findings,
                               count(distinct employer_key) as employers,
                               sum(estimated_contribution_monthly) as contribution
                        from {served.table("findings")} f where {scope_sql}""",
                    {**params, "period": period},
                )
            )
        if rows and rows[0]["findings"]:
            out[period] = rows[0]
    return out


_options: dict[tuple, dict[str, list[tuple[str, str]]]] = {}


def filter_options(pubs: Publications, period: str, scope: Scope) -> dict[str, list[tuple[str, str]]]:
    """The regencies and branches a user may filter on, kept per publication and scope."""
    served = pubs.reader.served(period)
    key = (served.id, scope)
    if key not in _options:
        if len(_options) > 1000:
            _options.clear()
        _options[key] = _filter_options(pubs, period, scope)
    return _options[key]


def _filter_options(pubs: Publications, period: str, scope: Scope) -> dict[str, list[tuple[str, str]]]:
    scope_sql, params = scope.sql("f.regency_code")
    with _reading(pubs, period) as (con, served):
        counts = served.table("counts")
        regencies = con.execute(
            f"select distinct regency_code, regency_name from {counts} f "
            f"where {scope_sql} and regency_code is not null order by 1",
            params,
        ).fetchall()
        branches = con.execute(
            f"select distinct branch_code, branch_name from {counts} f "
            f"where {scope_sql} and branch_code is not null order by 1",
            params,
        ).fetchall()
    return {"regencies": regencies, "branches": branches}


def employer_findings(
    pubs: Publications, period: str, scope: Scope, employer_key: str, followups: pa.Table
) -> list[dict[str, Any]]:
    """The employer's findings of the period that the user may see; empty means 'not found'.
    The findings are stored in employer order: the lookup reads only the employer's rows."""
    with _reading(pubs, period) as (con, served):
        scope_sql, params = scope.sql("f.regency_code")
        rows = _dicts(
            con.execute(
                f"select {FINDING_SELECT} from {served.table('findings')} f "
                f"where f.employer_key = $key and {scope_sql} order by f.category",
                {**params, "key": employer_key},
            )
        )
    return with_followups(rows, followups)


def employer_history(
    pubs: Publications, periods: list[str], scope: Scope, employer_key: str
) -> list[dict[str, Any]]:
    """Findings of the employer in every published period, listed and resolved, within scope."""
    scope_sql, params = scope.sql("f.regency_code")
    params["key"] = employer_key
    rows: list[dict[str, Any]] = []
    for period in periods:
        with _reading(pubs, period) as (con, served):
            rows += _dicts(
                con.execute(
                    f"""select period, category, status, workers_affected, estimated_contribution_monthly,
                               regency_code
                        from {served.table("findings")} f where employer_key = $key and {scope_sql}
                        union all
                        select period, category, status, null, null, regency_code
                        from {served.table("resolved")} f where employer_key = $key and {scope_sql}""",
                    params,
                )
            )
    rows.sort(key=lambda r: r["category"])
    rows.sort(key=lambda r: r["period"], reverse=True)
    return rows


def employer_workers(
    pubs: Publications, period: str, employer_key: str, categories: list[str], full: bool
) -> list[dict[str, Any]]:
    """Workers behind the employer's findings; the caller passes only categories in scope."""
    if not categories:
        return []
    params: dict[str, Any] = {"key": employer_key, "categories": categories}
    with _reading(pubs, period) as (con, served):
        if full:
            path = pubs.restricted_workers(period)
            if not path.is_file():
                return []
            source, identity = restricted_source(path), "nik"
            params["workers"] = str(path)
        else:
            source, identity = served.table("workers"), "nik_masked"
        return _dicts(
            con.execute(
                f"""select category, {identity} as nik, full_name,
                           try_cast(gross_wage as double) as gross_wage,
                           try_cast(reported_wage as double) as reported_wage, matched_by
                    from {source}
                    where employer_key = $key and list_contains($categories::varchar[], category)
                    order by category, full_name""",
                params,
            )
        )


def employer_permits(pubs: Publications, period: str, ids: dict[str, Any]) -> dict[str, list[dict]]:
    """Business and construction permits of the run that carry one of the employer's
    identifiers, matched at publish (`ids` is one of the employer's findings)."""
    out: dict[str, list[dict]] = {"business": [], "construction": []}
    if not ids.get("nib") and not ids.get("npwp"):
        return out
    params = {"key": ids["employer_key"]}
    with _reading(pubs, period) as (con, served):
        out["business"] = _dicts(
            con.execute(
                f"""select nib, business_name, kbli, scale, declared_workers, issued_on, status, regency_code
                    from {served.table("business_permits")} where employer_key = $key order by issued_on""",
                params,
            )
        )
        out["construction"] = _dicts(
            con.execute(
                f"""select permit_number, project_name, contract_value, start_on, end_on,
                           declared_workers, regency_code, registered
                    from {served.table("construction_permits")}
                    where employer_key = $key order by start_on""",
                params,
            )
        )
    return out
