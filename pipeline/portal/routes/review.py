"""Perlu Tinjauan: the undecided payroll workers of a period (`review.csv`), a person's decision
on each pair ("orang yang sama" SAMA / "bukan orang yang sama" BEDA), and the list's downloads.

Everyone sees the rows of their regions, as on every other list. Supervisors and admins decide:
a decision clears an employer of a worker or keeps the accusation, which weighs like a follow-up
change (also theirs). A decision goes to the decision store the next run reads
(pipeline/portal/decisions.py) and to the audit log; the latest decision per review_id counts,
so a decision is changed by deciding again."""

from __future__ import annotations

import math
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from pipeline.portal import audit, decisions
from pipeline.portal.auth import Identity, client_ip, require_role
from pipeline.portal.context import portal_of
from pipeline.portal.filters import InvalidFilter, page_number
from pipeline.portal.render import page
from pipeline.portal.review import (
    DECISION_LABELS,
    REASON_LABELS,
    REVIEW_ID,
    STATES,
    ReviewFilters,
    review_counts,
    review_options,
    review_page,
    review_row,
    review_table,
)
from pipeline.portal.routes.common import ApiUser, FormUser, Note, PageUser, checked_period
from pipeline.portal.routes.downloads import table_download

router = APIRouter()
api_router = APIRouter(prefix="/api")

DECIDER_ROLE = "supervisor"


def _filters(params) -> ReviewFilters:
    try:
        return ReviewFilters.from_params(params)
    except InvalidFilter:
        raise HTTPException(400) from None


@router.get("/tinjauan")
def newest_review(request: Request, identity: PageUser) -> Response:
    """The navigation's link: the review list of the newest published period."""
    periods = portal_of(request).pubs.periods()
    return RedirectResponse(f"/periods/{periods[0]}/tinjauan" if periods else "/periods", status_code=303)


@router.get("/periods/{period}/tinjauan")
def review_list(request: Request, period: str, identity: PageUser) -> Response:
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    filters = _filters(request.query_params)
    try:
        number = page_number(request.query_params)
    except InvalidFilter:
        raise HTTPException(400) from None
    scope = identity.user.scope
    size = portal.settings.page_size
    current = decisions.latest(portal.settings.data_dir)
    rows, total = review_page(portal.pubs, period, scope, filters, current, number, size)
    saved = None
    saved_id = request.query_params.get("tersimpan") or ""
    if REVIEW_ID.match(saved_id):
        saved = review_row(portal.pubs, period, scope, saved_id, current)
    context = {
        "period": period,
        "published": portal.pubs.review_table(period).is_file(),
        "filters": filters,
        "rows": rows,
        "total": total,
        "counts": review_counts(portal.pubs, period, scope, current),
        "page_no": number,
        "pages": max(1, math.ceil(total / size)),
        "options": review_options(portal.pubs, period, scope),
        "may_decide": identity.user.at_least(DECIDER_ROLE),
        "saved": saved,
        "REASON_LABELS": REASON_LABELS,
        "DECISION_LABELS": DECISION_LABELS,
        "STATES": STATES,
    }
    return page(request, "review.html", context)


@router.post("/periods/{period}/tinjauan/keputusan")
def decide(
    request: Request,
    period: str,
    identity: FormUser,
    review_id: Annotated[str, Form(max_length=200)] = "",
    decision: Annotated[str, Form(max_length=10)] = "",
    note: Note = "",
    kembali: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    require_role(identity, DECIDER_ROLE)
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    if not REVIEW_ID.match(review_id):
        raise HTTPException(404)
    # The list's filters to return to: parsed and re-encoded, never echoed as given.
    back = _filters(dict(parse_qsl(kembali)))
    current = decisions.latest(portal.settings.data_dir)
    row = review_row(portal.pubs, period, identity.user.scope, review_id, current)
    if row is None:  # outside the user's regions looks exactly like no such row
        raise HTTPException(404)
    if decision not in decisions.DECISIONS or len(decisions.clean_note(note)) > decisions.MAX_NOTE:
        raise HTTPException(400)
    if not (row["candidate_nik_masked"] or row["candidate_full_name"]):
        raise HTTPException(400)  # no participant to be or not to be the same person as
    made = decisions.Decision(review_id, decision, identity.user.username, decisions.now_utc(), note)
    decisions.append(portal.settings.data_dir, made)
    audit.record(
        portal.engine,
        "review_decision",
        identity.user.username,
        client_ip(request),
        f"{period}/{review_id}",
        {
            "from": row["decision"],
            "to": decision,
            "note": decisions.clean_note(note)[: decisions.MAX_NOTE],
            "employer_key": row["employer_key"],
            "reason": row["reason"],
            "period": period,
        },
    )
    query = back.query(tersimpan=review_id)
    return RedirectResponse(f"/periods/{period}/tinjauan?{query}#tersimpan", status_code=303)


def _table(request: Request, period: str, identity: Identity):
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    filters = _filters(request.query_params)
    current = decisions.latest(portal.settings.data_dir)
    return review_table(portal.pubs, period, identity.user.scope, filters, current), filters


@api_router.get("/periods/{period}/review.csv")
@api_router.get("/periods/{period}/review.xlsx")
def review_download(request: Request, period: str, identity: ApiUser) -> Response:
    table, filters = _table(request, period, identity)
    title = f"Perlu tinjauan periode {period} ({identity.user.scope.label()})"
    detail = {"filters": filters.as_dict(), "rows": table.num_rows}
    name, formats = f"tinjauan_{period}", {"match_probability": "0.000"}
    return table_download(
        portal_of(request), request, identity, table, name, "Perlu Tinjauan", title, detail, formats
    )
