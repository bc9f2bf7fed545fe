"""Working-day deadlines of follow-up letters: weekends, Indonesian public holidays and collective
leave (cuti bersama) from the `holidays` package, plus each branch's local holidays
(`pipeline/reference/branch_holidays.csv`, edited by the branches)."""

from __future__ import annotations

import csv
import datetime as dt
from functools import cache
from pathlib import Path

import holidays

from pipeline.reference import REFERENCE_DIR

BRANCH_HOLIDAYS_CSV = REFERENCE_DIR / "branch_holidays.csv"


@cache
def _national(year: int) -> dict[dt.date, str]:
    # "government" adds cuti bersama (collective leave decreed each year) to the public holidays.
    calendar = holidays.country_holidays("ID", categories=("public", "government"), language="id", years=year)
    return dict(calendar.items())


def branch_holidays(path: Path = BRANCH_HOLIDAYS_CSV) -> dict[str, dict[dt.date, str]]:
    """branch_code -> {date: name} from the override file; a missing file means none."""
    out: dict[str, dict[dt.date, str]] = {}
    if not path.is_file():
        return out
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code, day = (row.get("branch_code") or "").strip(), (row.get("date") or "").strip()
            if code and day:
                out.setdefault(code, {})[dt.date.fromisoformat(day)] = (row.get("name") or "").strip()
    return out


def holiday_name(day: dt.date, branch_code: str | None, local: dict[str, dict[dt.date, str]]) -> str:
    """Why `day` is not a working day ("" when it is one)."""
    if day.weekday() >= 5:
        return "Sabtu" if day.weekday() == 5 else "Minggu"
    name = _national(day.year).get(day) or local.get(branch_code or "", {}).get(day)
    return name or ""


def add_working_days(
    start: dt.date,
    days: int,
    branch_code: str | None = None,
    local: dict[str, dict[dt.date, str]] | None = None,
) -> dt.date:
    """The date `days` working days after `start` (the letter's date itself is not counted)."""
    local = branch_holidays() if local is None else local
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if not holiday_name(day, branch_code, local):
            left -= 1
    return day


def skipped_days(
    start: dt.date,
    due: dt.date,
    branch_code: str | None = None,
    local: dict[str, dict[dt.date, str]] | None = None,
) -> list[tuple[dt.date, str]]:
    """The non-working weekdays between a letter and its due date, shown beside the due date."""
    local = branch_holidays() if local is None else local
    out = []
    day = start
    while day < due:
        day += dt.timedelta(days=1)
        name = holiday_name(day, branch_code, local)
        if name and day.weekday() < 5:
            out.append((day, name))
    return out
