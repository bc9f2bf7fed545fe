"""What a letter says, as one dict the DOCX template and the PDF both print: the employer's
identifiers, the finding, the workers affected, contributions and arrears with their formula, the
legal basis, the due date and the letters before it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.portal.arrears import estimate
from pipeline.portal.deadlines import skipped_days
from pipeline.portal.letters.kinds import Kind
from pipeline.portal.text import MONTHS, number, rupiah
from pipeline.reference import category_labels, legal_bases

# Workers printed in a letter's annex; more are counted, and the portal lists them all.
MAX_WORKERS = 500


def tanggal(day: dt.date | str | None) -> str:
    """2026-12-10 -> `10 Desember 2026`."""
    if not day:
        return "-"
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


ADDRESSEES = {
    "SP1": "Pimpinan {employer_name}",
    "SP2": "Pimpinan {employer_name}",
    "TMP2T": "Bupati/Wali Kota {regency_name} u.p. Kepala Dinas Penanaman Modal dan PTSP",
    "SKK": "Kepala Kejaksaan Negeri {regency_name} u.p. Kepala Seksi Perdata dan Tata Usaha Negara",
}


def build(
    kind: Kind,
    finding: dict[str, Any],
    workers: list[dict[str, Any]],
    letter_date: dt.date,
    due_date: dt.date | None,
    period: str,
    previous: list[dict[str, Any]],
    officer: str,
    local_holidays: dict[str, dict[dt.date, str]],
) -> dict[str, Any]:
    arrears = estimate(
        finding.get("estimated_contribution_monthly"), finding.get("first_seen_period"), period
    )
    names = {
        "employer_name": finding.get("employer_name") or finding["employer_key"],
        "regency_name": finding.get("regency_name") or finding.get("regency_code") or "",
    }
    skipped = (
        skipped_days(letter_date, due_date, finding.get("branch_code"), local_holidays) if due_date else []
    )
    return {
        "kind": kind.code,
        "kind_label": kind.label,
        "subject": f"{kind.label} kepatuhan BPJS Ketenagakerjaan",
        "addressee": ADDRESSEES.get(kind.code, "{employer_name}").format(**names),
        "branch_code": finding.get("branch_code") or "",
        "branch_name": finding.get("branch_name") or "Kantor Cabang",
        "letter_date": letter_date.isoformat(),
        "letter_date_text": tanggal(letter_date),
        "due_date": due_date.isoformat() if due_date else "",
        "due_date_text": tanggal(due_date),
        "working_days": kind.working_days,
        "skipped_days": ", ".join(f"{tanggal(d)} ({name})" for d, name in skipped) or "tidak ada",
        "period": period,
        "employer_key": finding["employer_key"],
        "employer_name": names["employer_name"],
        "nib": finding.get("nib") or "-",
        "npwp": finding.get("npwp") or "-",
        "npp": finding.get("npp") or "-",
        "regency": f"{finding.get('regency_code') or '-'} {finding.get('regency_name') or ''}".strip(),
        "category": finding["category"],
        "category_label": category_labels().get(finding["category"], finding["category"]),
        "status": finding.get("status") or "-",
        "first_seen_period": finding.get("first_seen_period") or period,
        "months_listed": arrears.months,
        "workers_affected": number(finding.get("workers_affected")),
        "wage_gap_monthly": rupiah(finding.get("wage_gap_monthly")),
        "missing_programs": finding.get("missing_programs") or "-",
        "evidence": finding.get("evidence") or "-",
        "contribution_monthly": rupiah(arrears.monthly),
        "arrears_principal": rupiah(arrears.principal),
        "arrears_fine": rupiah(arrears.fine),
        "arrears_total": rupiah(arrears.total),
        "arrears_formula": arrears.formula,
        "legal_basis": legal_bases().get(finding["category"], "-"),
        "kind_source": kind.source,
        "previous": [
            {"label": p["label"], "number": p["number"], "date_text": tanggal(p["letter_date"])}
            for p in previous
        ],
        "workers": [
            {
                "nik": w.get("nik") or "-",
                "name": w.get("full_name") or "-",
                "wage": rupiah(w.get("gross_wage")),
            }
            for w in workers[:MAX_WORKERS]
        ],
        "workers_more": max(0, len(workers) - MAX_WORKERS),
        "identity_note": "NIK disamarkan (UU 27/2022).",
        "officer": officer,
    }


def with_full_identities(content: dict[str, Any], workers: list[dict[str, Any]]) -> dict[str, Any]:
    """The SKK annex for the prosecutor: the same letter with full NIKs (for those entitled)."""
    rows = [
        {"nik": w.get("nik") or "-", "name": w.get("full_name") or "-", "wage": rupiah(w.get("gross_wage"))}
        for w in workers[:MAX_WORKERS]
    ]
    note = "NIK lengkap: RAHASIA, hanya untuk Jaksa Pengacara Negara penerima SKK (UU 27/2022)."
    return {**content, "workers": rows, "identity_note": note}
