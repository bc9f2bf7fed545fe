"""Issuing the next letter on a case: the order of letters, the due date, the content, the number,
the follow-up stage it moves to, and the audit record, in that order."""

from __future__ import annotations

from typing import Any

from pipeline.portal import audit, cases, followup, queries
from pipeline.portal.context import Portal
from pipeline.portal.deadlines import add_working_days, branch_holidays
from pipeline.portal.letters import content as letter_content
from pipeline.portal.letters import kinds, numbering


class NotAllowed(ValueError):
    """The letter cannot be issued now; the message (Bahasa Indonesia) says why."""


def issue(
    portal: Portal, finding: dict[str, Any], period: str, kind_code: str, username: str, ip: str
) -> tuple[numbering.Letter, bool]:
    """Issue `kind_code` on the finding's case, or return it when it was issued before."""
    key, category = finding["employer_key"], finding["category"]
    existing = numbering.find(portal.engine, key, category, kind_code)
    if existing:
        return existing, False
    kind = kinds.kind(kind_code)
    cases.ensure(portal.engine, finding, period)
    case = cases.get(portal.engine, key, category)
    case_letters = cases.letters_of(portal.engine, [(key, category)])[(key, category)]
    if any(letter["kind"] == kind_code for letter in case_letters):
        # Issued by a request running alongside this one since the first look.
        issued = numbering.find(portal.engine, key, category, kind_code)
        assert issued is not None
        return issued, False
    today = portal.clock.today()
    state = cases.progress(case, case_letters, today)
    if state.closed_period:
        raise NotAllowed(f"Kasus sudah selesai pada periode {state.closed_period}.")
    if state.next_kind is None or state.next_kind.code != kind_code:
        expected = state.next_kind.code if state.next_kind else "-"
        raise NotAllowed(f"Surat berikutnya untuk kasus ini adalah {expected}, bukan {kind_code}.")
    if not state.next_allowed:
        raise NotAllowed(
            f"Batas waktu {state.last_letter['kind']} belum lewat ({state.due_date}); "
            "surat berikutnya dapat diterbitkan setelah itu."
        )
    local = branch_holidays()
    branch = finding.get("branch_code") or "BELUM-DIPETAKAN"
    due = add_working_days(today, kind.working_days, branch, local) if kind.working_days else None
    workers = queries.employer_workers(portal.pubs, period, key, [category], full=False)
    previous = [
        {"label": kinds.kind(p["kind"]).label, "number": p["number"], "letter_date": p["letter_date"]}
        for p in case_letters
    ]
    body = letter_content.build(kind, finding, workers, today, due, period, previous, username, local)
    letter, new = numbering.issue(
        portal.engine, key, category, kind_code, branch, today, due, period, username, body
    )
    if new:
        before = followup.current_stage(portal.engine, key, category)
        change = followup.Change(
            key,
            category,
            kind.stage,
            today,
            username,
            f"{kind.label} nomor {letter.number}",
            period,
            finding.get("regency_code"),
        )
        followup.record(portal.engine, change, username)
        audit.record(
            portal.engine,
            "letter_issue",
            username,
            ip,
            f"{key}/{category}",
            {"kind": kind_code, "number": letter.number, "due": due, "from": before, "to": kind.stage},
        )
    return letter, new
