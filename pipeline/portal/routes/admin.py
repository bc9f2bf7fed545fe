"""Administration: accounts (enable, disable) and the audit log with its export."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from pipeline.portal import audit, users
from pipeline.portal.auth import Identity, client_ip, require_role
from pipeline.portal.context import portal_of
from pipeline.portal.render import page
from pipeline.portal.routes.common import ApiUser, FormUser, PageUser
from pipeline.portal.routes.downloads import table_download

router = APIRouter()
PAGE = 100


def _admin(identity: Identity) -> Identity:
    require_role(identity, "admin")
    return identity


def page_admin(identity: PageUser) -> Identity:
    return _admin(identity)


def form_admin(identity: FormUser) -> Identity:
    return _admin(identity)


def api_admin(identity: ApiUser) -> Identity:
    return _admin(identity)


def _audit_query(request: Request) -> audit.AuditQuery:
    params = request.query_params
    try:
        since = dt.date.fromisoformat(params["dari"]) if params.get("dari") else None
        until = dt.date.fromisoformat(params["sampai"]) if params.get("sampai") else None
    except ValueError:
        raise HTTPException(400) from None
    action = params.get("aksi") or ""
    if action and action not in audit.ACTIONS:
        raise HTTPException(400)
    return audit.AuditQuery(
        username=(params.get("pengguna") or "")[:64], action=action, since=since, until=until
    )


@router.get("/admin/users")
def user_list(request: Request, identity: Annotated[Identity, Depends(page_admin)]) -> Response:
    return page(request, "users.html", {"users": users.list_users(portal_of(request).engine)})


@router.post("/admin/users/{username}/active")
def user_active(
    request: Request,
    username: str,
    identity: Annotated[Identity, Depends(form_admin)],
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    portal = portal_of(request)
    if username == identity.user.username:
        raise HTTPException(400)  # an admin locking themselves out leaves nobody to undo it
    try:
        users.set_active(portal.engine, username, active == "1")
    except ValueError:
        raise HTTPException(404) from None
    audit.record(
        portal.engine,
        "user_change",
        identity.user.username,
        client_ip(request),
        username,
        {"active": active == "1"},
    )
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/audit")
def audit_page(request: Request, identity: Annotated[Identity, Depends(page_admin)]) -> Response:
    portal = portal_of(request)
    query = _audit_query(request)
    hal = request.query_params.get("hal") or "1"
    number = int(hal) if hal.isdigit() and int(hal) >= 1 else 1
    total = audit.count(portal.engine, query)
    context = {
        "entries": audit.entries(portal.engine, query, PAGE, (number - 1) * PAGE),
        "query": query,
        "total": total,
        "page_no": number,
        "pages": max(1, math.ceil(total / PAGE)),
        "actions": audit.ACTIONS,
        "query_string": request.url.query,
    }
    return page(request, "audit.html", context)


@router.get("/api/audit.csv")
@router.get("/api/audit.xlsx")
def audit_download(request: Request, identity: Annotated[Identity, Depends(api_admin)]) -> Response:
    import pyarrow as pa

    portal = portal_of(request)
    query = _audit_query(request)
    rows = audit.entries(portal.engine, query)
    columns = ["id", "at", "username", "ip", "action", "target", "detail"]
    table = pa.table(
        {c: pa.array([str(r[c]) if r[c] is not None else None for r in rows], pa.string()) for c in columns}
    )
    detail = {"filters": {k: str(v) for k, v in vars(query).items() if v}, "rows": len(rows)}
    return table_download(portal, request, identity, table, "audit", "Audit", "Log audit", detail)
