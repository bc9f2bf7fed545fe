"""Rendered pages kept for the session that asked for them, keyed to the publication.

A page shows the user's name and the session's CSRF token, so a rendered page is only ever
given again to the same session, for the same address, while the publication (its manifest
hash) and the follow-up records (their version) are the same: a new publication or a recorded
follow-up makes every kept page unreachable. Kept in the process's memory, a bounded number."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request
from starlette.responses import Response

from pipeline.portal.auth import Identity

MAX_PAGES = 400

_pages: OrderedDict[tuple, tuple[int, bytes, str]] = OrderedDict()
_lock = threading.Lock()


def cached_page(
    request: Request, identity: Identity, publication: str, followups: str, render: Callable[[], Response]
) -> Response:
    """The page `render` makes, or the one it made for this session, address and state."""
    if identity.session is None:
        return render()
    user = identity.user
    key = (
        identity.session.token_hash,
        identity.session.csrf_token,
        user.username,
        user.role,
        user.scope,
        publication,
        followups,
        str(request.url),
    )
    with _lock:
        found = _pages.get(key)
        if found is not None:
            _pages.move_to_end(key)
    if found is not None:
        status, body, media_type = found
        return Response(body, status_code=status, media_type=media_type)
    response = render()
    if response.status_code == 200:
        with _lock:
            _pages[key] = (response.status_code, bytes(response.body), response.media_type or "text/html")
            while len(_pages) > MAX_PAGES:
                _pages.popitem(last=False)
    return response
