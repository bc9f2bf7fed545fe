"""What a publication holds (docs/contract.md section 7), defined once: publish writes it, the
portal and the branch summaries read it, the tests hold a real publication to it.

`<data>/published/<YYYY-MM>/` holds
- each public table (PUBLIC) as `<name>.csv`, for people, spreadsheet-safe (pipeline/spreadsheet.py),
  and as `<name>.parquet`, the raw values, which the portal and the summaries read;
- the workbook for compliance teams (`workbook_name`), the data quality report (QUALITY_REPORT)
  and the manifest (MANIFEST);
- `serving/` (SERVING): the portal's serving database and the whole-scope downloads, as the
  portal's findings download writes them (pipeline/publish/serving.py).

`<data>/restricted/<YYYY-MM>/` holds the restricted tables (RESTRICTED: full NIKs, for those
entitled to them), CSV and Parquet alike.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    """A published table: its columns in order, the relation of the reconcile database it is
    selected from and the order of its rows."""

    name: str
    source: str
    columns: tuple[str, ...]
    order: str  # an SQL order by over `source`
    restricted: bool = False  # full NIKs: written to the restricted folder only

    @property
    def select(self) -> str:
        """The select over the reconcile database that makes the table, rows in order."""
        return f"select {', '.join(self.columns)} from {self.source} order by {self.order}"

    @property
    def files(self) -> tuple[str, ...]:
        """Its file names: one per format, in FORMATS' order."""
        return tuple(self.name + suffix for suffix in FORMATS)


# How each table is written: CSV for people (spreadsheet-safe: a text value that would start a
# formula gets a leading `'`), Parquet with the raw values for programs.
CSV, PARQUET = ".csv", ".parquet"
FORMATS = (CSV, PARQUET)

FINDINGS = Table(
    "findings",
    "findings",
    (
        "period",
        "category",
        "employer_key",
        "employer_name",
        "nib",
        "npwp",
        "npp",
        "regency_code",
        "regency_name",
        "workers_affected",
        "wage_gap_monthly",
        "estimated_contribution_monthly",
        "missing_programs",
        "evidence",
        "branch_code",
        "branch_name",
        "status",
        "first_seen_period",
        "months_listed",
        "priority",
    ),
    "category, employer_key",
)
RESOLVED = Table(
    "resolved",
    "findings_resolved",
    (
        "period",
        "category",
        "employer_key",
        "employer_name",
        "regency_code",
        "branch_code",
        "branch_name",
        "status",
        "first_seen_period",
        "last_listed_period",
    ),
    "category, employer_key",
)
_WORKER = ("gross_wage", "reported_wage", "matched_by", "match_probability", "evidence")
WORKERS = Table(
    "workers",
    "finding_workers",
    ("period", "category", "employer_key", "nik_masked", "full_name", *_WORKER),
    "category, employer_key, nik",
)
REVIEW = Table(
    "review",
    "review_workers",
    (
        "review_id",
        "period",
        "employer_key",
        "employer_name",
        "regency_code",
        "nik_masked",
        "full_name",
        "gross_wage",
        "reason",
        "match_probability",
        "candidate_nik_masked",
        "candidate_full_name",
        "evidence",
    ),
    "employer_key, reason, nik_masked, full_name, review_id",
)
COVERAGE = Table(
    "coverage",
    "coverage",
    ("level", "region_code", "region_name", "formal_workers", "registered_workers", "coverage_pct"),
    "region_code",
)
QUARANTINE = Table(
    "quarantine",
    "quarantine",
    ("source", "file", "row_number", "reason", "detail"),
    "source, file, row_number nulls first, reason",
)
# Full identities go only to those entitled (UU 27/2022): outside the published folder.
WORKERS_FULL = Table(
    "workers_full",
    "finding_workers",
    ("period", "category", "employer_key", "nik", "full_name", *_WORKER),
    "category, employer_key, nik",
    restricted=True,
)

TABLES: dict[str, Table] = {
    t.name: t for t in (FINDINGS, RESOLVED, WORKERS, REVIEW, COVERAGE, QUARANTINE, WORKERS_FULL)
}
PUBLIC: dict[str, Table] = {n: t for n, t in TABLES.items() if not t.restricted}
RESTRICTED: dict[str, Table] = {n: t for n, t in TABLES.items() if t.restricted}

# The folders under the data folder, one per period inside each.
PUBLISHED_FOLDER = "published"
RESTRICTED_FOLDER = "restricted"

MANIFEST = "manifest.json"
# What the manifest records, in its order (pipeline/publish/run.py writes it; docs/contract.md
# section 7 says what each holds).
MANIFEST_KEYS = (
    "period",
    "rekon_version",
    "inputs",
    "expectations",
    "outputs",
    "quality_report",
    "data_docs",
    "linkage",
    "serving",
)
QUALITY_REPORT = "quality.html"


def workbook_name(period: str) -> str:
    """The compliance teams' workbook (pipeline/publish/workbook.py)."""
    return f"kepatuhan_{period}.xlsx"


# The portal's serving tables: `serving/serving.duckdb`, and the whole-scope downloads in
# `serving/files/` (`serving_file`).
SERVING = "serving"
SERVING_DATABASE = "serving.duckdb"
SERVING_FILES = "files"
NATIONAL = "semua"  # the whole country's unit among the whole-scope files


def serving_file(unit: str, suffix: str) -> str:
    """A whole scope's download: `unit` is NATIONAL, a province code or `cabang_<branch>`;
    `suffix` `csv`, `csv.gz` or `xlsx`."""
    return f"temuan_{unit}.{suffix}"


def published_files(period: str) -> set[str]:
    """The names in a period's published folder."""
    tables = {name for table in PUBLIC.values() for name in table.files}
    return tables | {workbook_name(period), QUALITY_REPORT, MANIFEST, SERVING}


def restricted_files() -> set[str]:
    """The names in a period's restricted folder."""
    return {name for table in RESTRICTED.values() for name in table.files}


# The findings list's sort orders that do not depend on the follow-up: the key a query names
# (`urut=`) -> the findings column it sorts by. The serving tables rank every finding in each.
STATIC_SORTS = {
    "prioritas": "priority",
    "iuran": "estimated_contribution_monthly",
    "pekerja": "workers_affected",
    "nama": "employer_name",
    "wilayah": "regency_code",
    "kategori": "category",
    "status": "status",
    "bulan": "months_listed",
}
# A sort's direction as a query names it (`arah=`) -> SQL's.
DIRECTIONS = {"naik": "asc", "turun": "desc"}
# The order a list opens in, and the whole-scope downloads' order.
DEFAULT_ORDER = ("prioritas", "naik")
# Orders ranked within each province and regency too, besides nationally.
REGIONAL_ORDERS = (DEFAULT_ORDER,)


def rank_column(level: str, sort: str, direction: str) -> str:
    """The serving findings' rank column: `level` `o` (national), `p` (within the province) or
    `r` (within the regency)."""
    return f"{level}_{sort}_{direction}"


# A finding as the portal's lists and downloads give it: its published columns, then its
# follow-up. A finding nobody has followed up shows the first stage (the portal's follow-up
# stages, pipeline/portal/followup.py).
FOLLOWUP_COLUMNS = ("followup_stage", "followup_date", "followup_officer", "followup_note")
EXPORT_COLUMNS = FINDINGS.columns + FOLLOWUP_COLUMNS
NOT_FOLLOWED_UP = "BARU"
FINDING_SELECT = ", ".join(f"f.{c}" for c in FINDINGS.columns)
# The SQL select of EXPORT_COLUMNS over findings `f` left-joined to follow-up records `fu`.
EXPORT_SELECT = (
    f"{FINDING_SELECT}, coalesce(fu.followup_stage, '{NOT_FOLLOWED_UP}') as followup_stage, "
    "fu.followup_date, fu.followup_officer, fu.followup_note"
)

# A findings download's workbook: its sheet and its title, the first row.
FINDINGS_SHEET = "Temuan"
NATIONAL_LABEL = "semua wilayah"


def findings_title(period: str, scope_label: str) -> str:
    """The first row of a findings workbook: the period and whose regions it covers."""
    return f"Temuan kepatuhan periode {period} ({scope_label})"


# A branch office's summary file (`<data>/summaries/<period>/<branch_code>.csv`, pipeline/summaries.py):
# the columns a team follows up with, in priority order.
BRANCH_SUMMARY_COLUMNS = (
    "priority",
    "category",
    "status",
    "employer_key",
    "employer_name",
    "npp",
    "regency_code",
    "regency_name",
    "workers_affected",
    "estimated_contribution_monthly",
    "months_listed",
    "first_seen_period",
    "evidence",
)
