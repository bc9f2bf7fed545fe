"""The pages: periods, a period's summary and quality, the findings list, an employer."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from pipeline.portal import audit, case_reads, followup, pagecache, quality, queries, review, serving
from pipeline.portal.auth import Identity, client_ip, require_role
from pipeline.portal.context import portal_of
from pipeline.portal.filters import InvalidFilter, page_number
from pipeline.portal.letters import numbering
from pipeline.portal.render import page
from pipeline.portal.routes.casework import _back, case_panel
from pipeline.portal.routes.common import (
    FormUser,
    Note,
    PageUser,
    checked_employer,
    checked_period,
    employer_findings,
    findings_list,
    list_query,
    record_full_identity,
)

router = APIRouter()


@router.get("/periods")
def periods(request: Request, identity: PageUser) -> Response:
    pubs = portal_of(request).pubs
    names = pubs.periods()
    counts = queries.period_counts(pubs, names, identity.user.scope)
    return page(request, "periods.html", {"periods": names, "counts": counts})


@router.get("/periods/{period}")
def period_summary(request: Request, period: str, identity: PageUser) -> Response:
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    scope = identity.user.scope
    followups = serving.followups(portal.engine, identity.user.scope).table
    context = {
        "period": period,
        "summary": queries.summary(portal.pubs, period, scope, followups),
        "coverage": queries.coverage_rows(portal.pubs, period, scope),
        "sources": quality.by_source(portal.pubs.manifest(period)),
        "review_pending": review.pending(portal.pubs, portal.settings.data_dir, period, scope),
    }
    return page(request, "summary.html", context)


@router.get("/periods/{period}/quality")
def period_quality(request: Request, period: str, identity: PageUser) -> Response:
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    manifest = portal.pubs.manifest(period)
    is_admin = identity.user.at_least("admin")
    context = {
        "period": period,
        "sources": quality.by_source(manifest),
        "files": manifest.get("inputs", []) if is_admin else [],
        "reasons": quality.quarantine_reasons(portal.pubs, period),
        "expectations": quality.expectations(portal.pubs, period),
    }
    return page(request, "quality.html", context)


# The pipeline's report styles itself inline and has no script; it lists file names and masked
# NIKs of quarantined rows of every region, hence admins only. Its Data Docs links point into the
# operator's work folder (the sites hold full NIKs of rejected rows) and are not served here.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'"
)


@router.get("/periods/{period}/quality/report")
def pipeline_quality_report(request: Request, period: str, identity: PageUser) -> Response:
    require_role(identity, "admin")
    pubs = portal_of(request).pubs
    checked_period(pubs, period)
    path = pubs.quality_report(period)
    if not path.is_file():
        raise HTTPException(404)
    return Response(
        path.read_bytes(),
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": REPORT_CSP},
    )


@router.get("/periods/{period}/findings")
def findings(request: Request, period: str, identity: PageUser) -> Response:
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    filters, number = list_query(request)
    followups = serving.followups(portal.engine, identity.user.scope)

    def render() -> Response:
        context = findings_list(portal, period, identity.user.scope, filters, followups.table, number)
        return page(request, "findings.html", context)

    publication = portal.pubs.reader.served(period).id
    return pagecache.cached_page(request, identity, publication, followups.version, render)


def _employer_page(
    request: Request,
    identity: Identity,
    period: str,
    employer_key: str,
    full: bool = False,
    form_error: str = "",
    status_code: int = 200,
    letter_error: str = "",
) -> Response:
    portal = portal_of(request)
    scope = identity.user.scope
    rows = employer_findings(portal, identity, period, employer_key)
    categories = [r["category"] for r in rows]
    workers_page, workers_total = 1, 0
    if full:
        workers = queries.employer_workers(portal.pubs, period, employer_key, categories, full)
        workers_total = len(workers)
    else:
        try:
            workers_page = page_number({"hal": request.query_params.get("hal_tk") or "1"})
        except InvalidFilter:
            raise HTTPException(400) from None
        workers, workers_total = case_reads.employer_workers_page(
            portal.pubs, period, employer_key, categories, workers_page, portal.settings.page_size
        )
    if full:
        record_full_identity(
            portal,
            request,
            identity,
            f"{period}/{employer_key}",
            {"workers": len(workers), "categories": categories},
        )
    context: dict[str, Any] = {
        "period": period,
        "employer": rows[0],
        "findings": rows,
        "workers": workers,
        "full": full,
        "history": queries.employer_history(portal.pubs, portal.pubs.periods(), scope, employer_key),
        "permits": queries.employer_permits(portal.pubs, period, rows[0]),
        "log": followup.history(portal.engine, employer_key, categories, identity.user.scope),
        "total_contribution": sum(r["estimated_contribution_monthly"] or 0 for r in rows),
        "form_error": form_error,
        "saved": request.query_params.get("tersimpan") == "1",
        "today": dt.date.today().isoformat(),
        "back_query": _back(request),
        "workers_total": workers_total,
        "workers_page": workers_page,
        "workers_pages": max(1, math.ceil(workers_total / portal.settings.page_size)),
        "letter_error": letter_error,
        "case_assigned": request.query_params.get("hasil") == "ditugaskan",
        "letter_issued": _issued(portal, request.query_params.get("surat", ""), employer_key),
        **case_panel(portal, identity, period, rows),
    }
    return page(request, "employer.html", context, status_code=status_code)


def _issued(portal, letter_id: str, employer_key: str) -> numbering.Letter | None:
    """The letter just issued, for the notice after the redirect: only one of this employer's."""
    if not letter_id.isdigit() or len(letter_id) >= 10:
        return None
    letter = numbering.by_id(portal.engine, int(letter_id))
    return letter if letter and letter.employer_key == employer_key else None


@router.get("/periods/{period}/employers/{employer_key}")
def employer(request: Request, period: str, employer_key: str, identity: PageUser) -> Response:
    checked_employer(request, period, employer_key)
    full = request.query_params.get("identitas") == "lengkap"
    if full:
        require_role(identity, "supervisor")
    return _employer_page(request, identity, period, employer_key, full=full)


@router.post("/periods/{period}/employers/{employer_key}/followup")
def change_followup(
    request: Request,
    period: str,
    employer_key: str,
    identity: FormUser,
    category: Annotated[str, Form(max_length=20)] = "",
    stage: Annotated[str, Form(max_length=30)] = "",
    stage_date: Annotated[str, Form(max_length=20)] = "",
    officer: Annotated[str, Form(max_length=200)] = "",
    note: Note = "",
) -> Response:
    require_role(identity, "supervisor")
    portal = checked_employer(request, period, employer_key)
    rows = employer_findings(portal, identity, period, employer_key)
    if category not in {r["category"] for r in rows}:
        return _employer_page(
            request, identity, period, employer_key, form_error="Pilih kategori temuan.", status_code=400
        )
    try:
        when = dt.date.fromisoformat(stage_date)
    except ValueError:
        return _employer_page(
            request, identity, period, employer_key, form_error="Tanggal tidak valid.", status_code=400
        )
    change = followup.Change(
        employer_key, category, stage, when, officer, note, period, rows[0]["regency_code"]
    )
    before = followup.current_stage(portal.engine, employer_key, category)
    try:
        followup.check_change(change, before, may_go_back=identity.user.at_least("admin"))
    except ValueError as exc:
        return _employer_page(request, identity, period, employer_key, form_error=str(exc), status_code=400)
    followup.record(portal.engine, change, identity.user.username)
    audit.record(
        portal.engine,
        "followup_change",
        identity.user.username,
        client_ip(request),
        f"{employer_key}/{category}",
        {"from": before, "to": stage, "date": when, "officer": change.officer, "period": period},
    )
    return RedirectResponse(f"/periods/{period}/employers/{employer_key}?tersimpan=1#tindak-lanjut", 303)
