"""Error responses that say what happened and nothing more: no stack, no path, no record."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from pipeline.portal.auth import LoginRequired, TooManyAttempts
from pipeline.portal.render import page

log = logging.getLogger(__name__)

MESSAGES = {
    400: "Permintaan tidak valid.",
    401: "Silakan masuk terlebih dahulu.",
    403: "Anda tidak berhak membuka halaman ini.",
    # Also what a user gets for an employer outside their regions: it must not tell them it exists.
    404: "Halaman tidak ditemukan.",
    405: "Metode tidak diizinkan.",
    # An XLSX download longer than one Excel sheet (pipeline/portal/exports.py).
    413: "Daftar terlalu panjang untuk satu lembar Excel. Gunakan unduhan CSV.",
    429: "Terlalu banyak percobaan masuk. Coba lagi nanti.",
    500: "Terjadi kesalahan pada server.",
}


def error_response(request: Request, status: int, headers: dict[str, str] | None = None) -> Response:
    message = MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500])
    if request.url.path.startswith("/api/"):
        return PlainTextResponse(message + "\n", status_code=status, headers=headers)
    response = page(request, "error.html", {"status": status, "message": message}, status_code=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 400)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/login?" + urlencode({"next": exc.next_path}), status_code=303)

    @app.exception_handler(TooManyAttempts)
    async def throttled(request: Request, exc: TooManyAttempts) -> Response:
        return error_response(request, 429)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500)
