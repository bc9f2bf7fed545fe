"""The follow-up cycle's pages and actions: my cases, a branch's case list with bulk actions,
assigning a case, issuing and downloading letters, a case's history, the branch trend."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

import pyarrow as pa
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from pipeline.portal import audit, case_reads, cases, exports, followup, queries, users
from pipeline.portal.arrears import estimate
from pipeline.portal.auth import Identity, api_identity, client_ip, page_identity, require_csrf, require_role
from pipeline.portal.context import Portal, portal_of
from pipeline.portal.filters import Filters, InvalidFilter, page_number
from pipeline.portal.letters import content as letter_content
from pipeline.portal.letters import issuing, kinds, numbering, render
from pipeline.portal.render import page
from pipeline.portal.routes.common import checked_employer_key, checked_period

router = APIRouter()
PageUser = Annotated[Identity, Depends(page_identity)]
ApiUser = Annotated[Identity, Depends(api_identity)]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Closed cases stay on "Tugas saya" this long, so the officer sees that they closed.
SHOW_CLOSED = dt.timedelta(days=45)
MAX_BULK = 200


def _finding(portal: Portal, identity: Identity, period: str, employer_key: str, category: str) -> dict:
    """The published finding, within the user's regions, or 404."""
    rows = queries.employer_findings(
        portal.pubs, period, identity.user.scope, employer_key, followup.current_table(portal.engine)
    )
    for row in rows:
        if row["category"] == category:
            return row
    raise HTTPException(404)


AUTO_OFFICER = "Rekon (otomatis)"


def sync_closures(portal: Portal, open_cases: list[dict[str, Any]], username: str, ip: str) -> int:
    """Close the cases whose finding a later publication lists as resolved; returns how many. Runs
    when a page shows the cases (my cases, the case list, the employer), on those cases only; the
    audit names the user whose page view closed them."""
    triples = [
        (c["employer_key"], c["category"], c["period"]) for c in open_cases if not c.get("closed_period")
    ]
    closed = 0
    for (key, category), period in case_reads.resolved_in(portal.pubs, triples).items():
        if cases.close(portal.engine, key, category, period, portal.clock.today()):
            change = followup.Change(
                key,
                category,
                "SELESAI",
                portal.clock.today(),
                AUTO_OFFICER,
                f"Tidak terdaftar lagi pada periode {period}",
                period,
            )
            followup.record(portal.engine, change, username)
            audit.record(portal.engine, "case_close", username, ip, f"{key}/{category}", {"period": period})
            closed += 1
    return closed


def _assignable(portal: Portal, regency_code: str | None) -> list[str]:
    return [
        u.username
        for u in users.list_users(portal.engine)
        if u.active and u.role != "admin" and u.scope.covers(regency_code)
    ]


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Two sets of province/regency codes share ground (62 and 62.71 do)."""
    return any(x == y or x.startswith(y + ".") or y.startswith(x + ".") for x in a for y in b)


def _officers_for(portal: Portal, identity: Identity) -> list[str]:
    """Who the bulk form offers: officers sharing ground with the user's regions (each case is
    still checked against the assignee's regions when assigned)."""
    return [
        u.username
        for u in users.list_users(portal.engine)
        if u.active
        and u.role != "admin"
        and (identity.user.role == "admin" or _overlap(u.regions, identity.user.regions))
    ]


def case_panel(
    portal: Portal, identity: Identity, period: str, findings: list[dict[str, Any]]
) -> dict[str, Any]:
    """What the employer page shows of each finding's case: assignee, letters, due date, arrears,
    the next step and whether this user may take it."""
    pairs = [(f["employer_key"], f["category"]) for f in findings]
    sync_closures(portal, list(cases.of_keys(portal.engine, pairs).values()), identity.user.username, "-")
    found = cases.of_keys(portal.engine, pairs)
    case_letters = cases.letters_of(portal.engine, pairs)
    today = portal.clock.today()
    panel = []
    for f in findings:
        pair = (f["employer_key"], f["category"])
        case = found.get(pair)
        panel.append(
            {
                "finding": f,
                "case": case,
                "letters": case_letters[pair],
                "progress": cases.progress(case, case_letters[pair], today),
                "arrears": estimate(
                    f.get("estimated_contribution_monthly"), f.get("first_seen_period"), period
                ),
                "may_issue": cases.can_issue(
                    identity.user.at_least("supervisor"), case, identity.user.username
                ),
            }
        )
    officers = (
        _assignable(portal, findings[0].get("regency_code")) if identity.user.at_least("supervisor") else []
    )
    return {"cases": panel, "officers": officers, "today_date": today}


@router.get("/tugas")
def my_cases(request: Request, identity: PageUser) -> Response:
    portal = portal_of(request)
    username = identity.user.username
    since = portal.clock.today() - SHOW_CLOSED
    mine = cases.of_assignee(portal.engine, username, since)
    closed_now = sync_closures(portal, mine, username, client_ip(request))
    if closed_now:
        mine = cases.of_assignee(portal.engine, username, since)
    mine = [c for c in mine if identity.user.scope.covers(c.get("regency_code"))]
    pairs = [(c["employer_key"], c["category"]) for c in mine]
    case_letters = cases.letters_of(portal.engine, pairs)
    today = portal.clock.today()
    rows = []
    for c in mine:
        pair = (c["employer_key"], c["category"])
        rows.append(
            {
                "case": c,
                "letters": case_letters[pair],
                "progress": cases.progress(c, case_letters[pair], today),
            }
        )
    # Open cases by due date (overdue first, no letter yet after those with one), closed ones last.
    far = dt.date.max
    rows.sort(
        key=lambda r: (
            bool(r["progress"].closed_period),
            r["progress"].due_date or far,
            r["case"]["employer_name"],
        )
    )
    return page(request, "tasks.html", {"rows": rows, "today_date": today, "closed_now": closed_now})


def _back(request: Request) -> str:
    """The list's query string carried through an employer page (`kembali`), re-encoded from
    parsed pairs so nothing but query parameters can come through."""
    raw = request.query_params.get("kembali", "")[:1000]
    return urlencode(parse_qsl(raw))


@router.get("/periods/{period}/kasus")
def case_list(request: Request, period: str, identity: PageUser) -> Response:
    """The findings of the list with their cases, for a branch head's bulk actions."""
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    try:
        filters = Filters.from_params(request.query_params)
        number = page_number(request.query_params)
    except InvalidFilter:
        raise HTTPException(400) from None
    size = portal.settings.page_size
    rows, total = queries.findings_page(
        portal.pubs, period, identity.user.scope, filters, followup.current_table(portal.engine), number, size
    )
    pairs = [(r["employer_key"], r["category"]) for r in rows]
    sync_closures(
        portal, list(cases.of_keys(portal.engine, pairs).values()), identity.user.username, client_ip(request)
    )
    found = cases.of_keys(portal.engine, pairs)
    case_letters = cases.letters_of(portal.engine, pairs)
    today = portal.clock.today()
    for r in rows:
        pair = (r["employer_key"], r["category"])
        r["case"] = found.get(pair)
        r["progress"] = cases.progress(found.get(pair), case_letters[pair], today)
    context = {
        "period": period,
        "filters": filters,
        "rows": rows,
        "total": total,
        "page_no": number,
        "pages": max(1, math.ceil(total / size)),
        "options": queries.filter_options(portal.pubs, period, identity.user.scope),
        "officers": _officers_for(portal, identity),
        "result": _bulk_result(request.query_params.get("hasil", "")),
    }
    return page(request, "cases.html", context)


@router.post("/periods/{period}/kasus")
async def bulk_action(request: Request, period: str, identity: PageUser) -> Response:
    """Assign the selected cases, or issue SP1 on each; each one checked and audited on its own."""
    require_role(identity, "supervisor")
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    form = await request.form()
    require_csrf(identity, str(form.get("csrf_token") or ""))
    action = str(form.get("aksi") or "")
    selected = [str(v) for v in form.getlist("pilih")][:MAX_BULK]
    officer = str(form.get("petugas") or "")
    back = urlencode(parse_qsl(str(form.get("kembali") or "")[:1000]))
    done, refused = 0, 0
    for value in selected:
        key, _, category = value.partition("|")
        checked_employer_key(key)
        try:
            finding = _finding(portal, identity, period, key, category)
        except HTTPException:
            refused += 1
            continue
        if action == "tugaskan":
            if officer not in _assignable(portal, finding.get("regency_code")):
                refused += 1
                continue
            _assign(portal, request, identity, finding, period, officer)
            done += 1
        elif action == "sp1":
            try:
                _, new = issuing.issue(
                    portal, finding, period, "SP1", identity.user.username, client_ip(request)
                )
            except issuing.NotAllowed:
                refused += 1
                continue
            done += new
            refused += not new
        else:
            raise HTTPException(400)
    query = urlencode([*parse_qsl(back), ("hasil", f"{done}-{refused}")])
    return RedirectResponse(f"/periods/{period}/kasus?{query}", 303)


def _bulk_result(value: str) -> str:
    """`3-1` -> the message after a bulk action (counts only: no text is taken from the URL)."""
    done, _, refused = value.partition("-")
    if not (done.isdigit() and refused.isdigit() and len(value) < 12):
        return ""
    return f"{int(done)} kasus diproses, {int(refused)} dilewati."


def _assign(
    portal: Portal, request: Request, identity: Identity, finding: dict, period: str, officer: str
) -> None:
    cases.ensure(portal.engine, finding, period)
    before = cases.assign(
        portal.engine, finding["employer_key"], finding["category"], officer, identity.user.username
    )
    audit.record(
        portal.engine,
        "case_assign",
        identity.user.username,
        client_ip(request),
        f"{finding['employer_key']}/{finding['category']}",
        {"from": before, "to": officer, "period": period},
    )


def _employer_url(period: str, key: str, request: Request, **extra: str) -> str:
    params = [*([("kembali", _back(request))] if _back(request) else []), *extra.items()]
    return f"/periods/{period}/employers/{key}" + (f"?{urlencode(params)}" if params else "") + "#kasus"


@router.post("/periods/{period}/employers/{employer_key}/kasus/{category}/tugaskan")
def assign_case(
    request: Request,
    period: str,
    employer_key: str,
    category: str,
    identity: PageUser,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    petugas: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    require_role(identity, "supervisor")
    require_csrf(identity, csrf_token)
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    checked_employer_key(employer_key)
    finding = _finding(portal, identity, period, employer_key, category)
    if petugas not in _assignable(portal, finding.get("regency_code")):
        raise HTTPException(400)
    _assign(portal, request, identity, finding, period, petugas)
    return RedirectResponse(_employer_url(period, employer_key, request, hasil="ditugaskan"), 303)


@router.post("/periods/{period}/employers/{employer_key}/kasus/{category}/surat/{kind}")
def issue_letter(
    request: Request,
    period: str,
    employer_key: str,
    category: str,
    kind: str,
    identity: PageUser,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    require_csrf(identity, csrf_token)
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    checked_employer_key(employer_key)
    if kind not in kinds.codes():
        raise HTTPException(404)
    finding = _finding(portal, identity, period, employer_key, category)
    case = cases.get(portal.engine, employer_key, category)
    if not cases.can_issue(identity.user.at_least("supervisor"), case, identity.user.username):
        raise HTTPException(403)
    try:
        letter, _ = issuing.issue(portal, finding, period, kind, identity.user.username, client_ip(request))
    except issuing.NotAllowed as exc:
        from pipeline.portal.routes.pages import _employer_page  # pages imports this module

        return _employer_page(request, identity, period, employer_key, status_code=409, letter_error=str(exc))
    return RedirectResponse(_employer_url(period, employer_key, request, surat=str(letter.id)), 303)


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
            audit.record(
                portal.engine,
                "view_full_identity",
                identity.user.username,
                client_ip(request),
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
        data, media = render.pdf(body), "application/pdf"
    filename = (
        f"{letter.kind}_{letter.employer_key}_{letter.number.split('/')[0]}-{letter.letter_date.year}.{fmt}"
    )
    audit.record(
        portal.engine,
        "download",
        identity.user.username,
        client_ip(request),
        filename,
        {"letter": letter.number},
    )
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/api/kasus/{employer_key}/{category}/riwayat.xlsx")
def case_history(request: Request, employer_key: str, category: str, identity: ApiUser) -> Response:
    """A case's history as one sheet: assignment, letters with numbers and due dates, stage changes."""
    portal = portal_of(request)
    checked_employer_key(employer_key)
    case = cases.get(portal.engine, employer_key, category)
    if case is None or not identity.user.scope.covers(case.get("regency_code")):
        raise HTTPException(404)
    events: list[dict[str, Any]] = []
    for e in followup.history(portal.engine, employer_key, [category]):
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
    audit.record(
        portal.engine,
        "download",
        identity.user.username,
        client_ip(request),
        filename,
        {"rows": table.num_rows},
    )
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/tren")
def trend(request: Request, identity: PageUser) -> Response:
    """Per branch: findings and coverage over the published periods, as inline SVG."""
    portal = portal_of(request)
    branch = request.query_params.get("cabang", "")
    if branch and not (len(branch) <= 20 and branch.replace("-", "").isalnum()):
        raise HTTPException(400)
    rows = case_reads.branch_trend(portal.pubs, identity.user.scope, branch)
    periods = portal.pubs.periods()
    branches = (
        queries.filter_options(portal.pubs, periods[0], identity.user.scope)["branches"] if periods else []
    )
    return page(request, "trend.html", {"rows": rows, "branch": branch, "branches": branches})
