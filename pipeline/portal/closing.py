"""Closing cases whose finding a later publication lists as resolved (SELESAI there)."""

from __future__ import annotations

from typing import Any

from pipeline.portal import audit, case_reads, cases, followup
from pipeline.portal.context import Portal

AUTO_OFFICER = "Rekon (otomatis)"


def sync(portal: Portal, open_cases: list[dict[str, Any]], username: str, ip: str) -> int:
    """Close the cases whose finding a later publication lists as resolved; returns how many. Runs
    when a page shows the cases (my cases, the case list, the employer), on those cases only; the
    audit names the user whose page view closed them."""
    open_now = [c for c in open_cases if not c.get("closed_period")]
    triples = [(c["employer_key"], c["category"], c["period"]) for c in open_now]
    regency = {(c["employer_key"], c["category"]): c.get("regency_code") for c in open_now}
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
                regency[(key, category)],
            )
            followup.record(portal.engine, change, username)
            audit.record(portal.engine, "case_close", username, ip, f"{key}/{category}", {"period": period})
            closed += 1
    return closed
