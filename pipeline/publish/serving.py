"""The portal's serving tables: the publication in the shape the portal reads it.

`serving/serving.duckdb` holds
- `findings`: every published finding with its rank in each static sort order of the list
  (`o_<sort>_<direction>` nationally; `p_...` within its province and `r_...` within its regency
  for the order the list opens in), so that a page of a whole scope is a range of ranks, not a
  sort of the table;
- `workers`, `resolved`, `business_permits`, `construction_permits`: rows by employer, stored in
  employer order and indexed by employer key (INDEXED), so that an employer page or an
  employer's workers read only the employer's rows;
- `counts`: findings per regency, branch, category and status, what page counts and the
  summaries add up instead of counting findings;
- `branches`: the regencies of each branch office (a branch's file is served only to those who
  see all of them);
- `identifiers` (the NIB, NPWP, NPP and key of each finding, in value order) and `name_words`
  (every word of the employers' names once, with the findings whose name has it): what a search
  reads instead of every finding (pipeline/portal/search.py).

`serving/files/` holds the findings of whole scopes as the portal's download writes them
(nationally, per province, per branch) as CSV, also gzip-compressed, and the national XLSX, built
once here and served as files (the portal builds any other once, on first request).

Built from the published Parquet files, so that the portal can build the same tables for a
publication made before them (pipeline/portal/serving.py); recorded in the manifest.
"""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
from pathlib import Path
from typing import Any

import duckdb

from pipeline.db import sql_path
from pipeline.publication import (
    DEFAULT_ORDER,
    DIRECTIONS,
    EXPORT_SELECT,
    FINDINGS_SHEET,
    NATIONAL,
    NATIONAL_LABEL,
    REGIONAL_ORDERS,
    SERVING,
    SERVING_DATABASE,
    SERVING_FILES,
    STATIC_SORTS,
    findings_title,
    rank_column,
    serving_file,
)
from pipeline.publish.table_xlsx import to_xlsx
from pipeline.search_terms import IDENTIFIERS, name_words_sql
from pipeline.spreadsheet import copy_csv

# Bumped when the tables change shape: the portal rebuilds a serving database of another version.
VERSION = 2

# The rank columns' prefixes (publication.rank_column) and the partition each ranks within.
# Ranks within a province and a regency are kept for REGIONAL_ORDERS only: a region's list in
# another order is the top of its rows by their national rank (ranks in every order at every
# level took publish 4 s more CPU at 10 M rows).
LEVELS = {"o": "", "p": "partition by province_code", "r": "partition by regency_code"}
# Rows per row group, the unit that a table's min/max per column lets a read skip: an employer's
# rows, or a searched identifier, are a few rows of a table stored in that order, and a smaller
# group reads fewer others with them (DuckDB's default is 122,880).
ROW_GROUP_SIZE = 16_384
# Columns an employer page or a search looks rows up by, one value at a time: an index finds the
# rows without reading the row group they are in.
INDEXED = (
    ("findings", "employer_key"),
    ("workers", "employer_key"),
    ("resolved", "employer_key"),
    ("business_permits", "employer_key"),
    ("construction_permits", "employer_key"),
    ("identifiers", "value"),
)


def _global_ranks() -> str:
    """Each finding's rank in each static order, nationally."""
    columns = []
    for sort, expression in STATIC_SORTS.items():
        for direction, sql_direction in DIRECTIONS.items():
            order = f"order by {expression} {sql_direction} nulls last, category, employer_key"
            columns.append(f"row_number() over ({order}) as {rank_column('o', sort, direction)}")
    return ",\n".join(columns)


def _regional_ranks() -> str:
    """Ranks within the province and the regency in REGIONAL_ORDERS: the national rank's order
    within each."""
    columns = []
    for sort, direction in REGIONAL_ORDERS:
        national = rank_column("o", sort, direction)
        for level in ("p", "r"):
            rank = rank_column(level, sort, direction)
            columns.append(f"row_number() over ({LEVELS[level]} order by {national}) as {rank}")
    return ",\n".join(columns)


def build_database(path: Path, published: Path, silver: dict[str, Path | None]) -> None:
    """Write the serving database at `path` from a publication folder's Parquet files and the
    run's accepted permits and projects (`silver`: business, construction, projects, each may be
    missing)."""
    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        con.execute("set preserve_insertion_order = true")
        con.execute(f"attach {sql_path(path)} as serving (row_group_size {ROW_GROUP_SIZE})")
        con.execute("use serving")
        _tables(con, published, silver)
        con.execute("checkpoint serving")
    finally:
        con.close()


def _tables(con: duckdb.DuckDBPyConnection, published: Path, silver: dict[str, Path | None]) -> None:
    def parquet(name: str) -> str:
        return f"read_parquet({sql_path(published / f'{name}.parquet')})"

    con.execute(f"create table meta as select {VERSION} as version")
    # Ranks are computed over the sort keys alone, then joined to the rows: sorting whole rows
    # (evidence text and all) once per order cost ten times as much.
    con.execute(
        f"""create temp table ranked as
            with f as (
                select category, employer_key, priority, estimated_contribution_monthly, workers_affected,
                       employer_name, regency_code, split_part(regency_code, '.', 1) as province_code,
                       status, months_listed
                from {parquet("findings")}),
            national as (select category, employer_key, province_code, regency_code, {_global_ranks()} from f)
            select * exclude (province_code, regency_code), {_regional_ranks()} from national"""
    )
    con.execute(
        f"""create table findings as
            select f.*, split_part(f.regency_code, '.', 1) as province_code,
                   r.* exclude (category, employer_key)
            from {parquet("findings")} f join ranked r using (category, employer_key)
            order by employer_key, category"""
    )
    con.execute("drop table ranked")
    con.execute(
        f"create table workers as select * from {parquet('workers')} "
        "order by employer_key, category, full_name"
    )
    resolved = published / "resolved.parquet"
    if resolved.is_file():
        con.execute(f"create table resolved as select * from {parquet('resolved')} order by employer_key")
    else:
        con.execute(
            "create table resolved (period varchar, category varchar, employer_key varchar, status varchar, "
            "regency_code varchar)"
        )
    con.execute(
        """create table counts as
           select regency_code, any_value(regency_name) as regency_name,
                  split_part(regency_code, '.', 1) as province_code, branch_code,
                  any_value(branch_name) as branch_name, category, status, count(*) as findings,
                  count(distinct employer_key) as employers,
                  sum(workers_affected) as workers,
                  sum(estimated_contribution_monthly) as contribution
           from findings group by regency_code, branch_code, category, status
           order by regency_code, branch_code, category, status"""
    )
    con.execute(
        """create table branches as
           select branch_code, any_value(branch_name) as branch_name,
                  list(distinct regency_code order by regency_code) as regencies,
                  count(*) filter (where regency_code is null) as without_regency
           from findings where branch_code is not null group by branch_code order by branch_code"""
    )
    _search_tables(con)
    _permits(con, silver)
    for table, column in INDEXED:
        con.execute(f"create index {table}_by_{column} on {table} ({column})")


def _search_tables(con: duckdb.DuckDBPyConnection) -> None:
    columns = ", ".join(IDENTIFIERS)
    con.execute(
        f"""create table identifiers as
            with v as (
                select unnest([{columns}]) as value, unnest({list(IDENTIFIERS)}) as kind,
                       employer_key, category
                from findings)
            select distinct value, kind, employer_key, category from v where value is not null
            order by value, kind, employer_key, category"""
    )
    con.execute(
        f"""create table name_words as
            with w as (
                select distinct unnest({name_words_sql("employer_name")}) as word, employer_key, category
                from findings)
            select word, list({{'employer_key': employer_key, 'category': category}}
                              order by employer_key, category) as findings
            from w group by word order by word"""
    )


def _permits(con: duckdb.DuckDBPyConnection, silver: dict[str, Path | None]) -> None:
    """Permits carrying an employer's NIB or NPWP (those of its first finding), by employer."""
    con.execute(
        """create temp table ids as
           select employer_key, first(nib order by category) as nib, first(npwp order by category) as npwp
           from findings group by employer_key"""
    )
    business, construction, projects = (silver.get(k) for k in ("business", "construction", "projects"))
    if business:
        con.execute(
            f"""create table business_permits as
                with p as (select * from read_parquet({sql_path(business)})),
                matched as (
                    select i.employer_key, p.* from ids i join p on p.nib = i.nib
                    union
                    select i.employer_key, p.* from ids i join p on p.npwp = i.npwp)
                select employer_key, nib, business_name, kbli, scale, declared_workers,
                       cast(issued_on as date) as issued_on, status, regency_code
                from matched order by employer_key, issued_on"""
        )
    else:
        con.execute(
            """create table business_permits (employer_key varchar, nib varchar, business_name varchar,
               kbli varchar, scale varchar, declared_workers double, issued_on date, status varchar,
               regency_code varchar)"""
        )
    if construction:
        registered = (
            f"c.permit_number in (select permit_number from read_parquet({sql_path(projects)}))"
            if projects
            else "null::boolean"
        )
        con.execute(
            f"""create table construction_permits as
                with c as (select * from read_parquet({sql_path(construction)})),
                matched as (
                    select i.employer_key, c.* from ids i join c on c.contractor_nib = i.nib
                    union
                    select i.employer_key, c.* from ids i join c on c.contractor_npwp = i.npwp)
                select employer_key, permit_number, project_name, contract_value,
                       cast(start_on as date) as start_on, cast(end_on as date) as end_on,
                       declared_workers, regency_code, {registered} as registered
                from matched c order by employer_key, start_on"""
        )
    else:
        con.execute(
            """create table construction_permits (employer_key varchar, permit_number varchar,
               project_name varchar, contract_value double, start_on date, end_on date,
               declared_workers double, regency_code varchar, registered boolean)"""
        )
    con.execute("drop table ids")


def file_units(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, dict[str, Any]]]:
    """The whole scopes written as files: (unit name, the scope label of its XLSX title or '' for
    none, its selection): national with its XLSX, each province and each branch as CSV (a
    branch's XLSX title names the user's scope, which differs between the users who may
    download it)."""
    units: list[tuple[str, str, dict[str, Any]]] = [(NATIONAL, NATIONAL_LABEL, {})]
    for (province,) in con.execute(
        "select distinct province_code from findings where province_code is not null order by 1"
    ).fetchall():
        units.append((province, "", {"province": province}))
    for (branch,) in con.execute("select branch_code from branches order by 1").fetchall():
        units.append((f"cabang_{branch}", "", {"branch": branch}))
    return units


def write_files(database: Path, folder: Path, period: str) -> list[Path]:
    """The whole-scope downloads, as the portal's findings download writes them for a scope
    without follow-up records (the portal builds its own copy once a follow-up is recorded)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    con = duckdb.connect(str(database), read_only=True)
    try:
        con.execute("set enable_progress_bar = false")
        for unit, label, selection in file_units(con):
            relation = export_relation(selection)
            csv = folder / serving_file(unit, "csv")
            copy_csv(con, relation, csv, stream=True)
            written += [csv, gzip_copy(csv)]
            if label:
                xlsx = folder / serving_file(unit, "xlsx")
                table = con.sql(relation).to_arrow_table()
                title = findings_title(period, label)
                with duckdb.connect(config={"threads": 1}) as rows:
                    book = to_xlsx(rows, table, FINDINGS_SHEET, title, created=_first_day(period))
                xlsx.write_bytes(book)
                written.append(xlsx)
    finally:
        con.close()
    return written


def _first_day(period: str) -> dt.datetime:
    year, month = (int(part) for part in period.split("-"))
    return dt.datetime(year, month, 1)


def export_relation(selection: dict[str, Any], findings: str = "findings", followups: str = "") -> str:
    """SQL for a whole scope's findings as the download lists them, in the default order:
    `selection` is empty (national), {"province": code}, {"regency": code} or {"branch": code};
    `followups` names a registered follow-up table to join, or none (every stage `BARU`)."""
    where = "true"
    for key, column in UNIT_COLUMNS.items():
        if key in selection:
            value = str(selection[key]).replace("'", "''")
            where = f"f.{column} = '{value}'"
    if followups:
        join = f"left join {followups} fu on fu.employer_key = f.employer_key and fu.category = f.category"
    else:
        join = (
            "left join (select null::varchar as followup_stage, null::date as followup_date, "
            "null::varchar as followup_officer, null::varchar as followup_note) fu on false"
        )
    first = rank_column("o", *DEFAULT_ORDER)
    return f"select {EXPORT_SELECT} from {findings} f {join} where {where} order by f.{first}"


UNIT_COLUMNS = {"province": "province_code", "regency": "regency_code", "branch": "branch_code"}


def gzip_copy(path: Path) -> Path:
    """`path` compressed beside it (zlib's fastest level: the national CSV of 62 MB to 11 MB)."""
    target = path.with_name(path.name + ".gz")
    with path.open("rb") as source, gzip.GzipFile(target, "wb", compresslevel=1, mtime=0) as out:
        shutil.copyfileobj(source, out, 1 << 20)
    return target


def write_serving(published: Path, silver: dict[str, Path | None], period: str) -> tuple[Path, list[Path]]:
    """The serving database and files in `published/serving/`: returns the database and the
    files. The files' bytes are the same on every run (the manifest lists their hashes); the
    database's are not (DuckDB's file layout), so the manifest names it with its version: it
    is made from the published Parquet files, whose hashes the manifest lists."""
    folder = published / SERVING
    folder.mkdir(exist_ok=True)
    database = folder / SERVING_DATABASE
    build_database(database, published, silver)
    return database, write_files(database, folder / SERVING_FILES, period)
