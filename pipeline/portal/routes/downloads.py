"""A download as the portal answers it: an attachment under its file name, recorded in the audit
log (who, from where, which file, and what it held) before it is sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
from fastapi import HTTPException, Request
from starlette.responses import Response, StreamingResponse

from pipeline.portal import audit, exports
from pipeline.portal.auth import Identity, client_ip
from pipeline.portal.context import Portal

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def attachment(filename: str) -> dict[str, str]:
    """The header that makes a browser save the answer as `filename`."""
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def record(
    portal: Portal, request: Request, identity: Identity, filename: str, detail: dict[str, Any]
) -> None:
    audit.record(portal.engine, "download", identity.user.username, client_ip(request), filename, detail)


def download(
    portal: Portal,
    request: Request,
    identity: Identity,
    body: bytes,
    media_type: str,
    filename: str,
    detail: dict[str, Any],
) -> Response:
    """`body` as the file `filename`, recorded."""
    record(portal, request, identity, filename, detail)
    return Response(body, media_type=media_type, headers=attachment(filename))


def streamed(
    portal: Portal,
    request: Request,
    identity: Identity,
    chunks: Iterator[bytes],
    filename: str,
    detail: dict[str, Any],
) -> Response:
    """A CSV file sent as it is written, recorded."""
    record(portal, request, identity, filename, detail)
    return StreamingResponse(chunks, media_type=CSV, headers=attachment(filename))


def suffix(request: Request) -> str:
    """The kind of file asked for, `csv` or `xlsx`: the ending of the path of a route that serves
    one list as either."""
    return request.url.path.rsplit(".", 1)[-1]


def table_download(
    portal: Portal,
    request: Request,
    identity: Identity,
    table: pa.Table,
    name: str,
    sheet: str,
    title: str,
    detail: dict[str, Any],
    formats: dict[str, str] | None = None,
) -> Response:
    """A list as the CSV or XLSX file the path asks for (`suffix`), spreadsheet-safe either way,
    recorded; `formats` are number formats of XLSX columns."""
    if suffix(request) == "csv":
        return download(portal, request, identity, exports.to_csv(table), CSV, f"{name}.csv", detail)
    try:
        body = exports.to_xlsx(table, sheet, title, formats)
    except exports.TooManyRows:
        raise HTTPException(413) from None
    return download(portal, request, identity, body, XLSX, f"{name}.xlsx", detail)
