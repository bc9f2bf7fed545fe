"""What the routes share: who asks (a page's user, a download's, a form's once its CSRF token is
checked), the form fields several forms take, and the checks of a request: a published period, a
well-formed employer key, a list's query parameters, an employer's findings within the user's
regions; a page of the findings list; the audit record of a view of full NIKs."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

import pyarrow as pa
from fastapi import Depends, Form, HTTPException, Request

from pipeline.portal import audit, queries, serving
from pipeline.portal.auth import MAX_NAME, Identity, api_identity, client_ip, page_identity, require_csrf
from pipeline.portal.context import Portal, portal_of
from pipeline.portal.filters import Filters, InvalidFilter, page_number
from pipeline.portal.published import Publications
from pipeline.portal.scope import Scope

EMPLOYER_KEY = re.compile(r"^[0-9A-Za-z.-]{1,32}$")

# Who asks: a page needs a session (else the login form); a download takes HTTP Basic too.
PageUser = Annotated[Identity, Depends(page_identity)]
ApiUser = Annotated[Identity, Depends(api_identity)]
# The longest CSRF token a form may post; a session's own is 43 characters.
MAX_CSRF = 200

# A user name typed or chosen in a form (the account to reset, the officer to assign).
Username = Annotated[str, Form(max_length=MAX_NAME)]
# A note typed into a form; what it is a note on checks its own, shorter limit.
Note = Annotated[str, Form(max_length=5000)]
# A password typed into a form (current, new, repeated): long passphrases welcome, no more.
Password = Annotated[str, Form(max_length=1000)]


def checked_period(pubs: Publications, period: str) -> str:
    if not pubs.has(period):
        raise HTTPException(404)
    return period


def checked_employer_key(employer_key: str) -> str:
    if not EMPLOYER_KEY.match(employer_key):
        raise HTTPException(404)
    return employer_key


def checked_employer(request: Request, period: str, employer_key: str) -> Portal:
    """The portal, for a request about one employer in one period: 404 unless the period is
    published and the key well-formed."""
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    checked_employer_key(employer_key)
    return portal


def list_query(request: Request) -> tuple[Filters, int]:
    """A findings list's filters and page number from the query string, or 400."""
    try:
        return Filters.from_params(request.query_params), page_number(request.query_params)
    except InvalidFilter:
        raise HTTPException(400) from None


def employer_findings(
    portal: Portal, identity: Identity, period: str, employer_key: str
) -> list[dict[str, Any]]:
    """The employer's published findings of `period` within the user's regions, or 404."""
    scope = identity.user.scope
    rows = queries.employer_findings(
        portal.pubs, period, scope, employer_key, serving.followups(portal.engine, scope).table
    )
    if not rows:
        raise HTTPException(404)
    return rows


async def form_identity(request: Request, identity: PageUser) -> Identity:
    """Dependency for a page's form: the session's user, once the posted CSRF token is the session's."""
    token = (await request.form()).get("csrf_token")
    require_csrf(identity, token if isinstance(token, str) and len(token) <= MAX_CSRF else "")
    return identity


# The user posting a page's form: every form of a session carries its token (the login form's is
# checked against a cookie of its own).
FormUser = Annotated[Identity, Depends(form_identity)]


def findings_list(
    portal: Portal, period: str, scope: Scope, filters: Filters, followups: pa.Table, number: int
) -> dict[str, Any]:
    """A page of the findings list and what its template shows around it: the filters and their
    options, the count and the pages (the findings page and the case list show the same list)."""
    size = portal.settings.page_size
    rows, total = queries.findings_page(portal.pubs, period, scope, filters, followups, number, size)
    return {
        "period": period,
        "filters": filters,
        "rows": rows,
        "total": total,
        "page_no": number,
        "pages": max(1, math.ceil(total / size)),
        "options": queries.filter_options(portal.pubs, period, scope),
    }


def record_full_identity(
    portal: Portal, request: Request, identity: Identity, target: str, detail: dict[str, Any]
) -> None:
    """Record that the user was shown full NIKs (`target`: where), as every such view is."""
    audit.record(
        portal.engine, "view_full_identity", identity.user.username, client_ip(request), target, detail
    )
