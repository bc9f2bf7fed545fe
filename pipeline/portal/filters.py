"""The findings filters, sorting and paging, as query parameters shared by pages and downloads.

Every value is checked against a pattern or a closed list and reaches SQL only as a parameter;
sort keys map to fixed expressions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlencode

from pipeline.portal import search
from pipeline.portal.followup import STAGES
from pipeline.publication import DEFAULT_ORDER, DIRECTIONS, NOT_FOLLOWED_UP, STATIC_SORTS
from pipeline.reference import category_codes

CATEGORIES = category_codes()
STATUSES = ("BARU", "BERULANG")
REGION = re.compile(r"^\d{2}(\.\d{2})?$")
BRANCH = re.compile(r"^[A-Z0-9-]{1,20}$")
MAX_SEARCH = 100

_STAGE_ORDER = (
    "list_position(['" + "','".join(STAGES) + f"'], coalesce(fu.followup_stage, '{NOT_FOLLOWED_UP}'))"
)
# The publication's sort orders (ranked in its serving tables), and the follow-up stage's.
SORTS = {**{key: f"f.{column}" for key, column in STATIC_SORTS.items()}, "tahap": _STAGE_ORDER}


class InvalidFilter(ValueError):
    """A query parameter outside what the portal accepts."""


@dataclass(frozen=True)
class Filters:
    kategori: str = ""
    wilayah: str = ""
    cabang: str = ""
    status: str = ""
    tahap: str = ""
    cari: str = ""
    urut: str = DEFAULT_ORDER[0]
    arah: str = DEFAULT_ORDER[1]

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Filters:
        values = {k: (params.get(k) or "").strip() for k in cls.__dataclass_fields__}
        f = cls(**{k: v for k, v in values.items() if v})
        checks = (
            (f.kategori, lambda v: v in CATEGORIES),
            (f.wilayah, REGION.match),
            (f.cabang, BRANCH.match),
            (f.status, lambda v: v in STATUSES),
            (f.tahap, lambda v: v in STAGES),
            (f.cari, lambda v: len(v) <= MAX_SEARCH),
            (f.urut, lambda v: v in SORTS),
            (f.arah, lambda v: v in DIRECTIONS),
        )
        for value, ok in checks:
            if value and not ok(value):
                raise InvalidFilter("filter tidak valid")
        return f

    def sql(self) -> tuple[str, dict[str, Any]]:
        """A predicate over `f` (findings) and `fu` (follow-up), with its parameters."""
        clauses, params = [], {}
        if self.kategori:
            clauses.append("f.category = $kategori")
            params["kategori"] = self.kategori
        if self.wilayah:
            column = "f.regency_code" if "." in self.wilayah else "split_part(f.regency_code, '.', 1)"
            clauses.append(f"{column} = $wilayah")
            params["wilayah"] = self.wilayah
        if self.cabang:
            clauses.append("f.branch_code = $cabang")
            params["cabang"] = self.cabang
        if self.status:
            clauses.append("f.status = $status")
            params["status"] = self.status
        if self.tahap:
            clauses.append("coalesce(fu.followup_stage, 'BARU') = $tahap")
            params["tahap"] = self.tahap
        if self.cari:
            search_sql, search_params = search.predicate(self.cari)
            clauses.append(search_sql)
            params.update(search_params)
        return (" and ".join(clauses) or "true"), params

    def order_by(self) -> str:
        return f"{SORTS[self.urut]} {DIRECTIONS[self.arah]} nulls last, f.category, f.employer_key"

    def as_dict(self) -> dict[str, str]:
        """The filters that are set, for the audit log and links."""
        defaults = Filters()
        return {k: v for k, v in asdict(self).items() if v and v != getattr(defaults, k)}

    def query(self, **changes: str) -> str:
        """The query string for these filters with some changed (sort links, pages)."""
        values = {**self.as_dict(), **changes}
        return urlencode({k: v for k, v in values.items() if v})

    def sorted_by(self, key: str) -> str:
        """The query string for a column header: sort by it, or reverse if already sorted by it."""
        arah = "turun" if self.urut == key and self.arah == "naik" else "naik"
        return replace(self, urut=key, arah=arah).query()


def page_number(params: Mapping[str, str]) -> int:
    value = params.get("hal") or "1"
    if not value.isdigit() or not 1 <= int(value) <= 100_000:
        raise InvalidFilter("halaman tidak valid")
    return int(value)
