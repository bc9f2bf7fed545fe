"""The one Period type: parsing, bounds and neighbours of a calendar month."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.layout import Layout, Period


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "2026-1", "26-10", "2026/10", " 2026-10", "2026-10-01", ""]
)
def test_not_a_real_month_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Period.parse(text)


def test_bounds_of_a_leap_february() -> None:
    month = Period.parse("2028-02")
    assert (month.first_day, month.last_day) == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))


def test_neighbours_cross_the_year() -> None:
    assert str(Period.parse("2026-01").previous) == "2025-12"
    assert str(Period.parse("2025-12").next) == "2026-01"


@given(st.integers(1900, 2200), st.integers(1, 12))
def test_text_round_trips_and_neighbours_are_inverse(year: int, month: int) -> None:
    period = Period(year, month)
    assert Period.parse(str(period)) == period
    assert period.next.previous == period
    assert period.previous.last_day + dt.timedelta(days=1) == period.first_day


def test_a_layout_knows_the_month_before(tmp_path) -> None:
    assert Layout(tmp_path, "2026-01").previous().published == tmp_path / "published" / "2025-12"
