"""Who is asking: a session cookie (pages and downloads) or HTTP Basic (scripts, downloads only).

Logins and Basic credentials go through the same throttle and the same audit records."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import HTTPException, Request

from pipeline.portal import audit, sessions, users
from pipeline.portal.context import Portal, portal_of
from pipeline.portal.passwords import verify_password
from pipeline.portal.ratelimit import login_blocked
from pipeline.portal.sessions import Session
from pipeline.portal.users import User

MAX_NAME = 64


@dataclass(frozen=True)
class Identity:
    user: User
    session: Session | None  # None when the request came with HTTP Basic

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token if self.session else ""


class LoginRequired(Exception):
    """A page was asked for without a session: the browser is sent to the login form."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class TooManyAttempts(Exception):
    pass


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "-"


def authenticate(portal: Portal, username: str, password: str, ip: str, via: str) -> User | None:
    """Check a name and password; record the outcome. Raises TooManyAttempts when throttled."""
    username = username.strip().lower()[:MAX_NAME]
    if login_blocked(portal.engine, portal.settings, username, ip):
        audit.record(portal.engine, "login_blocked", username, ip, via)
        raise TooManyAttempts
    found = users.password_hash_of(portal.engine, username)
    user, password_hash = found if found else (None, None)
    ok = verify_password(password_hash, password) and user is not None and user.active
    if not ok:
        audit.record(portal.engine, "login_failed", username, ip, via)
        return None
    audit.record(portal.engine, "login", username, ip, via)
    return user


def _session_identity(request: Request, portal: Portal) -> Identity | None:
    session = sessions.lookup(portal.engine, portal.settings, request.cookies.get(sessions.COOKIE))
    return Identity(session.user, session) if session else None


def _basic_identity(request: Request, portal: Portal) -> Identity | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        username, _, password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username = username.strip().lower()[:MAX_NAME]
    found = users.password_hash_of(portal.engine, username)
    # A script fetching many files logs in once per cache period, not once per request.
    if found and found[0].active and portal.basic_cache.hit(username, password, found[1]):
        return Identity(found[0], None)
    try:
        user = authenticate(portal, username, password, client_ip(request), "basic")
    except TooManyAttempts:
        raise HTTPException(429) from None
    if user is None:
        return None
    assert found is not None
    portal.basic_cache.remember(username, password, found[1])
    return Identity(user, None)


def page_identity(request: Request) -> Identity:
    """Dependency for pages: a session or the login form."""
    identity = _session_identity(request, portal_of(request))
    if identity is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    request.state.identity = identity
    return identity


def api_identity(request: Request) -> Identity:
    """Dependency for downloads: a session, or HTTP Basic for scripts."""
    portal = portal_of(request)
    identity = _session_identity(request, portal) or _basic_identity(request, portal)
    if identity is None:
        raise HTTPException(401, headers={"WWW-Authenticate": 'Basic realm="Rekon", charset="UTF-8"'})
    request.state.identity = identity
    return identity


def require_role(identity: Identity, role: str) -> None:
    if not identity.user.at_least(role):
        raise HTTPException(403)


def require_csrf(identity: Identity, token: str | None) -> None:
    if identity.session is None or not sessions.csrf_matches(identity.session.csrf_token, token):
        raise HTTPException(403)


def safe_next(path: str | None) -> str:
    """Only a path on this site: `next=//evil.example` must not turn login into an open redirect."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/periods"
    return quote(path, safe="/?=&-_.~%:+")
