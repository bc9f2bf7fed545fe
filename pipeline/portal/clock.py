"""Today's date for deadlines and letters. Fixed by REKON_PORTAL_TODAY (training, demos) or by a
test; otherwise the calendar date in Indonesia's western time zone (WIB, UTC+7)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

WIB = dt.timezone(dt.timedelta(hours=7))


@dataclass
class Clock:
    fixed: dt.date | None = None

    @classmethod
    def from_env(cls) -> Clock:
        value = os.environ.get("REKON_PORTAL_TODAY", "").strip()
        return cls(dt.date.fromisoformat(value) if value else None)

    def today(self) -> dt.date:
        return self.fixed or dt.datetime.now(WIB).date()
