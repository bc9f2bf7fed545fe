"""Logging in and out. The login form has its own CSRF token in a short-lived cookie, since
there is no session yet to hold one (login CSRF would log a victim into an attacker's account)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from pipeline.portal import audit, sessions
from pipeline.portal.auth import TooManyAttempts, authenticate, client_ip, safe_next
from pipeline.portal.context import portal_of
from pipeline.portal.render import page
from pipeline.portal.routes.common import FormUser, Password

router = APIRouter()
LOGIN_CSRF_COOKIE = "rekon_login_csrf"


def _login_form(request: Request, next_path: str, error: str = "", status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(
        request,
        "login.html",
        {"csrf_token": token, "next": next_path, "error": error},
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=1800,
        httponly=True,
        secure=portal_of(request).settings.cookie_secure,
        samesite="strict",
        path="/login",
    )
    return response


@router.get("/")
def home() -> Response:
    return RedirectResponse("/periods", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "/periods") -> Response:
    return _login_form(request, safe_next(next))


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Password = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/periods",
) -> Response:
    portal = portal_of(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or not sessions.csrf_matches(expected, csrf_token):
        raise HTTPException(403)
    try:
        user = authenticate(portal, username, password, client_ip(request), "form")
    except TooManyAttempts:
        return _login_form(request, safe_next(next), "Terlalu banyak percobaan masuk. Coba lagi nanti.", 429)
    if user is None:
        return _login_form(request, safe_next(next), "Nama pengguna atau kata sandi salah.", 401)
    # A fresh session id at every login: a cookie planted before login is never promoted.
    sessions.end(portal.engine, request.cookies.get(sessions.COOKIE))
    token, _ = sessions.create(portal.engine, portal.settings, user)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=int(portal.settings.session_hours * 3600),
        httponly=True,
        secure=portal.settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, identity: FormUser) -> Response:
    portal = portal_of(request)
    sessions.end(portal.engine, request.cookies.get(sessions.COOKIE))
    audit.record(portal.engine, "logout", identity.user.username, client_ip(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response
