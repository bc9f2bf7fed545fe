"""Estimated arrears of a finding: the unpaid contributions since it was first listed, and the
late-payment fine of 2 % a month (`pipeline/reference/late_payment_fines.csv`) on each month's
contribution for as long as it has been late."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from pipeline.portal.text import number, rupiah
from pipeline.reference import REFERENCE_DIR

FINES_CSV = REFERENCE_DIR / "late_payment_fines.csv"


@cache
def _rates() -> list[tuple[str, float]]:
    with FINES_CSV.open(encoding="utf-8", newline="") as f:
        return sorted((row["effective_from"], float(row["monthly_rate"])) for row in csv.DictReader(f))


def monthly_rate(period: str) -> float:
    """The rate in force on the first day of `period` (YYYY-MM)."""
    day = f"{period}-01"
    rates = [rate for since, rate in _rates() if since <= day]
    return rates[-1] if rates else 0.0


def months_between(first_period: str, period: str) -> int:
    """Months listed from `first_period` to `period`, both counted (2026-09 -> 2026-10 is 2)."""
    (y0, m0), (y1, m1) = (map(int, first_period.split("-")), map(int, period.split("-")))
    return max(1, (y1 - y0) * 12 + (m1 - m0) + 1)


@dataclass(frozen=True)
class Arrears:
    monthly: float
    months: int
    rate: float
    principal: float  # monthly x months
    fine: float  # monthly x rate x (0 + 1 + ... + months-1): each month's due is late that many months
    total: float
    formula: str  # the computation in words and figures, for the page and the letter


def estimate(monthly: float | None, first_seen_period: str | None, period: str) -> Arrears:
    monthly = float(monthly or 0)
    months = months_between(first_seen_period or period, period)
    rate = monthly_rate(period)
    late_months = months * (months - 1) // 2
    principal = monthly * months
    fine = monthly * rate * late_months
    pct = number(rate * 100, 1 if (rate * 100) % 1 else 0)
    if months == 1:
        fine_text = "belum ada (iuran bulan pertama belum terlambat)"
    else:
        series = " + ".join(map(str, range(months))) if months <= 4 else f"0 + 1 + ... + {months - 1}"
        fine_text = (
            f"{rupiah(monthly)} x {pct}% x {late_months} bulan keterlambatan ({series}) = {rupiah(fine)}"
        )
    formula = (
        f"Iuran tertunggak = {rupiah(monthly)} x {months} bulan (sejak {first_seen_period or period}) = "
        f"{rupiah(principal)}; denda {fine_text}; jumlah {rupiah(principal + fine)}."
    )
    return Arrears(monthly, months, rate, principal, fine, principal + fine, formula)
