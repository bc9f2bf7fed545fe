"""Findings and coverage per period for the user's regions or one branch, as inline SVG."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from pipeline.portal import case_reads, queries
from pipeline.portal.context import portal_of
from pipeline.portal.render import page
from pipeline.portal.routes.common import PageUser

router = APIRouter()


@router.get("/tren")
def trend(request: Request, identity: PageUser) -> Response:
    """Per branch: findings and coverage over the published periods, as inline SVG."""
    portal = portal_of(request)
    branch = request.query_params.get("cabang", "")
    if branch and not (len(branch) <= 20 and branch.replace("-", "").isalnum()):
        raise HTTPException(400)
    rows = case_reads.branch_trend(portal.pubs, identity.user.scope, branch)
    periods = portal.pubs.periods()
    branches = (
        queries.filter_options(portal.pubs, periods[0], identity.user.scope)["branches"] if periods else []
    )
    return page(request, "trend.html", {"rows": rows, "branch": branch, "branches": branches})
