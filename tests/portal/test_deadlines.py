"""Due dates count working days: weekends, national holidays, cuti bersama, branch holidays."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.portal.deadlines import add_working_days, branch_holidays, holiday_name, skipped_days

D = dt.date


def test_plain_fortnight_skips_two_weekends() -> None:
    # Mon 2026-06-01 + 10 working days = Mon 2026-06-15 (weekends 6-7 and 13-14 skipped); 1 June is
    # Hari Lahir Pancasila, but the letter's own date is not counted.
    assert add_working_days(D(2026, 6, 1), 10, local={}) == D(2026, 6, 15)


def test_idul_fitri_2026_collective_leave_is_skipped() -> None:
    # Letter Wed 2026-03-11. Working days: 12, 13, 16, 17 (18 cuti bersama Nyepi, 19 Nyepi,
    # 20 cuti bersama Idul Fitri, 21-22 Idul Fitri on a weekend, 23-24 cuti bersama), 25, 26, 27,
    # 30, 31, 1 April -> the 10th is Wed 2026-04-01 (five weekdays later than weekends alone give).
    due = add_working_days(D(2026, 3, 11), 10, local={})
    assert due == D(2026, 4, 1)
    skipped = dict(skipped_days(D(2026, 3, 11), due, local={}))
    assert {D(2026, 3, 20), D(2026, 3, 23), D(2026, 3, 24)} <= skipped.keys()
    assert "Cuti Bersama" in skipped[D(2026, 3, 23)]
    # Wed 1 April + 10 working days skips Good Friday (3 April) only.
    assert add_working_days(D(2026, 4, 1), 10, local={}) == D(2026, 4, 16)  # Good Friday 3 April


def test_idul_fitri_days_are_named() -> None:
    assert "Idul Fitri" in holiday_name(D(2026, 3, 20), None, {})
    assert holiday_name(D(2026, 3, 25), None, {}) == ""
    assert holiday_name(D(2026, 3, 28), None, {}) == "Sabtu"


def test_branch_holiday_only_moves_that_branch(tmp_path: Path) -> None:
    path = tmp_path / "branch_holidays.csv"
    path.write_text("branch_code,date,name\nKC-PLKR,2026-12-16,Libur daerah\n", encoding="utf-8")
    local = branch_holidays(path)
    # Thu 2026-12-10 + 10: 11, 14, 15, 16, 17, 18, 21, 22, 23 (24 cuti bersama Natal, 25 Natal), 28.
    assert add_working_days(D(2026, 12, 10), 10, "KC-SMPT", local) == D(2026, 12, 28)
    # Palangka Raya also rests on the 16th: one more day.
    assert add_working_days(D(2026, 12, 10), 10, "KC-PLKR", local) == D(2026, 12, 29)
    assert (D(2026, 12, 16), "Libur daerah") in skipped_days(
        D(2026, 12, 10), D(2026, 12, 29), "KC-PLKR", local
    )


def test_shipped_override_file_parses() -> None:
    local = branch_holidays()
    assert all(isinstance(day, dt.date) for days in local.values() for day in days)
