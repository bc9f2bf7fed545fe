"""Downloads as plain URLs for browsers and scripts (session or HTTP Basic), each filtered by the
same query parameters as the findings page and by the user's regions, each recorded."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from fastapi import APIRouter, HTTPException, Request
from starlette.responses import FileResponse, JSONResponse, Response

from pipeline import publication
from pipeline.portal import exports, followup, queries, referral, scopefiles, serving
from pipeline.portal.auth import Identity, require_role
from pipeline.portal.context import Portal, portal_of
from pipeline.portal.filters import Filters, InvalidFilter
from pipeline.portal.routes.common import (
    ApiUser,
    checked_employer,
    checked_period,
    employer_findings,
    record_full_identity,
)
from pipeline.portal.routes.downloads import (
    CSV,
    PDF,
    XLSX,
    attachment,
    download,
    record,
    streamed,
    suffix,
    table_download,
)

router = APIRouter(prefix="/api")


def _filters(request: Request) -> Filters:
    try:
        return Filters.from_params(request.query_params)
    except InvalidFilter:
        raise HTTPException(400) from None


@router.get("/periods")
def periods(request: Request, identity: ApiUser) -> Response:
    pubs = portal_of(request).pubs
    names = pubs.periods()
    counts = queries.period_counts(pubs, names, identity.user.scope)
    return JSONResponse([{"period": p, "findings": counts.get(p, {}).get("findings", 0)} for p in names])


class _LargeBlockFile(FileResponse):
    """A file sent in blocks of 1 MiB, not Starlette's 64 KiB: each block is a read on a worker
    thread and a write to the socket, so a national file of 11 MB (its gzip) costs 11 of each
    instead of 170. uvicorn has no `sendfile` (the ASGI pathsend extension); a server that has
    it gets the path instead, as Starlette hands it over."""

    chunk_size = 1 << 20


def _file_download(
    portal: Portal,
    request: Request,
    identity: Identity,
    found: scopefiles.ScopeFile,
    media_type: str,
    filename: str,
    detail: dict[str, Any],
) -> Response:
    """A whole-scope file: 304 when the client holds it already, else the file (a byte range
    of it when asked, gzip when taken and no range is asked). Every answer is audited."""
    headers = {
        **attachment(filename),
        # Cache-Control stays `no-store` (pipeline/portal/security.py: personal data); scripts
        # that keep the file themselves revalidate it or resume it with the validators.
        "Vary": "Cookie, Authorization, Accept-Encoding",
    }
    compressed = (
        found.gzip is not None
        and "range" not in request.headers
        and "gzip" in request.headers.get("accept-encoding", "").lower()
    )
    etag = found.etag[:-1] + '-gz"' if compressed else found.etag
    not_modified = etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
    detail = {
        **detail,
        "file": found.unit,
        "not_modified": not_modified,
        "range": request.headers.get("range"),
    }
    record(portal, request, identity, filename, detail)
    if not_modified:
        return Response(status_code=304, headers={**headers, "ETag": etag})
    if compressed:
        headers["Content-Encoding"] = "gzip"
        return _LargeBlockFile(found.gzip, media_type=media_type, headers={**headers, "ETag": etag})
    return _LargeBlockFile(found.path, media_type=media_type, headers={**headers, "ETag": etag})


@router.get("/periods/{period}/findings.csv")
@router.get("/periods/{period}/findings.xlsx")
def findings_download(request: Request, period: str, identity: ApiUser) -> Response:
    """The findings list as CSV (streamed) or XLSX; a whole-scope file when one is kept."""
    kind = suffix(request)
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    filters = _filters(request)
    scope = identity.user.scope
    followups = serving.followups(portal.engine, identity.user.scope)
    title = publication.findings_title(period, scope.label()) if kind == "xlsx" else ""
    name, media_type = f"temuan_{period}.{kind}", CSV if kind == "csv" else XLSX
    rows = queries.count_findings(portal.pubs, period, scope, filters, followups.table)
    if kind == "xlsx" and rows > exports.XLSX_MAX_ROWS:
        raise HTTPException(413)
    detail = {"filters": filters.as_dict(), "rows": rows}
    found = scopefiles.whole_scope_file(portal.pubs, period, scope, filters, followups, kind, title)
    if found is not None:
        return _file_download(portal, request, identity, found, media_type, name, detail)
    if kind == "xlsx":
        found = scopefiles.workbook_file(portal.pubs, period, scope, filters, followups, title)
        return _file_download(portal, request, identity, found, XLSX, name, detail)
    kept = scopefiles.list_csv(portal.pubs, period, scope, filters, followups)
    if kept.found is not None:
        return _file_download(portal, request, identity, kept.found, CSV, name, detail)
    _, sql, params = queries.findings_relation(portal.pubs, period, scope, filters)
    chunks = queries.csv_chunks(portal.pubs, period, sql, params, followups.table, kept.keep)
    return streamed(portal, request, identity, chunks, name, detail)


@router.get("/periods/{period}/workers.csv")
@router.get("/periods/{period}/workers.xlsx")
def workers(request: Request, period: str, identity: ApiUser) -> Response:
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    filters = _filters(request)
    full = request.query_params.get("identitas") == "lengkap"
    if full:
        require_role(identity, "supervisor")
    followups = serving.followups(portal.engine, identity.user.scope)
    sql, params = queries.workers_relation(portal.pubs, period, identity.user.scope, filters, full)
    rows = queries.count_rows(portal.pubs, period, sql, params, followups.table)
    detail = {"filters": filters.as_dict(), "rows": rows, "full_identity": full}
    kind = suffix(request)
    if full:
        record_full_identity(portal, request, identity, f"workers.{kind} {period}", detail)
    name = f"pekerja_{period}{'_lengkap' if full else ''}"
    if kind == "csv":
        chunks = queries.csv_chunks(portal.pubs, period, sql, params, followups.table)
        return streamed(portal, request, identity, chunks, f"{name}.csv", detail)
    table = queries.workers_table(portal.pubs, period, identity.user.scope, filters, followups.table, full)
    title = f"Pekerja temuan periode {period} ({identity.user.scope.label()})"
    return table_download(portal, request, identity, table, name, "Pekerja", title, detail)


COVERAGE_COLUMNS = {
    "level": pa.string(),
    "region_code": pa.string(),
    "region_name": pa.string(),
    "formal_workers": pa.int64(),
    "registered_workers": pa.int64(),
    "coverage_pct": pa.float64(),
}


@router.get("/periods/{period}/coverage.csv")
@router.get("/periods/{period}/coverage.xlsx")
def coverage(request: Request, period: str, identity: ApiUser) -> Response:
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    rows = queries.coverage_rows(portal.pubs, period, identity.user.scope)
    columns = list(COVERAGE_COLUMNS)
    if rows:
        table = pa.Table.from_pylist(rows)
    elif suffix(request) == "csv":
        table = pa.table({c: pa.array([], pa.string()) for c in columns})
    else:
        table = pa.schema(list(COVERAGE_COLUMNS.items())).empty_table()
    title = f"Cakupan kepesertaan periode {period} ({identity.user.scope.label()})"
    detail = {"rows": table.num_rows}
    return table_download(portal, request, identity, table, f"cakupan_{period}", "Cakupan", title, detail)


@router.get("/periods/{period}/employers/{employer_key}/referral.pdf")
def referral_pdf(request: Request, period: str, employer_key: str, identity: ApiUser) -> Response:
    require_role(identity, "supervisor")
    portal = checked_employer(request, period, employer_key)
    rows = employer_findings(portal, identity, period, employer_key)
    categories = [r["category"] for r in rows]
    workers = queries.employer_workers(portal.pubs, period, employer_key, categories, full=True)
    log = followup.history(portal.engine, employer_key, categories, identity.user.scope)
    body = referral.build(rows[0], rows, workers, log, period, identity.user.username)
    detail = {"categories": categories, "workers": len(workers)}
    record_full_identity(portal, request, identity, f"referral {period}/{employer_key}", detail)
    return download(portal, request, identity, body, PDF, f"rujukan_{employer_key}_{period}.pdf", detail)
