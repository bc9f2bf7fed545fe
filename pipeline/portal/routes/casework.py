"""The follow-up cycle's pages and actions: my cases, a branch's case list with bulk actions,
assigning a case, issuing letters, and the case panel of the employer page."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from pipeline.portal import audit, cases, closing, followup, queries, users
from pipeline.portal.arrears import estimate
from pipeline.portal.auth import Identity, client_ip, require_role
from pipeline.portal.context import Portal, portal_of
from pipeline.portal.letters import issuing, kinds
from pipeline.portal.render import page
from pipeline.portal.routes.common import (
    FormUser,
    PageUser,
    Username,
    checked_employer,
    checked_employer_key,
    checked_period,
    findings_list,
    list_query,
)

router = APIRouter()
# Closed cases stay on "Tugas saya" this long, so the officer sees that they closed.
SHOW_CLOSED = dt.timedelta(days=45)
MAX_BULK = 200


def _finding(portal: Portal, identity: Identity, period: str, employer_key: str, category: str) -> dict:
    """The published finding, within the user's regions, or 404."""
    scope = identity.user.scope
    rows = queries.employer_findings(
        portal.pubs, period, scope, employer_key, followup.current_table(portal.engine, scope)
    )
    for row in rows:
        if row["category"] == category:
            return row
    raise HTTPException(404)


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
    closing.sync(portal, list(cases.of_keys(portal.engine, pairs).values()), identity.user.username, "-")
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
    closed_now = closing.sync(portal, mine, username, client_ip(request))
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
    filters, number = list_query(request)
    scope = identity.user.scope
    context = findings_list(
        portal, period, scope, filters, followup.current_table(portal.engine, scope), number
    )
    rows = context["rows"]
    pairs = [(r["employer_key"], r["category"]) for r in rows]
    closing.sync(
        portal, list(cases.of_keys(portal.engine, pairs).values()), identity.user.username, client_ip(request)
    )
    found = cases.of_keys(portal.engine, pairs)
    case_letters = cases.letters_of(portal.engine, pairs)
    today = portal.clock.today()
    for r in rows:
        pair = (r["employer_key"], r["category"])
        r["case"] = found.get(pair)
        r["progress"] = cases.progress(found.get(pair), case_letters[pair], today)
    context["officers"] = _officers_for(portal, identity)
    context["result"] = _bulk_result(request.query_params.get("hasil", ""))
    return page(request, "cases.html", context)


@router.post("/periods/{period}/kasus")
async def bulk_action(request: Request, period: str, identity: FormUser) -> Response:
    """Assign the selected cases, or issue SP1 on each; each one checked and audited on its own."""
    require_role(identity, "supervisor")
    portal = portal_of(request)
    checked_period(portal.pubs, period)
    form = await request.form()
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
    identity: FormUser,
    petugas: Username = "",
) -> Response:
    require_role(identity, "supervisor")
    portal = checked_employer(request, period, employer_key)
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
    identity: FormUser,
) -> Response:
    portal = checked_employer(request, period, employer_key)
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
