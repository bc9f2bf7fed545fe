"""Rendered pages kept for the user who asked for them, keyed to the publication.

A page shows the user's name, role and regions, and the session's CSRF token: a rendered page is
only ever given again to the same user (same role and regions), for the same address, while the
publication (its manifest hash) and the follow-up records (their version) are the same, so a new
publication or a recorded follow-up makes every kept page unreachable. The page is rendered with
a stand-in token that each session's answer replaces with its own, so that the user's sessions
(each officer's browser and each process's first view) share one rendering. Kept in the
process's memory, a bounded number."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from fastapi import Request
from starlette.responses import Response

from pipeline.portal.auth import Identity

MAX_PAGES = 400
# URL-safe like every real token, so that HTML escaping leaves both alike.
_STAND_IN = secrets.token_urlsafe(32)

_pages: OrderedDict[tuple, tuple[int, bytes, str]] = OrderedDict()
_lock = threading.Lock()


def cached_page(
    request: Request, identity: Identity, publication: str, followups: str, render: Callable[[], Response]
) -> Response:
    """The page `render` makes, or the one it made for this user, address and state, with this
    session's CSRF token."""
    session = identity.session
    if session is None:
        return render()
    user = identity.user
    key = (user.id, user.username, user.role, user.scope, publication, followups, str(request.url))
    with _lock:
        found = _pages.get(key)
        if found is not None:
            _pages.move_to_end(key)
    if found is None:
        request.state.identity = Identity(user, replace(session, csrf_token=_STAND_IN))
        try:
            response = render()
        finally:
            request.state.identity = identity
        found = (response.status_code, bytes(response.body), response.media_type or "text/html")
        if response.status_code == 200:
            with _lock:
                _pages[key] = found
                while len(_pages) > MAX_PAGES:
                    _pages.popitem(last=False)
    status, body, media_type = found
    own = body.replace(_STAND_IN.encode(), session.csrf_token.encode())
    return Response(own, status_code=status, media_type=media_type)
