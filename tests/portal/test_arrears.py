"""Arrears: contributions since first listed, and 2 % a month on each month's late contribution."""

from __future__ import annotations

from pipeline.portal.arrears import estimate, monthly_rate, months_between


def test_months_count_both_ends() -> None:
    assert months_between("2026-10", "2026-10") == 1
    assert months_between("2025-11", "2026-10") == 12


def test_rate_comes_from_reference_data() -> None:
    assert monthly_rate("2026-10") == 0.02
    assert monthly_rate("2010-01") == 0.0


def test_three_months_listed() -> None:
    a = estimate(1_000_000, "2026-08", "2026-10")
    # principal 3 x 1,000,000; fine: August late 2 months, September 1, October 0 -> 3 x 2 % x 1 M
    assert (a.months, a.principal, a.fine, a.total) == (3, 3_000_000, 60_000, 3_060_000)
    assert "Rp 1.000.000 x 2% x 3 bulan keterlambatan (0 + 1 + 2) = Rp 60.000" in a.formula
    assert a.formula.endswith("jumlah Rp 3.060.000.")


def test_first_month_has_no_fine_and_missing_contribution_is_zero() -> None:
    first = estimate(500_000, "2026-10", "2026-10")
    assert first.fine == 0 and "belum terlambat" in first.formula
    assert estimate(None, None, "2026-10").total == 0
