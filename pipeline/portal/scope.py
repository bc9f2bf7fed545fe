"""Which employers a user may see: by the regency of the finding, checked in every query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline import publication


@dataclass(frozen=True)
class Scope:
    all_regions: bool
    provinces: tuple[str, ...] = ()
    regencies: tuple[str, ...] = ()

    @classmethod
    def everything(cls) -> Scope:
        return cls(all_regions=True)

    @classmethod
    def of(cls, codes: tuple[str, ...]) -> Scope:
        return cls(
            all_regions=False,
            provinces=tuple(c for c in codes if "." not in c),
            regencies=tuple(c for c in codes if "." in c),
        )

    def covers(self, regency_code: str | None) -> bool:
        if self.all_regions:
            return True
        if not regency_code:
            return False
        return regency_code in self.regencies or regency_code.split(".")[0] in self.provinces

    def covers_province(self, province_code: str) -> bool:
        """A province-wide figure (coverage) is shown only to those who see the whole province."""
        return self.all_regions or province_code in self.provinces

    def sql(self, column: str) -> tuple[str, dict[str, Any]]:
        """A DuckDB predicate on a `PP.RR` column, with its parameters (never formatted in)."""
        if self.all_regions:
            return "true", {}
        # A finding without a regency is visible to admins only.
        predicate = (
            f"({column} is not null and (list_contains($scope_regencies::varchar[], {column})"
            f" or list_contains($scope_provinces::varchar[], split_part({column}, '.', 1))))"
        )
        return predicate, {"scope_regencies": list(self.regencies), "scope_provinces": list(self.provinces)}

    def label(self) -> str:
        """Whose regions: a findings workbook's title names them (publication.findings_title)."""
        return publication.NATIONAL_LABEL if self.all_regions else ", ".join(self.provinces + self.regencies)
