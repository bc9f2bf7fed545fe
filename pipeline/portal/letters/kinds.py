"""The kinds of letter, in the order a case goes through them (`pipeline/reference/letter_kinds.csv`)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from pipeline.reference import REFERENCE_DIR

KINDS_CSV = REFERENCE_DIR / "letter_kinds.csv"


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    stage: str  # the follow-up stage the case moves to when this letter is issued
    working_days: int  # working days the addressee has to comply, counted from the letter's date
    order: int
    source: str


@cache
def kinds() -> tuple[Kind, ...]:
    with KINDS_CSV.open(encoding="utf-8", newline="") as f:
        rows = [
            Kind(r["kind"], r["label"], r["stage"], int(r["working_days"]), int(r["order"]), r["source"])
            for r in csv.DictReader(f)
        ]
    return tuple(sorted(rows, key=lambda k: k.order))


def kind(code: str) -> Kind:
    for k in kinds():
        if k.code == code:
            return k
    raise KeyError(code)


def codes() -> tuple[str, ...]:
    return tuple(k.code for k in kinds())


def next_kind(issued: set[str]) -> Kind | None:
    """The first kind not yet issued on a case (the next step), or None after the last."""
    for k in kinds():
        if k.code not in issued:
            return k
    return None


def previous_kind(code: str) -> Kind | None:
    ordered = kinds()
    position = [k.code for k in ordered].index(code)
    return ordered[position - 1] if position else None
