"""Quarantine reasons and which one a row gets when it breaks several rules."""

from __future__ import annotations

# CONTRACT.md section 4, most specific first: a row with a bad NIK and a missing name is
# quarantined for its NIK; a date that is there but unreadable is `invalid_date`, not missing.
# `duplicate` is last: only otherwise valid rows can be duplicates.
REASON_PRIORITY = (
    "unreadable_file",
    "invalid_nik",
    "invalid_wage",
    "missing_employer_id",
    "invalid_date",
    "invalid_period",
    "missing_required",
    "invalid_code",
    "duplicate",
)


def reason_rank_sql() -> str:
    """A SQL expression ranking column `reason` by REASON_PRIORITY (unknown reasons last)."""
    cases = " ".join(f"when '{r}' then {i}" for i, r in enumerate(REASON_PRIORITY))
    return f"case reason {cases} else {len(REASON_PRIORITY)} end"
