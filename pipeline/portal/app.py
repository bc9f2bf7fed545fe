"""The portal's FastAPI application, wired from its parts."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from starlette.responses import PlainTextResponse, Response
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from pipeline.portal import case_tables, errors
from pipeline.portal.config import Settings, settings_from_env
from pipeline.portal.context import BasicAuthCache, Portal
from pipeline.portal.db import connect
from pipeline.portal.passwords import set_hashing_threads
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
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Sync routes run on anyio's thread pool: one thread per request in flight, up to this.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        yield

    app = FastAPI(title="Rekon", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.portal = Portal(
        settings=settings,
        engine=connect(settings.db_url, pool_size=settings.threads),
        pubs=Publications(settings.data_dir, settings.duckdb_threads),
        basic_cache=BasicAuthCache(settings.basic_auth_cache_seconds),
    )
    set_hashing_threads(settings.hash_threads)

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


# `rekon serve` starts its worker processes on this factory: each builds its own app (its own
# DuckDB, database pool and hashing pool) from the environment `rekon serve` set.
DATA_ENV = "REKON_PORTAL_DATA"


def app_from_env() -> FastAPI:
    return create_app(settings_from_env(Path(os.environ[DATA_ENV])))
