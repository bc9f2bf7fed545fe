"""The review list ("Perlu Tinjauan"): the period's `review.parquet` (contract section 7) joined
with the decision that counts per review_id, filtered, scoped by the row's regency, and paged.

Filters, like those of the findings list, are checked against patterns and closed lists and
reach SQL only as parameters; the same filters drive the page and the downloads."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyarrow as pa

from pipeline.portal.filters import BRANCH, MAX_SEARCH, REGION, InvalidFilter
from pipeline.portal.published import Publications
from pipeline.portal.queries import _dicts, duck
from pipeline.portal.scope import Scope
from pipeline.publication import REVIEW

# The columns of the published review table, in its order.
COLUMNS = REVIEW.columns
DECISION_COLUMNS = ("decision", "decided_by", "decided_on", "decision_note")
REASONS = ("kemungkinan_cocok", "nik_tidak_valid")
REASON_LABELS = {"kemungkinan_cocok": "Kemungkinan cocok", "nik_tidak_valid": "NIK tidak valid"}
DECISION_LABELS = {"SAMA": "Orang yang sama", "BEDA": "Bukan orang yang sama"}
# Which rows: not yet decided (the default), decided, or all.
STATES = {"belum": "Belum diputuskan", "sudah": "Sudah diputuskan", "semua": "Semua"}
SORTS = {
    "pemberi_kerja": "r.employer_name asc nulls last, r.employer_key, r.full_name, r.review_id",
    "peluang": "r.match_probability desc nulls last, r.employer_key, r.full_name, r.review_id",
    "nama": "r.full_name asc nulls last, r.employer_key, r.review_id",
}
# A review_id names a pair; the linkage step makes it (a hash or a code): letters, digits, - _ . :
REVIEW_ID = re.compile(r"^[0-9A-Za-z_.:-]{1,128}$")
UNMAPPED_BRANCH = ("BELUM-DIPETAKAN", "Belum dipetakan ke kantor cabang")
BRANCH_OFFICES = Path(__file__).resolve().parent.parent / "reference" / "branch_offices.csv"


@dataclass(frozen=True)
class ReviewFilters:
    alasan: str = ""
    keputusan: str = "belum"
    wilayah: str = ""
    cabang: str = ""
    cari: str = ""
    urut: str = "pemberi_kerja"

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> ReviewFilters:
        values = {k: (params.get(k) or "").strip() for k in cls.__dataclass_fields__}
        f = cls(**{k: v for k, v in values.items() if v})
        checks = (
            (f.alasan, lambda v: v in REASONS),
            (f.keputusan, lambda v: v in STATES),
            (f.wilayah, REGION.match),
            (f.cabang, BRANCH.match),
            (f.cari, lambda v: len(v) <= MAX_SEARCH),
            (f.urut, lambda v: v in SORTS),
        )
        for value, ok in checks:
            if value and not ok(value):
                raise InvalidFilter("filter tidak valid")
        return f

    def sql(self) -> tuple[str, dict[str, Any]]:
        """A predicate over `r` (review rows) and `d` (decisions), with its parameters."""
        clauses, params = [], {}
        if self.alasan:
            clauses.append("r.reason = $alasan")
            params["alasan"] = self.alasan
        if self.keputusan == "belum":
            clauses.append("d.decision is null")
        elif self.keputusan == "sudah":
            clauses.append("d.decision is not null")
        if self.wilayah:
            column = "r.regency_code" if "." in self.wilayah else "split_part(r.regency_code, '.', 1)"
            clauses.append(f"{column} = $wilayah")
            params["wilayah"] = self.wilayah
        if self.cabang:
            mapped = branch_regencies()
            if self.cabang == UNMAPPED_BRANCH[0]:
                clauses.append(
                    "not list_contains($mapped_regencies::varchar[], coalesce(r.regency_code, ''))"
                )
                params["mapped_regencies"] = sorted(c for codes in mapped.values() for c in codes)
            else:
                clauses.append("list_contains($branch_regencies::varchar[], r.regency_code)")
                params["branch_regencies"] = sorted(mapped.get(self.cabang, ()))
        if self.cari:
            clauses.append(
                "(contains(lower(coalesce(r.full_name, '')), lower($cari))"
                " or contains(lower(coalesce(r.employer_name, '')), lower($cari))"
                " or contains(lower(coalesce(r.candidate_full_name, '')), lower($cari))"
                " or r.employer_key = $cari or r.review_id = $cari or r.nik_masked = $cari)"
            )
            params["cari"] = self.cari
        return (" and ".join(clauses) or "true"), params

    def as_dict(self) -> dict[str, str]:
        defaults = ReviewFilters()
        return {k: v for k, v in asdict(self).items() if v and v != getattr(defaults, k)}

    def query(self, **changes: str) -> str:
        values = {**self.as_dict(), **changes}
        return urlencode({k: v for k, v in values.items() if v})


@cache
def _branch_table() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, ...]]]:
    with BRANCH_OFFICES.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    by_regency = {r["regency_code"]: (r["branch_code"], r["branch_name"]) for r in rows}
    regencies: dict[str, list[str]] = {}
    for r in rows:
        regencies.setdefault(r["branch_code"], []).append(r["regency_code"])
    return by_regency, {k: tuple(v) for k, v in regencies.items()}


def branch_of(regency_code: str | None) -> tuple[str, str]:
    """The kantor cabang that follows up a regency (pipeline/reference/branch_offices.csv)."""
    return _branch_table()[0].get(regency_code or "", UNMAPPED_BRANCH)


def branch_regencies() -> dict[str, tuple[str, ...]]:
    return _branch_table()[1]


def regency_name(regency_code: str | None) -> str:
    from pipeline.reference import regions

    return regions().get(regency_code or "", ("", 0))[0]


def _source(pubs: Publications, period: str) -> str | None:
    path = pubs.review_table(period)
    return str(path) if path.is_file() else None


# Read as numbers whatever type the file gives them (an older publication's may be text).
_NUMBERS = ("gross_wage", "match_probability")
_SELECT = ", ".join(
    [f"try_cast(r.{c} as double) as {c}" if c in _NUMBERS else f"r.{c}" for c in COLUMNS]
    + ["d.decision", "d.decided_by", "d.decided_on", "d.note as decision_note"]
)


def _filtered(source: str, scope: Scope, filters: ReviewFilters) -> tuple[str, dict[str, Any]]:
    scope_sql, params = scope.sql("r.regency_code")
    filter_sql, filter_params = filters.sql()
    sql = f"""
        select {_SELECT}
        from (select * replace (try_cast(match_probability as double) as match_probability)
              from read_parquet($review)) r
        left join decisions d on d.review_id = r.review_id
        where {scope_sql} and {filter_sql}"""
    return sql, {**params, **filter_params, "review": source}


def review_page(
    pubs: Publications,
    period: str,
    scope: Scope,
    filters: ReviewFilters,
    decisions: pa.Table,
    page: int,
    size: int,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the review rows the user may see, and how many pass the filters."""
    source = _source(pubs, period)
    if source is None:
        return [], 0
    sql, params = _filtered(source, scope, filters)
    with duck() as con:
        con.register("decisions", decisions)
        total = con.execute(f"select count(*) from ({sql})", params).fetchone()[0]
        limits = f" order by {SORTS[filters.urut]} limit {int(size)} offset {int((page - 1) * size)}"
        rows = _dicts(con.execute(sql + limits, params))
    for row in rows:
        row["regency_name"] = regency_name(row["regency_code"])
        row["branch_code"], row["branch_name"] = branch_of(row["regency_code"])
    return rows, total


def review_table(
    pubs: Publications, period: str, scope: Scope, filters: ReviewFilters, decisions: pa.Table
) -> pa.Table:
    """The rows for a download: the contract's columns, then the decision that counts."""
    source = _source(pubs, period)
    if source is None:
        columns = COLUMNS + DECISION_COLUMNS
        return pa.schema([(c, pa.float64() if c in _NUMBERS else pa.string()) for c in columns]).empty_table()
    sql, params = _filtered(source, scope, filters)
    with duck() as con:
        con.register("decisions", decisions)
        return con.sql(f"{sql} order by {SORTS[filters.urut]}", params=params).to_arrow_table()


def review_row(
    pubs: Publications, period: str, scope: Scope, review_id: str, decisions: pa.Table
) -> dict[str, Any] | None:
    """The row with this review_id if the user may see it; None means 'not found'."""
    source = _source(pubs, period)
    if source is None:
        return None
    sql, params = _filtered(source, scope, ReviewFilters(keputusan="semua"))
    with duck() as con:
        con.register("decisions", decisions)
        rows = _dicts(con.execute(f"{sql} and r.review_id = $rid limit 1", {**params, "rid": review_id}))
    return rows[0] if rows else None


def review_counts(pubs: Publications, period: str, scope: Scope, decisions: pa.Table) -> dict[str, int]:
    """Rows in scope per state: undecided (`belum`) and decided (`sudah`)."""
    source = _source(pubs, period)
    if source is None:
        return {"belum": 0, "sudah": 0}
    sql, params = _filtered(source, scope, ReviewFilters(keputusan="semua"))
    with duck() as con:
        con.register("decisions", decisions)
        belum, sudah = con.execute(
            f"select count(*) filter (where decision is null), count(*) filter (where decision is not null) "
            f"from ({sql})",
            params,
        ).fetchone()
    return {"belum": belum, "sudah": sudah}


def review_options(pubs: Publications, period: str, scope: Scope) -> dict[str, list[tuple[str, str]]]:
    """Regencies and branches of the rows in scope, for the filter form."""
    source = _source(pubs, period)
    if source is None:
        return {"regencies": [], "branches": []}
    scope_sql, params = scope.sql("r.regency_code")
    with duck() as con:
        codes = [
            c
            for (c,) in con.execute(
                f"select distinct regency_code from read_parquet($review) r "
                f"where {scope_sql} and regency_code is not null order by 1",
                {**params, "review": source},
            ).fetchall()
        ]
    branches = sorted({branch_of(c) for c in codes})
    return {"regencies": [(c, regency_name(c)) for c in codes], "branches": branches}


def pending(pubs: Publications, data_dir: Path, period: str, scope: Scope) -> int:
    """Rows in the user's regions that no one has decided yet (the period summary's link)."""
    from pipeline.portal import decisions

    if _source(pubs, period) is None:
        return 0
    return review_counts(pubs, period, scope, decisions.latest(data_dir))["belum"]
