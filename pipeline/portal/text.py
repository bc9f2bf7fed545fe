"""Numbers, dates and month names as an Indonesian reader expects them on pages, in letters and
in the referral PDF."""

from __future__ import annotations

from typing import Any

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def number(value: Any, decimals: int = 0) -> str:
    """1234567.5 -> `1.234.567` (Indonesian: `.` groups thousands, `,` marks decimals)."""
    if value is None or value == "":
        return "-"
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def rupiah(value: Any) -> str:
    return "-" if value is None or value == "" else f"Rp {number(value)}"
