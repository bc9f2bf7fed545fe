"""Downloads of the follow-up cycle: a letter as DOCX or PDF, a case's history as XLSX."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from pipeline.portal import cases, exports, followup, queries
from pipeline.portal.auth import Identity
from pipeline.portal.context import Portal, portal_of
from pipeline.portal.letters import content as letter_content
from pipeline.portal.letters import numbering, render
from pipeline.portal.routes.common import ApiUser, checked_employer_key, record_full_identity
from pipeline.portal.routes.downloads import DOCX, PDF, XLSX, download

router = APIRouter()


def _letter_for(portal: Portal, identity: Identity, letter_id: int) -> tuple[numbering.Letter, dict]:
    letter = numbering.by_id(portal.engine, letter_id)
    if letter is None:
        raise HTTPException(404)
    case = cases.get(portal.engine, letter.employer_key, letter.category)
    if case is None or not identity.user.scope.covers(case.get("regency_code")):
        raise HTTPException(404)
    return letter, case


def _letter_body(portal: Portal, request: Request, identity: Identity, letter: numbering.Letter) -> dict:
    """The frozen content; the SKK annex with full NIKs for those entitled (audited)."""
    body = letter.content
    if letter.kind == "SKK" and identity.user.at_least("supervisor") and portal.pubs.has(letter.period):
        workers = queries.employer_workers(
            portal.pubs, letter.period, letter.employer_key, [letter.category], True
        )
        if workers:
            body = letter_content.with_full_identities(body, workers)
            record_full_identity(
                portal,
                request,
                identity,
                f"{letter.period}/{letter.employer_key}",
                {"letter": letter.number, "workers": len(workers)},
            )
    return body


@router.get("/api/letters/{letter_id}.{fmt}")
def download_letter(request: Request, letter_id: int, fmt: str, identity: ApiUser) -> Response:
    portal = portal_of(request)
    if fmt not in ("docx", "pdf"):
        raise HTTPException(404)
    letter, case = _letter_for(portal, identity, letter_id)
    body = _letter_body(portal, request, identity, letter)
    if fmt == "docx":
        data = render.docx(
            render.template_path(portal.settings.data_dir, letter.branch_code, letter.kind), body
        )
        media = DOCX
    else:
        data, media = render.pdf(body), PDF
    filename = (
        f"{letter.kind}_{letter.employer_key}_{letter.number.split('/')[0]}-{letter.letter_date.year}.{fmt}"
    )
    return download(portal, request, identity, data, media, filename, {"letter": letter.number})


@router.get("/api/kasus/{employer_key}/{category}/riwayat.xlsx")
def case_history(request: Request, employer_key: str, category: str, identity: ApiUser) -> Response:
    """A case's history as one sheet: assignment, letters with numbers and due dates, stage changes."""
    portal = portal_of(request)
    checked_employer_key(employer_key)
    case = cases.get(portal.engine, employer_key, category)
    if case is None or not identity.user.scope.covers(case.get("regency_code")):
        raise HTTPException(404)
    events: list[dict[str, Any]] = []
    for e in followup.history(portal.engine, employer_key, [category], identity.user.scope):
        events.append(
            {
                "tanggal": e["stage_date"],
                "peristiwa": "Tahap tindak lanjut",
                "tahap": e["stage"],
                "nomor_surat": "",
                "batas_waktu": None,
                "petugas": e["officer"],
                "catatan": e["note"] or "",
                "dicatat_oleh": e["recorded_by"],
            }
        )
    for letter in cases.letters_of(portal.engine, [(employer_key, category)])[(employer_key, category)]:
        events.append(
            {
                "tanggal": letter["letter_date"],
                "peristiwa": f"Surat {letter['kind']} diterbitkan",
                "tahap": letter["kind"],
                "nomor_surat": letter["number"],
                "batas_waktu": letter["due_date"],
                "petugas": letter["issued_by"],
                "catatan": "",
                "dicatat_oleh": letter["issued_by"],
            }
        )
    if case.get("assigned_at"):
        events.append(
            {
                "tanggal": case["assigned_at"].date(),
                "peristiwa": "Penugasan",
                "tahap": "",
                "nomor_surat": "",
                "batas_waktu": None,
                "petugas": case["assignee"] or "",
                "catatan": "",
                "dicatat_oleh": case["assigned_by"] or "",
            }
        )
    if case.get("closed_period"):
        events.append(
            {
                "tanggal": case["closed_on"],
                "peristiwa": "Kasus selesai",
                "tahap": "SELESAI",
                "nomor_surat": "",
                "batas_waktu": None,
                "petugas": "",
                "catatan": f"Tidak terdaftar lagi pada periode {case['closed_period']}",
                "dicatat_oleh": "",
            }
        )
    events.sort(key=lambda e: (e["tanggal"], e["peristiwa"]))
    schema = pa.schema(
        [
            ("tanggal", pa.date32()),
            ("peristiwa", pa.string()),
            ("tahap", pa.string()),
            ("nomor_surat", pa.string()),
            ("batas_waktu", pa.date32()),
            ("petugas", pa.string()),
            ("catatan", pa.string()),
            ("dicatat_oleh", pa.string()),
        ]
    )
    table = pa.Table.from_pylist(events, schema=schema)
    title = f"Riwayat kasus {case['employer_name']} ({employer_key}), {category}"
    body = exports.to_xlsx(table, "Riwayat kasus", title)
    filename = f"riwayat_{employer_key}_{category}.xlsx"
    return download(portal, request, identity, body, XLSX, filename, {"rows": table.num_rows})
