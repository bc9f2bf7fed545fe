"""Whole-scope downloads served as files: the findings of a whole region or branch, built once.

A download of the findings with no filter but the region or the branch is one of the files
written at publish (pipeline/publish/serving.py) when nobody has recorded a follow-up for the
unit's findings since; otherwise the portal builds the file once for the follow-up records as they
stand, in its cache folder, where every process finds it. Either way it goes out as a file, with
an `ETag` (from the publication's id, the unit, the scope label of an XLSX title and the
follow-up records shown), `Last-Modified`, byte ranges, and gzip for CSV when the client takes it.

A file is chosen only after the user's scope has been checked against the unit: two users get
the same validator only for the same bytes, both theirs to see.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import publication
from pipeline.portal.filters import Filters
from pipeline.portal.published import Publications
from pipeline.portal.queries import whole_unit
from pipeline.portal.scope import Scope
from pipeline.portal.serving import Followups, Served
from pipeline.publish import serving as layout


@dataclass(frozen=True)
class ScopeFile:
    path: Path
    gzip: Path | None  # the same bytes gzip-compressed (CSV only)
    etag: str  # strong validator of the uncompressed file; the gzip one ends in `-gz`
    unit: str


def _default_order(filters: Filters) -> bool:
    return (filters.urut, filters.arah) == publication.DEFAULT_ORDER


def _unit(served_con: Any, served: Served, scope: Scope, filters: Filters) -> tuple[str, dict] | None:
    """The unit whose whole findings the request asks for, if it asks for a whole one."""
    if not _default_order(filters):
        return None
    if filters.cabang:
        if filters.kategori or filters.status or filters.tahap or filters.cari or filters.wilayah:
            return None
        row = served_con.execute(
            f"select regencies, without_regency from {served.table('branches')} where branch_code = $b",
            {"b": filters.cabang},
        ).fetchall()
        row = row[0] if row else None
        if row is None:
            return None
        regencies, without_regency = row
        if not scope.all_regions and (without_regency or not all(scope.covers(r) for r in regencies)):
            return None
        return f"cabang_{filters.cabang}", {"branch": filters.cabang}
    unit = whole_unit(scope, filters)
    if unit is None:
        return None
    level, code = unit
    if level == "o":
        return publication.NATIONAL, {}
    return str(code), {"province" if level == "p" else "regency": code}


# (publication, follow-up version, scope, unit) -> _digest: the same question is not hashed again
_digests: dict[tuple, str] = {}


def _digest(con: Any, served: Served, followups: Followups, selection: dict[str, Any]) -> str:
    """Which follow-up records the unit's file shows: 'none', or a hash of them."""
    if followups.table.num_rows == 0:
        return "none"
    where = " and ".join(f"f.{layout.UNIT_COLUMNS[k]} = ${k}" for k in selection) or "true"
    count, digest = con.execute(
        f"""select count(*), md5(string_agg(concat_ws('|', fu.employer_key, fu.category, fu.followup_stage,
                   fu.followup_date, fu.followup_officer, fu.followup_note), chr(10)
                   order by fu.employer_key, fu.category))
            from followups fu
            semi join {served.table("findings")} f
                on f.employer_key = fu.employer_key and f.category = fu.category and {where}""",
        dict(selection),
    ).fetchall()[0]
    return "none" if count == 0 else digest


def whole_scope_file(
    pubs: Publications,
    period: str,
    scope: Scope,
    filters: Filters,
    followups: Followups,
    kind: str,
    title: str,
) -> ScopeFile | None:
    """The file for a whole-scope download of `kind` ('csv' or 'xlsx'), or None when the
    request is not for a whole scope (it is then built and streamed for the request)."""
    reader = pubs.reader
    served = reader.served(period)
    with reader.cursor() as con:
        con.register("followups", followups.table)
        found = _unit(con, served, scope, filters)
        if found is None:
            return None
        unit, selection = found
        known = (served.id, followups.version, scope, unit)
        digest = _digests.get(known)
        if digest is None:
            if len(_digests) > 10_000:
                _digests.clear()
            digest = _digests[known] = _digest(con, served, followups, selection)
    label = title if kind == "xlsx" else ""
    key = hashlib.sha256("\0".join([served.id, unit, kind, label, digest]).encode()).hexdigest()[:32]
    etag = f'"{key}"'
    published = served.files / publication.serving_file(unit, kind)
    if (
        digest == "none"
        and published.is_file()
        and (kind == "csv" or _published_title(served, unit) == title)
    ):
        gz = published.with_name(published.name + ".gz")
        return ScopeFile(published, gz if gz.is_file() else None, etag, unit)
    path = served.cache / f"temuan_{unit}_{key}.{kind}"
    if not path.is_file():
        _build(pubs, served, followups, selection, path, kind, title)
    gz = path.with_name(path.name + ".gz")
    return ScopeFile(path, gz if gz.is_file() else None, etag, unit)


def workbook_file(
    pubs: Publications, period: str, scope: Scope, filters: Filters, followups: Followups, title: str
) -> ScopeFile:
    """A filtered list's workbook, built once per publication, scope, filters and follow-up
    state: a workbook cannot be streamed (its sheet is zipped whole), so the same question asked
    again is answered from the file. The scope is part of the key, so is the title."""
    served = pubs.reader.served(period)
    parts = [
        served.id,
        "xlsx",
        repr(scope),
        repr(sorted(filters.as_dict().items())),
        followups.version,
        title,
    ]
    key = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
    path = served.cache / "lists" / f"temuan_{key}.xlsx"
    if not path.is_file():
        from pipeline.portal import exports, queries

        def build(staging: Path) -> None:
            table = queries.findings_table(pubs, period, scope, filters, followups.table)
            staging.write_bytes(exports.to_xlsx(table, publication.FINDINGS_SHEET, title))

        _once(path, build)
    return ScopeFile(path, None, f'"{key}"', "daftar")


# Filtered lists kept as files per publication, at most (a search's text is never kept).
MAX_KEPT_LISTS = 2000


@dataclass(frozen=True)
class KeptList:
    """A filtered list's CSV as a file: `found` when a download of the same question kept it,
    else where the streamed answer is to be kept (None: it is not kept)."""

    found: ScopeFile | None
    keep: Path | None


def list_csv(
    pubs: Publications, period: str, scope: Scope, filters: Filters, followups: Followups
) -> KeptList:
    """A filtered list's CSV, kept once a download of it has streamed to the end
    (queries.csv_chunks), per publication, scope, filters and follow-up state: the same question
    asked again is answered from the file, gzip and ranges included. The scope is part of the key."""
    served = pubs.reader.served(period)
    parts = [served.id, "csv", repr(scope), repr(sorted(filters.as_dict().items())), followups.version]
    key = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
    path = served.cache / "lists" / f"temuan_{key}.csv"
    if path.is_file():
        gz = path.with_name(path.name + ".gz")
        return KeptList(ScopeFile(path, gz if gz.is_file() else None, f'"{key}"', "daftar"), None)
    folder = path.parent
    if filters.cari or (folder.is_dir() and sum(1 for _ in folder.glob("*.csv")) >= MAX_KEPT_LISTS):
        return KeptList(None, None)
    folder.mkdir(parents=True, exist_ok=True)
    return KeptList(None, path)


def keep_csv(written: Path, path: Path) -> None:
    """Keep a CSV that a download wrote in full (`written`, in `path`'s folder) as `path`, with
    its gzip copy put in place first, so that whoever finds the CSV finds the copy too."""
    gz = layout.gzip_copy(written)
    os.replace(gz, path.with_name(path.name + ".gz"))
    os.replace(written, path)


def _once(path: Path, build: Callable[[Path], None]) -> None:
    """Build `path` once: other threads and processes wait on its lock, then find it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(path.name + ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():
            return
        staging = path.with_name(f".{uuid.uuid4().hex}{path.suffix}")
        try:
            build(staging)
            os.replace(staging, path)
        finally:
            staging.unlink(missing_ok=True)


def _published_title(served: Served, unit: str) -> str:
    label = publication.NATIONAL_LABEL if unit == publication.NATIONAL else unit
    return publication.findings_title(served.period, label)


def _build(
    pubs: Publications,
    served: Served,
    followups: Followups,
    selection: dict,
    path: Path,
    kind: str,
    title: str,
) -> None:
    """A unit's file for the follow-up records as they stand (CSV with its gzip copy)."""
    from pipeline.portal import exports
    from pipeline.spreadsheet import copy_csv

    def build(staging: Path) -> None:
        con = pubs.reader.own_cursor()
        try:
            con.register("followups", followups.table)
            sql = layout.export_relation(selection, served.table("findings"), "followups")
            if kind == "csv":
                copy_csv(con, sql, staging, stream=True)
                os.replace(layout.gzip_copy(staging), path.with_name(path.name + ".gz"))
            else:
                table = con.sql(sql).to_arrow_table()
                staging.write_bytes(exports.to_xlsx(table, publication.FINDINGS_SHEET, title))
        finally:
            con.close()

    _once(path, build)
