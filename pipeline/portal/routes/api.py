"""Downloads as plain URLs for browsers and scripts (session or HTTP Basic), each filtered by the
same query parameters as the findings page and by the user's regions, each recorded."""

from __future__ import annotations

from typing import Annotated, Any

import pyarrow as pa
from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import JSONResponse, Response

from pipeline.portal import audit, exports, followup, queries, referral
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


def table_download(
    portal: Portal,
    request: Request,
    identity: Identity,
    table: pa.Table,
    kind: str,
    name: str,
    sheet: str,
    title: str,
    detail: dict[str, Any],
) -> Response:
    """A list as a CSV or XLSX download (`kind`), spreadsheet-safe either way, recorded."""
    if kind == "csv":
        return _download(portal, request, identity, exports.to_csv(table), CSV, f"{name}.csv", detail)
    try:
        body = exports.to_xlsx(table, sheet, title)
    except exports.TooManyRows:
        raise HTTPException(413) from None
    return _download(portal, request, identity, body, XLSX, f"{name}.xlsx", detail)


def _findings(request: Request, period: str, identity: Identity, kind: str) -> Response:
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    filters = _filters(request)
    table = queries.findings_table(
        portal.pubs,
        period,
        identity.user.scope,
        filters,
        followup.current_table(portal.engine, identity.user.scope),
    )
    title = f"Temuan kepatuhan periode {period} ({identity.user.scope.label()})"
    detail = {"filters": filters.as_dict(), "rows": table.num_rows}
    return table_download(portal, request, identity, table, kind, f"temuan_{period}", "Temuan", title, detail)


@router.get("/periods/{period}/findings.csv")
def findings_csv(request: Request, period: str, identity: ApiUser) -> Response:
    return _findings(request, period, identity, "csv")


@router.get("/periods/{period}/findings.xlsx")
def findings_xlsx(request: Request, period: str, identity: ApiUser) -> Response:
    return _findings(request, period, identity, "xlsx")


def _workers(request: Request, period: str, identity: Identity, kind: str) -> Response:
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    filters = _filters(request)
    full = request.query_params.get("identitas") == "lengkap"
    if full:
        require_role(identity, "supervisor")
    table = queries.workers_table(
        portal.pubs,
        period,
        identity.user.scope,
        filters,
        followup.current_table(portal.engine, identity.user.scope),
        full,
    )
    detail = {"filters": filters.as_dict(), "rows": table.num_rows, "full_identity": full}
    if full:
        audit.record(
            portal.engine,
            "view_full_identity",
            identity.user.username,
            client_ip(request),
            f"workers.{kind} {period}",
            detail,
        )
    name = f"pekerja_{period}{'_lengkap' if full else ''}"
    title = f"Pekerja temuan periode {period} ({identity.user.scope.label()})"
    return table_download(portal, request, identity, table, kind, name, "Pekerja", title, detail)


@router.get("/periods/{period}/workers.csv")
def workers_csv(request: Request, period: str, identity: ApiUser) -> Response:
    return _workers(request, period, identity, "csv")


@router.get("/periods/{period}/workers.xlsx")
def workers_xlsx(request: Request, period: str, identity: ApiUser) -> Response:
    return _workers(request, period, identity, "xlsx")


COVERAGE_COLUMNS = {
    "level": pa.string(),
    "region_code": pa.string(),
    "region_name": pa.string(),
    "formal_workers": pa.int64(),
    "registered_workers": pa.int64(),
    "coverage_pct": pa.float64(),
}


def _coverage(request: Request, period: str, identity: Identity, kind: str) -> Response:
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    rows = queries.coverage_rows(portal.pubs, period, identity.user.scope)
    columns = list(COVERAGE_COLUMNS)
    if rows:
        table = pa.Table.from_pylist(rows)
    elif kind == "csv":
        table = pa.table({c: pa.array([], pa.string()) for c in columns})
    else:
        table = pa.schema(list(COVERAGE_COLUMNS.items())).empty_table()
    title = f"Cakupan kepesertaan periode {period} ({identity.user.scope.label()})"
    detail = {"rows": table.num_rows}
    name = f"cakupan_{period}"
    return table_download(portal, request, identity, table, kind, name, "Cakupan", title, detail)


@router.get("/periods/{period}/coverage.csv")
def coverage_csv(request: Request, period: str, identity: ApiUser) -> Response:
    return _coverage(request, period, identity, "csv")


@router.get("/periods/{period}/coverage.xlsx")
def coverage_xlsx(request: Request, period: str, identity: ApiUser) -> Response:
    return _coverage(request, period, identity, "xlsx")


@router.get("/periods/{period}/employers/{employer_key}/referral.pdf")
def referral_pdf(request: Request, period: str, employer_key: str, identity: ApiUser) -> Response:
    require_role(identity, "supervisor")
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    checked_employer_key(employer_key)
    rows = queries.employer_findings(
        portal.pubs,
        period,
        identity.user.scope,
        employer_key,
        followup.current_table(portal.engine, identity.user.scope),
    )
    if not rows:
        raise HTTPException(404)
    categories = [r["category"] for r in rows]
    workers = queries.employer_workers(portal.pubs, period, employer_key, categories, full=True)
    log = followup.history(portal.engine, employer_key, categories, identity.user.scope)
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
