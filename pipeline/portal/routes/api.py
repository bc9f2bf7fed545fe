"""Downloads as plain URLs for browsers and scripts (session or HTTP Basic), each filtered by the
same query parameters as the findings page and by the user's regions, each recorded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse

from pipeline.portal import audit, exports, followup, queries, referral, scopefiles, serving
from pipeline.portal.auth import Identity, api_identity, client_ip, require_role
from pipeline.portal.context import Portal, portal_of
from pipeline.portal.filters import Filters, InvalidFilter
from pipeline.portal.routes.common import checked_employer_key, checked_period

router = APIRouter(prefix="/api")
ApiUser = Annotated[Identity, Depends(api_identity)]

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(request: Request) -> Filters:
    try:
        return Filters.from_params(request.query_params)
    except InvalidFilter:
        raise HTTPException(400) from None


def _download(
    portal: Portal,
    request: Request,
    identity: Identity,
    body: bytes,
    media_type: str,
    filename: str,
    detail: dict[str, Any],
) -> Response:
    audit.record(portal.engine, "download", identity.user.username, client_ip(request), filename, detail)
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/periods")
def periods(request: Request, identity: ApiUser) -> Response:
    pubs = portal_of(request).pubs
    names = pubs.periods()
    counts = queries.period_counts(pubs, names, identity.user.scope)
    return JSONResponse([{"period": p, "findings": counts.get(p, {}).get("findings", 0)} for p in names])


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
        "Content-Disposition": f'attachment; filename="{filename}"',
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
    audit.record(portal.engine, "download", identity.user.username, client_ip(request), filename, detail)
    if not_modified:
        return Response(status_code=304, headers={**headers, "ETag": etag})
    if compressed:
        headers["Content-Encoding"] = "gzip"
        return FileResponse(found.gzip, media_type=media_type, headers={**headers, "ETag": etag})
    return FileResponse(found.path, media_type=media_type, headers={**headers, "ETag": etag})


def _streamed(
    portal: Portal,
    request: Request,
    identity: Identity,
    chunks: Iterator[bytes],
    filename: str,
    detail: dict[str, Any],
) -> Response:
    audit.record(portal.engine, "download", identity.user.username, client_ip(request), filename, detail)
    return StreamingResponse(
        chunks, media_type=CSV, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/periods/{period}/findings.csv")
def findings_csv(request: Request, period: str, identity: ApiUser) -> Response:
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    filters = _filters(request)
    scope = identity.user.scope
    followups = serving.followups(portal.engine)
    name = f"temuan_{period}.csv"
    rows = queries.count_findings(portal.pubs, period, scope, filters, followups.table)
    detail = {"filters": filters.as_dict(), "rows": rows}
    found = scopefiles.whole_scope_file(portal.pubs, period, scope, filters, followups, "csv", "")
    if found is not None:
        return _file_download(portal, request, identity, found, CSV, name, detail)
    _, sql, params = queries.findings_relation(portal.pubs, period, scope, filters)
    chunks = queries.csv_chunks(portal.pubs, period, sql, params, followups.table)
    return _streamed(portal, request, identity, chunks, name, detail)


@router.get("/periods/{period}/findings.xlsx")
def findings_xlsx(request: Request, period: str, identity: ApiUser) -> Response:
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    filters = _filters(request)
    scope = identity.user.scope
    followups = serving.followups(portal.engine)
    title = exports.findings_title(period, scope.label())
    name = f"temuan_{period}.xlsx"
    rows = queries.count_findings(portal.pubs, period, scope, filters, followups.table)
    if rows > exports.XLSX_MAX_ROWS:
        raise HTTPException(413)
    detail = {"filters": filters.as_dict(), "rows": rows}
    found = scopefiles.whole_scope_file(portal.pubs, period, scope, filters, followups, "xlsx", title)
    if found is not None:
        return _file_download(portal, request, identity, found, XLSX, name, detail)
    found = scopefiles.workbook_file(portal.pubs, period, scope, filters, followups, title)
    return _file_download(portal, request, identity, found, XLSX, name, detail)


@router.get("/periods/{period}/workers.csv")
def workers_csv(request: Request, period: str, identity: ApiUser) -> Response:
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    filters = _filters(request)
    full = request.query_params.get("identitas") == "lengkap"
    if full:
        require_role(identity, "supervisor")
    followups = serving.followups(portal.engine)
    sql, params = queries.workers_relation(portal.pubs, period, identity.user.scope, filters, full)
    rows = queries.count_rows(portal.pubs, period, sql, params, followups.table)
    detail = {"filters": filters.as_dict(), "rows": rows, "full_identity": full}
    if full:
        audit.record(
            portal.engine,
            "view_full_identity",
            identity.user.username,
            client_ip(request),
            f"workers.csv {period}",
            detail,
        )
    name = f"pekerja_{period}{'_lengkap' if full else ''}.csv"
    chunks = queries.csv_chunks(portal.pubs, period, sql, params, followups.table)
    return _streamed(portal, request, identity, chunks, name, detail)


@router.get("/periods/{period}/coverage.csv")
def coverage_csv(request: Request, period: str, identity: ApiUser) -> Response:
    import pyarrow as pa

    portal = portal_of(request)
    checked_period(portal.pubs, period)
    rows = queries.coverage_rows(portal.pubs, period, identity.user.scope)
    columns = ["level", "region_code", "region_name", "formal_workers", "registered_workers", "coverage_pct"]
    table = pa.Table.from_pylist(rows) if rows else pa.table({c: pa.array([], pa.string()) for c in columns})
    detail = {"rows": table.num_rows}
    return _download(portal, request, identity, exports.to_csv(table), CSV, f"cakupan_{period}.csv", detail)


@router.get("/periods/{period}/employers/{employer_key}/referral.pdf")
def referral_pdf(request: Request, period: str, employer_key: str, identity: ApiUser) -> Response:
    require_role(identity, "supervisor")
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    checked_employer_key(employer_key)
    rows = queries.employer_findings(
        portal.pubs, period, identity.user.scope, employer_key, serving.followups(portal.engine).table
    )
    if not rows:
        raise HTTPException(404)
    categories = [r["category"] for r in rows]
    workers = queries.employer_workers(portal.pubs, period, employer_key, categories, full=True)
    log = followup.history(portal.engine, employer_key, categories)
    body = referral.build(rows[0], rows, workers, log, period, identity.user.username)
    detail = {"categories": categories, "workers": len(workers)}
    audit.record(
        portal.engine,
        "view_full_identity",
        identity.user.username,
        client_ip(request),
        f"referral {period}/{employer_key}",
        detail,
    )
    return _download(
        portal, request, identity, body, "application/pdf", f"rujukan_{employer_key}_{period}.pdf", detail
    )
