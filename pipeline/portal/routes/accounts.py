"""Account pages: change my password; reset links for the users an admin or branch head manages;
the page a reset link opens. Every change is audited."""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from pipeline.portal import accounts, audit, users
from pipeline.portal.auth import Identity, client_ip, require_role
from pipeline.portal.context import portal_of
from pipeline.portal.render import page
from pipeline.portal.routes.common import FormUser, PageUser, Password, Username

router = APIRouter()
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def _managed(identity: Identity, request: Request) -> list[users.User]:
    everyone = users.list_users(portal_of(request).engine)
    return [
        u for u in everyone if u.username != identity.user.username and accounts.may_reset(identity.user, u)
    ]


def _account_page(request: Request, identity: Identity, **context: object) -> Response:
    status = int(context.pop("status_code", 200))  # type: ignore[arg-type]
    return page(
        request, "account.html", {"managed": _managed(identity, request), **context}, status_code=status
    )


@router.get("/akun")
def account(request: Request, identity: PageUser) -> Response:
    return _account_page(request, identity)


@router.post("/akun/sandi")
def change_password(
    request: Request,
    identity: FormUser,
    sekarang: Password = "",
    baru: Password = "",
    ulang: Password = "",
) -> Response:
    portal = portal_of(request)
    try:
        accounts.change_password(portal.engine, identity.user.username, sekarang, baru, ulang)
    except ValueError as exc:
        return _account_page(request, identity, error=str(exc), status_code=400)
    audit.record(
        portal.engine, "password_change", identity.user.username, client_ip(request), identity.user.username
    )
    # Changing the password ends every session, this one included: log in again.
    return page(
        request,
        "message.html",
        {
            "title": "Kata sandi diganti",
            "message": "Silakan masuk lagi dengan kata sandi baru.",
            "link": "/login",
        },
    )


@router.post("/akun/reset")
def create_reset(request: Request, identity: FormUser, pengguna: Username = "") -> Response:
    require_role(identity, "supervisor")
    portal = portal_of(request)
    target = users.get_by_name(portal.engine, pengguna)
    if (
        target is None
        or not accounts.may_reset(identity.user, target)
        or target.username == identity.user.username
    ):
        raise HTTPException(403)
    token = accounts.create_reset(portal.engine, target.username, identity.user.username)
    audit.record(
        portal.engine,
        "password_reset",
        identity.user.username,
        client_ip(request),
        target.username,
        {"step": "link"},
    )
    link = f"{request.base_url}reset/{token}"
    return _account_page(
        request, identity, reset_for=target.username, reset_link=link, hours=accounts.RESET_HOURS
    )


@router.get("/reset/{token}")
def reset_form(request: Request, token: str) -> Response:
    if not TOKEN.match(token) or accounts.reset_user(portal_of(request).engine, token) is None:
        raise HTTPException(404)
    return page(request, "reset.html", {"token": token})


@router.post("/reset/{token}")
def reset_password(request: Request, token: str, baru: Password = "", ulang: Password = "") -> Response:
    # The unguessable one-time token is the credential; there is no session to hold a CSRF token.
    if not TOKEN.match(token):
        raise HTTPException(404)
    portal = portal_of(request)
    try:
        username = accounts.use_reset(portal.engine, token, baru, ulang)
    except ValueError as exc:
        if accounts.reset_user(portal.engine, token) is None:
            raise HTTPException(404) from None
        return page(request, "reset.html", {"token": token, "error": str(exc)}, status_code=400)
    audit.record(portal.engine, "password_reset", username, client_ip(request), username, {"step": "used"})
    return page(
        request,
        "message.html",
        {"title": "Kata sandi diganti", "message": "Silakan masuk dengan kata sandi baru.", "link": "/login"},
    )
