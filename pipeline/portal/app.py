"""The portal's FastAPI application, wired from its parts."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import PlainTextResponse, Response
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from pipeline.portal import case_tables, errors
from pipeline.portal.config import Settings
from pipeline.portal.context import BasicAuthCache, Portal
from pipeline.portal.db import connect
from pipeline.portal.published import Publications
from pipeline.portal.routes import (
    accounts,
    admin,
    api,
    casework,
    letter_downloads,
    login,
    pages,
    review,
    trend,
)
from pipeline.portal.security import SecurityHeaders

assert case_tables.cases is not None  # its tables must be on the metadata before connect()
STYLESHEET = Path(__file__).with_name("static") / "rekon.css"


def create_app(settings: Settings) -> FastAPI:
    # No OpenAPI page or schema: the URLs are documented in the README, and an unauthenticated
    # description of every route helps nobody but a prober.
    app = FastAPI(title="Rekon", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = Portal(
        settings=settings,
        engine=connect(settings.db_url),
        pubs=Publications(settings.data_dir),
        basic_cache=BasicAuthCache(settings.basic_auth_cache_seconds),
    )
    errors.install(app)
    for module in (login, pages, api, admin, casework, letter_downloads, trend, accounts):
        app.include_router(module.router)
    app.include_router(review.router)
    app.include_router(review.api_router)
    css = STYLESHEET.read_bytes()

    # One fixed file, not a static folder: no part of a request path is ever used to open a file.
    @app.get("/static/rekon.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response(css, media_type="text/css; charset=utf-8")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        return PlainTextResponse("ok\n")

    app.add_middleware(SecurityHeaders, hsts=settings.cookie_secure)
    if settings.trusted_proxies:
        # Outermost: every route, the login throttle and the audit log see the client's address.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    return app
